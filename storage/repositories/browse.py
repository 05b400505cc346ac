"""Queries for browsing pages: most-applied practices, a person's own practices and the review queue."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, selectinload

from storage.models import Application, Person, Practice, PracticeAuthor

_CARD = (selectinload(Practice.organisation), selectinload(Practice.community), selectinload(Practice.tags))


def most_applied(session: Session, access: ColumnElement[bool], *, limit: int) -> list[tuple[Practice, int]]:
    """Readable published practices by the number of organisations that applied them."""
    applied = func.count(func.distinct(Application.organisation_id)).label("applied")
    query = (
        select(Practice, applied)
        .join(Application, Application.practice_id == Practice.id)
        .where(access, Practice.status == "published")
        .group_by(Practice.id)
        .order_by(applied.desc(), Practice.title)
        .limit(limit)
        .options(*_CARD)
    )
    return [(row[0], int(row[1])) for row in session.execute(query)]


def recent_published(session: Session, access: ColumnElement[bool], *, limit: int) -> list[Practice]:
    query = (
        select(Practice)
        .where(access, Practice.status == "published")
        .order_by(Practice.updated_at.desc(), Practice.id)
        .limit(limit)
        .options(*_CARD)
    )
    return list(session.scalars(query))


def count_published(session: Session, access: ColumnElement[bool]) -> int:
    query = select(func.count()).select_from(Practice).where(access, Practice.status == "published")
    return int(session.scalar(query) or 0)


def owned_by(session: Session, person_id: uuid.UUID, access: ColumnElement[bool]) -> list[Practice]:
    """Practices the person created or co-authored, newest change first."""
    authored = select(PracticeAuthor.practice_id).where(PracticeAuthor.person_id == person_id)
    query = (
        select(Practice)
        .where(access, (Practice.created_by == person_id) | Practice.id.in_(authored))
        .order_by(Practice.updated_at.desc())
        .options(*_CARD)
    )
    return list(session.scalars(query))


def in_review(
    session: Session, community_ids: Sequence[uuid.UUID] | None, access: ColumnElement[bool]
) -> list[Practice]:
    """Practices waiting for review, in the given communities (None: all of them), oldest first."""
    query = select(Practice).where(access, Practice.status == "in_review")
    if community_ids is not None:
        query = query.where(Practice.community_id.in_(community_ids))
    query = query.order_by(Practice.updated_at).options(
        *_CARD, selectinload(Practice.authors).selectinload(PracticeAuthor.person).selectinload(Person.organisation)
    )
    return list(session.scalars(query))
