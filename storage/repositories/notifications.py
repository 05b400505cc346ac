"""A person's notifications: newest first, and only those whose subject the person may read at this moment."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, update
from sqlalchemy.orm import Session

from storage.models import Account, Notification, Practice, Question


def readable(practice_access: ColumnElement[bool], question_access: ColumnElement[bool]) -> ColumnElement[bool]:
    """A notification whose practice or question passes the reader's access clause (a subject made private or
    deleted since is left out, in the same query as the rest)."""
    practice = exists().where(Practice.id == Notification.subject_id, practice_access)
    question = exists().where(Question.id == Notification.subject_id, question_access)
    return or_(
        and_(Notification.subject_kind == "practice", practice),
        and_(Notification.subject_kind == "question", question),
    )


def unread_count(session: Session, person_id: uuid.UUID, access: ColumnElement[bool]) -> int:
    query = select(func.count()).select_from(Notification)
    query = query.where(Notification.person_id == person_id, Notification.read_at.is_(None), access)
    return session.scalar(query) or 0


def newest(
    session: Session, person_id: uuid.UUID, access: ColumnElement[bool], *, limit: int, unread_only: bool = False
) -> list[Notification]:
    query = select(Notification).where(Notification.person_id == person_id, access)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    query = query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    return list(session.scalars(query))


def get(
    session: Session, person_id: uuid.UUID, notification_id: uuid.UUID, access: ColumnElement[bool]
) -> Notification | None:
    query = select(Notification).where(Notification.id == notification_id, Notification.person_id == person_id, access)
    return session.scalar(query)


def mark_all_read(session: Session, person_id: uuid.UUID, at: datetime) -> None:
    session.execute(
        update(Notification)
        .where(Notification.person_id == person_id, Notification.read_at.is_(None))
        .values(read_at=at)
        .execution_options(synchronize_session=False)
    )


def practice_titles(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str]]:
    """id -> (slug, title), for the practices named by a page of notifications."""
    if not ids:
        return {}
    rows = session.execute(select(Practice.id, Practice.slug, Practice.title).where(Practice.id.in_(ids)))
    return {row.id: (row.slug, row.title) for row in rows}


def question_titles(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = session.execute(select(Question.id, Question.title).where(Question.id.in_(ids)))
    return {row.id: row.title for row in rows}


def accounts_of(session: Session, person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Account]:
    """person id -> account, for those of these people with an account that is not disabled: only they are told."""
    if not person_ids:
        return {}
    query = select(Account).where(Account.person_id.in_(person_ids), Account.disabled_at.is_(None))
    return {a.person_id: a for a in session.scalars(query)}


def subject_readable(
    session: Session,
    subject_kind: str,
    subject_id: uuid.UUID,
    practice_access: ColumnElement[bool],
    question_access: ColumnElement[bool],
) -> bool:
    if subject_kind == "practice":
        query = select(Practice.id).where(Practice.id == subject_id, practice_access)
    else:
        query = select(Question.id).where(Question.id == subject_id, question_access)
    return session.scalar(query) is not None
