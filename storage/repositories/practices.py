"""Practice queries: by id with everything a reader needs loaded, filtered pages, versions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.sql import Select

from storage.models import (
    Application,
    Community,
    Organisation,
    Person,
    Practice,
    PracticeAuthor,
    PracticeTag,
    PracticeVersion,
)
from storage.models.practices import Tagged

_FULL = (
    selectinload(Practice.authors).selectinload(PracticeAuthor.person).selectinload(Person.organisation),
    selectinload(Practice.tags),
    selectinload(Practice.organisation),
    selectinload(Practice.community),
)


@dataclass(frozen=True)
class PracticeFilters:
    themes: Sequence[str] = ()
    legal_frames: Sequence[str] = ()
    organisation: str | None = None  # slug
    community: str | None = None  # slug
    recognition_levels: Sequence[str] = ()
    languages: Sequence[str] = ()
    statuses: Sequence[str] = ()


@dataclass(frozen=True)
class Cursor:
    created_at: datetime
    id: uuid.UUID


def get(session: Session, practice_id: uuid.UUID, access: ColumnElement[bool]) -> Practice | None:
    return session.scalar(select(Practice).where(Practice.id == practice_id, access).options(*_FULL))


def get_by_slug(session: Session, slug: str, access: ColumnElement[bool]) -> Practice | None:
    return session.scalar(select(Practice).where(Practice.slug == slug, access).options(*_FULL))


def id_by_slug(session: Session, slug: str) -> uuid.UUID | None:
    return session.scalar(select(Practice.id).where(Practice.slug == slug))


def get_for_update(session: Session, practice_id: uuid.UUID) -> Practice | None:
    query = select(Practice).where(Practice.id == practice_id).options(*_FULL).with_for_update()
    return session.scalar(query)


def get_many(session: Session, ids: Sequence[uuid.UUID], access: ColumnElement[bool]) -> dict[uuid.UUID, Practice]:
    if not ids:
        return {}
    rows = session.scalars(select(Practice).where(Practice.id.in_(ids), access).options(*_FULL))
    return {p.id: p for p in rows}


@dataclass(frozen=True, slots=True)
class Ref:
    """An organisation or community as a hit names it."""

    id: uuid.UUID
    slug: str
    name: str


@dataclass(slots=True)
class HitRow(Tagged):
    """A practice as a list of hits shows it: its summary fields, the section texts its passage is cut from, its
    organisation, community and tags, read by Core queries (``hits``). The fields are ``Practice``'s own names, so
    ``PracticeSummary.model_validate`` and the templates read a hit as they read a practice.

    A search shows ten of these on every request: plain rows spare it the ORM's fixed cost per object (measured in
    docs/capacity.md)."""

    id: uuid.UUID
    slug: str
    version: int
    title: str
    summary: str
    situation: str
    target_group: str | None
    not_for: str | None
    goals: str | None
    approach: str
    working_elements: str | None
    results: str | None
    lessons: str | None
    preconditions: str | None
    costs: str | None
    language: str
    recognition_level: str
    status: str
    visibility: str
    community_id: uuid.UUID | None
    updated_at: datetime
    organisation: Ref | None = None
    community: Ref | None = None
    tags: list[tuple[str, str]] = field(default_factory=list)  # (kind, value)
    authors: list[PracticeAuthor] = field(default_factory=list)  # loaded on request (``hits(authors=True)``)

    def tag_pairs(self) -> list[tuple[str, str]]:
        return self.tags


# The practice's own columns of a hit row, in the order of its fields.
_HIT_COLUMNS = tuple(Practice.__table__.c[f.name] for f in fields(HitRow) if f.name in Practice.__table__.c)


def hits(
    session: Session, ids: Sequence[uuid.UUID], access: ColumnElement[bool], *, authors: bool = False
) -> dict[uuid.UUID, HitRow]:
    """Practices as a list of hits shows them (``HitRow``), in two Core queries: the rows with their organisation
    and community joined, then their tags (joined, every tag would repeat its practice's texts). ``authors`` loads
    the authors too, with their people and organisations (one ORM query), for the network view."""
    if not ids:
        return {}
    org, community = Organisation.__table__, Community.__table__
    query = (
        select(*_HIT_COLUMNS, org.c.id, org.c.slug, org.c.name, community.c.id, community.c.slug, community.c.name)
        .select_from(
            Practice.__table__.outerjoin(org, org.c.id == Practice.organisation_id).outerjoin(
                community, community.c.id == Practice.community_id
            )
        )
        .where(Practice.id.in_(ids), access)
    )
    own = len(_HIT_COLUMNS)
    found: dict[uuid.UUID, HitRow] = {}
    for row in session.execute(query):
        values = tuple(row)
        org_id, org_slug, org_name, community_id, community_slug, community_name = values[own:]
        found[values[0]] = hit = HitRow(*values[:own])
        if org_id is not None:
            hit.organisation = Ref(org_id, org_slug, org_name)
        if community_id is not None:
            hit.community = Ref(community_id, community_slug, community_name)
    if not found:
        return found
    tags = select(PracticeTag.practice_id, PracticeTag.kind, PracticeTag.value).where(
        PracticeTag.practice_id.in_(list(found))
    )
    for practice_id, kind, value in session.execute(tags):
        found[practice_id].tags.append((kind, value))
    if authors:
        query_authors = (
            select(PracticeAuthor)
            .where(PracticeAuthor.practice_id.in_(list(found)))
            .options(joinedload(PracticeAuthor.person).joinedload(Person.organisation))
            .order_by(PracticeAuthor.practice_id, PracticeAuthor.position)
        )
        for author in session.scalars(query_authors):
            found[author.practice_id].authors.append(author)
    return found


def applied_counts(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How many organisations applied each of these practices (practices nobody applied are absent)."""
    if not ids:
        return {}
    query = (
        select(Application.practice_id, func.count(func.distinct(Application.organisation_id)))
        .where(Application.practice_id.in_(ids))
        .group_by(Application.practice_id)
    )
    return {practice_id: int(count) for practice_id, count in session.execute(query)}


def ids_by_slugs(session: Session, slugs: Sequence[str]) -> list[uuid.UUID]:
    return list(session.scalars(select(Practice.id).where(Practice.slug.in_(slugs))))


def authored_by(session: Session, person_id: uuid.UUID, access: ColumnElement[bool]) -> list[Practice]:
    query = (
        select(Practice)
        .join(PracticeAuthor, PracticeAuthor.practice_id == Practice.id)
        .where(PracticeAuthor.person_id == person_id, access)
        .order_by(Practice.updated_at.desc())
    )
    return list(session.scalars(query))


def slug_taken(session: Session, slug: str) -> bool:
    return session.scalar(select(Practice.id).where(Practice.slug == slug)) is not None


def _tag(kind: str, values: Sequence[str]) -> ColumnElement[bool]:
    return exists().where(
        PracticeTag.practice_id == Practice.id, PracticeTag.kind == kind, PracticeTag.value.in_(values)
    )


def filtered(filters: PracticeFilters, access: ColumnElement[bool]) -> Select[Practice]:
    query = select(Practice).where(access)
    if filters.themes:
        query = query.where(_tag("theme", filters.themes))
    if filters.legal_frames:
        query = query.where(_tag("legal_frame", filters.legal_frames))
    if filters.organisation:
        query = query.join(Organisation, Practice.organisation_id == Organisation.id).where(
            Organisation.slug == filters.organisation
        )
    if filters.community:
        query = query.join(Community, Practice.community_id == Community.id).where(Community.slug == filters.community)
    if filters.recognition_levels:
        query = query.where(Practice.recognition_level.in_(filters.recognition_levels))
    if filters.languages:
        query = query.where(Practice.language.in_(filters.languages))
    if filters.statuses:
        query = query.where(Practice.status.in_(filters.statuses))
    return query


def page(
    session: Session,
    filters: PracticeFilters,
    access: ColumnElement[bool],
    *,
    after: Cursor | None,
    limit: int,
) -> tuple[list[Practice], Cursor | None]:
    """Newest first, keyset-paginated on (created_at, id) so pages stay stable while practices are added."""
    query = filtered(filters, access)
    if after is not None:
        query = query.where(
            or_(
                Practice.created_at < after.created_at,
                and_(Practice.created_at == after.created_at, Practice.id < after.id),
            )
        )
    rows = list(
        session.scalars(query.options(*_FULL).order_by(Practice.created_at.desc(), Practice.id.desc()).limit(limit + 1))
    )
    if len(rows) > limit:
        last = rows[limit - 1]
        return rows[:limit], Cursor(last.created_at, last.id)
    return rows, None


def count(session: Session, filters: PracticeFilters, access: ColumnElement[bool]) -> int:
    subquery = filtered(filters, access).with_only_columns(Practice.id).subquery()
    return int(session.scalar(select(func.count()).select_from(subquery)) or 0)


def versions(session: Session, practice_id: uuid.UUID) -> list[PracticeVersion]:
    query = (
        select(PracticeVersion)
        .where(PracticeVersion.practice_id == practice_id)
        .order_by(PracticeVersion.version.desc())
    )
    return list(session.scalars(query))


def all_ids(session: Session) -> list[uuid.UUID]:
    return list(session.scalars(select(Practice.id).order_by(Practice.created_at)))


def total(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Practice)) or 0)


def authored_counts(
    session: Session, person_ids: Sequence[uuid.UUID], access: ColumnElement[bool]
) -> dict[uuid.UUID, int]:
    """How many practices each person wrote that ``access`` lets the caller read: the body of work their evidence is
    weighed against. A draft or a private practice must not shape what a stranger sees."""
    if not person_ids:
        return {}
    query = (
        select(PracticeAuthor.person_id, func.count())
        .join(Practice, Practice.id == PracticeAuthor.practice_id)
        .where(PracticeAuthor.person_id.in_(person_ids), access)
        .group_by(PracticeAuthor.person_id)
    )
    return {person: int(n) for person, n in session.execute(query)}
