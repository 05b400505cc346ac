"""The one enforcement point for practices: who may read, and who may change what.

Reading is a list of *grants*; each grant is a conjunction on (status, visibility, community, owner).
The same grants become a SQL clause (list, get, versions, counts) and an index filter (search, similar),
so the two can never disagree. Writing is decided by the ``may_*`` methods; a caller who may not even read
a practice is told it does not exist (404), never that it is forbidden.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, exists, false, or_, true
from sqlalchemy.orm import aliased

from core.errors import Forbidden, InvalidTransition, NotFound, Unauthorized
from core.vocab import ProfileVisibility, RecognitionLevel, Status, Visibility
from indexing.index import FieldIn, IndexFilter
from storage.models import Person, Practice, PracticeAuthor, Question

READABLE_STATUSES = (Status.PUBLISHED, Status.ARCHIVED)
VISIBILITY_REACH = {Visibility.COMMUNITY: 0, Visibility.INTERNAL: 1, Visibility.PUBLIC: 2}


@dataclass(frozen=True)
class Author:
    """An author as a page names them: the name is the practice's credit, the slug only when their profile shows to
    the viewer (then the name links to it)."""

    name: str
    slug: str | None


@dataclass(frozen=True)
class Viewer:
    """Who is asking: anonymous, or a signed-in person with their community roles."""

    person_id: uuid.UUID | None = None
    account_id: uuid.UUID | None = None
    is_admin: bool = False
    community_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)  # member, coach or curator
    curator_community_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)  # coach or curator

    @property
    def signed_in(self) -> bool:
        return self.person_id is not None


ANONYMOUS = Viewer()
SYSTEM = Viewer(is_admin=True)  # the CLI and imports: acts for the operator, records no person


@dataclass(frozen=True)
class Grant:
    statuses: tuple[str, ...] | None = None  # None: any
    visibilities: tuple[str, ...] | None = None
    communities: tuple[uuid.UUID, ...] | None = None
    owner: uuid.UUID | None = None  # the person is an author or the creator


def open_visibilities(viewer: Viewer) -> tuple[str, ...]:
    """What anyone of the viewer's kind reads without a community: public, plus internal when signed in."""
    return (Visibility.PUBLIC.value, Visibility.INTERNAL.value) if viewer.signed_in else (Visibility.PUBLIC.value,)


def grants_for(viewer: Viewer) -> list[Grant]:
    if viewer.is_admin:
        return [Grant()]
    grants = [Grant(statuses=tuple(s.value for s in READABLE_STATUSES), visibilities=open_visibilities(viewer))]
    if viewer.community_ids:
        # Members read everything of their own communities, drafts included.
        grants.append(Grant(communities=tuple(sorted(viewer.community_ids, key=str))))
    if viewer.person_id:
        grants.append(Grant(owner=viewer.person_id))
    return grants


def _owned_by(person_id: uuid.UUID) -> ColumnElement[bool]:
    # An alias of its own: a query that joins the authors table itself (practices by an author) would otherwise
    # correlate it away and leave the subquery with no FROM clause.
    author = aliased(PracticeAuthor)
    authored = exists().where(author.practice_id == Practice.id, author.person_id == person_id)
    return or_(Practice.created_by == person_id, authored)


class AccessPolicy:
    def __init__(self, viewer: Viewer) -> None:
        self.viewer = viewer
        self.grants = grants_for(viewer)

    # --- reading --------------------------------------------------------------------------------

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
            if grant.owner is not None:
                parts.append(_owned_by(grant.owner))
            clauses.append(and_(*parts))
        return or_(*clauses) if clauses else false()

    def question_clause(self) -> ColumnElement[bool]:
        """Questions have no workflow: visibility, community and the asker decide."""
        v = self.viewer
        if v.is_admin:
            return true()
        clauses: list[ColumnElement[bool]] = [Question.visibility.in_(open_visibilities(v))]
        if v.community_ids:
            clauses.append(Question.community_id.in_(v.community_ids))
        if v.person_id:
            clauses.append(Question.asker_id == v.person_id)
        return or_(*clauses)

    def visible_profiles(self) -> tuple[str, ...]:
        """People decide who sees their profile: public to all, internal to signed-in users, hidden to admins only."""
        if self.viewer.is_admin:
            return tuple(p.value for p in ProfileVisibility)
        if self.viewer.signed_in:
            return (ProfileVisibility.PUBLIC.value, ProfileVisibility.INTERNAL.value)
        return (ProfileVisibility.PUBLIC.value,)

    def can_see_profile(self, person: Person | None) -> bool:
        return person is not None and person.profile_visibility in self.visible_profiles()

    def authors(self, practice: Practice) -> list[Author]:
        return [
            Author(a.person.name, a.person.slug if self.can_see_profile(a.person) else None) for a in practice.authors
        ]

    def require_profile(self, person: Person | None, field: str = "slug") -> Person:
        """The person, when their profile shows to this viewer; a hidden one does not exist for them (404)."""
        if person is None or not self.can_see_profile(person):
            raise NotFound("no person with this slug", field=field)
        return person

    def can_read(self, practice: Practice) -> bool:
        return any(
            (g.statuses is None or practice.status in g.statuses)
            and (g.visibilities is None or practice.visibility in g.visibilities)
            and (g.communities is None or practice.community_id in g.communities)
            and (g.owner is None or g.owner in owners_of(practice))
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
            if grant.owner is not None:
                conj.append(FieldIn("owner_ids", (str(grant.owner),)))
            if not conj:
                return IndexFilter()  # an unrestricted grant: no access condition at all
            conjunctions.append(tuple(conj))
        return IndexFilter(any_of=tuple(conjunctions))

    # --- writing --------------------------------------------------------------------------------

    def require_signed_in(self) -> None:
        if self.viewer.person_id is None and not self.viewer.is_admin:
            raise Unauthorized("sign in or send a personal API token (Authorization: Bearer …)")

    def require_admin(self) -> None:
        self.require_signed_in()
        if not self.viewer.is_admin:
            raise Forbidden("only admins can do this")

    def require_role_manager(self, community_id: uuid.UUID) -> None:
        self.require_signed_in()
        if not self.is_curator(community_id):
            raise Forbidden("roles are managed by admins and the community's curators")

    def is_curator(self, community_id: uuid.UUID | None) -> bool:
        """Coaches and curators decide for their community; a practice without one is its owners' own."""
        if self.viewer.is_admin:
            return True
        return community_id is not None and community_id in self.viewer.curator_community_ids

    def require_member(self, community_id: uuid.UUID | None, field: str = "community") -> None:
        if community_id is None or self.viewer.is_admin or community_id in self.viewer.community_ids:
            return
        raise Forbidden("only members of a community can place practices in it", field=field)

    def may_edit(self, practice: Practice) -> bool:
        """Its authors, the members of its community and admins change a practice (what ``require_edit`` enforces)."""
        v = self.viewer
        if not (v.is_admin or v.signed_in) or not self.can_read(practice):
            return False
        return v.is_admin or v.person_id in owners_of(practice) or practice.community_id in v.community_ids

    def require_edit(self, practice: Practice) -> None:
        self.require_signed_in()
        if not self.can_read(practice):
            raise NotFound("no practice with this id", field="id")
        if not self.may_edit(practice):
            raise Forbidden("only its authors, its community and admins can change this practice")

    @property
    def reviews(self) -> bool:
        """Whether the caller reviews anything: admins, and the coaches and curators of a community."""
        return self.viewer.is_admin or bool(self.viewer.curator_community_ids)

    def reviewed_communities(self) -> list[uuid.UUID] | None:
        """The communities whose practices in review the caller decides on; None: all of them (an admin)."""
        return None if self.viewer.is_admin else sorted(self.viewer.curator_community_ids, key=str)

    def may_accept(self, question: Question) -> bool:
        """The asker (or an admin) accepts an answer to a question."""
        return self.viewer.is_admin or (self.viewer.signed_in and question.asker_id == self.viewer.person_id)

    def require_accept(self, question: Question) -> None:
        self.require_signed_in()
        if not self.may_accept(question):
            raise Forbidden("only the asker accepts an answer")

    def require_placement(
        self, practice: Practice, old_community: uuid.UUID | None, old_visibility: Visibility
    ) -> None:
        """After an edit: moving a practice into a community needs membership, and widening who may read it
        (community → internal → public) is publishing, for those who may publish it. A published practice
        moved to another community is published there, so the same holds."""
        moved = practice.community_id != old_community
        if moved:
            self.require_member(practice.community_id)
        widened = VISIBILITY_REACH[Visibility(practice.visibility)] > VISIBILITY_REACH[old_visibility]
        if widened and not self.may_publish(practice):
            who = "curators and coaches of its community" if practice.community_id else "its authors"
            raise Forbidden(f"only {who} can widen who may read this practice", field="visibility")
        if moved and practice.status in READABLE_STATUSES and not self.may_publish(practice):
            raise Forbidden("only curators publish into their community", field="community")

    def may_publish(self, practice: Practice) -> bool:
        if practice.community_id is None:
            return self.viewer.is_admin or self.viewer.person_id in owners_of(practice)
        return self.is_curator(practice.community_id)

    def require_transition(self, practice: Practice, target: Status) -> None:
        self.require_edit(practice)
        current = Status(practice.status)
        allowed = TRANSITIONS.get(current, {})
        if target not in allowed:
            names = ", ".join(sorted(s.value for s in allowed)) or "none"
            raise InvalidTransition(f"a {current.value} practice can go to: {names}", field="status")
        if allowed[target] == "curator" and not self.may_publish(practice):
            who = "curators and coaches of its community" if practice.community_id else "its authors"
            raise Forbidden(f"only {who} can move this practice to {target.value}", field="status")

    def require_recognition(self, practice: Practice) -> None:
        self.require_edit(practice)
        if not (practice.community_id and self.is_curator(practice.community_id)) and not self.viewer.is_admin:
            raise Forbidden("the recognition level is set by curators of the practice's community", field="level")

    def require_delete(self, practice: Practice) -> None:
        self.require_edit(practice)
        if not self.may_publish(practice):
            raise Forbidden("only curators of its community (or its authors, outside a community) can delete it")

    def check_new(self, community_id: uuid.UUID | None, status: Status, level: RecognitionLevel) -> None:
        self.require_signed_in()
        self.require_member(community_id)
        curator = community_id is not None and self.is_curator(community_id)
        if status in (Status.PUBLISHED, Status.ARCHIVED) and community_id is not None and not curator:
            raise Forbidden("only curators publish into their community; start as draft or in_review", field="status")
        if level != RecognitionLevel.PRAKTIJKVOORBEELD and not (curator or self.viewer.is_admin):
            raise Forbidden("the recognition level is set by curators", field="recognition_level")


def owners_of(practice: Practice) -> set[uuid.UUID]:
    owners = {a.person_id for a in practice.authors}
    if practice.created_by:
        owners.add(practice.created_by)
    return owners


# target -> who may make the move: "editor" (authors, community members) or "curator"
TRANSITIONS: dict[Status, dict[Status, str]] = {
    Status.DRAFT: {Status.IN_REVIEW: "editor", Status.PUBLISHED: "curator"},
    Status.IN_REVIEW: {Status.DRAFT: "editor", Status.PUBLISHED: "curator"},
    Status.PUBLISHED: {Status.ARCHIVED: "curator", Status.DRAFT: "curator"},
    Status.ARCHIVED: {Status.PUBLISHED: "curator"},
}
