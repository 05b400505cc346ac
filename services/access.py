"""The one enforcement point for reading practices.

Who may read what is a list of *grants*; each grant is a conjunction on (status, visibility, community).
The same grants become a SQL clause (list, get, versions, counts) and an index filter (search, similar),
so the two can never disagree.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, false, or_, true

from core.vocab import Status, Visibility
from indexing.index import FieldIn, IndexFilter
from storage.models import Practice

READABLE_STATUSES = (Status.PUBLISHED, Status.ARCHIVED)


@dataclass(frozen=True)
class Viewer:
    """Who is asking. Anonymous until accounts exist for the caller."""

    person_id: uuid.UUID | None = None
    is_admin: bool = False
    community_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)

    @property
    def signed_in(self) -> bool:
        return self.person_id is not None


ANONYMOUS = Viewer()


@dataclass(frozen=True)
class Grant:
    statuses: tuple[str, ...] | None = None  # None: any
    visibilities: tuple[str, ...] | None = None
    communities: tuple[uuid.UUID, ...] | None = None


def grants_for(viewer: Viewer) -> list[Grant]:
    if viewer.is_admin:
        return [Grant()]
    visible = [Visibility.PUBLIC.value] + ([Visibility.INTERNAL.value] if viewer.signed_in else [])
    grants = [Grant(statuses=tuple(s.value for s in READABLE_STATUSES), visibilities=tuple(visible))]
    if viewer.community_ids:
        # Members read everything of their own communities, drafts included.
        grants.append(Grant(communities=tuple(sorted(viewer.community_ids, key=str))))
    return grants


class AccessPolicy:
    def __init__(self, viewer: Viewer) -> None:
        self.viewer = viewer
        self.grants = grants_for(viewer)

    def practice_clause(self) -> ColumnElement[bool]:
        clauses = []
        for grant in self.grants:
            parts: list[ColumnElement[bool]] = [true()]
            if grant.statuses is not None:
                parts.append(Practice.status.in_(grant.statuses))
            if grant.visibilities is not None:
                parts.append(Practice.visibility.in_(grant.visibilities))
            if grant.communities is not None:
                parts.append(Practice.community_id.in_(grant.communities))
            clauses.append(and_(*parts))
        return or_(*clauses) if clauses else false()

    def can_read(self, practice: Practice) -> bool:
        return any(
            (g.statuses is None or practice.status in g.statuses)
            and (g.visibilities is None or practice.visibility in g.visibilities)
            and (g.communities is None or practice.community_id in g.communities)
            for g in self.grants
        )

    def index_filter(self) -> IndexFilter:
        conjunctions = []
        for grant in self.grants:
            conj: list[FieldIn] = []
            if grant.statuses is not None:
                conj.append(FieldIn("status", grant.statuses))
            if grant.visibilities is not None:
                conj.append(FieldIn("visibility", grant.visibilities))
            if grant.communities is not None:
                conj.append(FieldIn("community_id", tuple(str(c) for c in grant.communities)))
            if not conj:
                return IndexFilter()  # an unrestricted grant: no access condition at all
            conjunctions.append(tuple(conj))
        return IndexFilter(any_of=tuple(conjunctions))
