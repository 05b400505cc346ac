"""Questions with answers, applications and feedback."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from storage.models import Answer, Application, Feedback, KnowledgeGap, Person, Question

_FULL = (
    selectinload(Question.answers).selectinload(Answer.author).selectinload(Person.organisation),
    selectinload(Question.asker).selectinload(Person.organisation),
    selectinload(Question.community),
)


def get(session: Session, question_id: uuid.UUID, access: ColumnElement[bool]) -> Question | None:
    return session.scalar(select(Question).where(Question.id == question_id, access).options(*_FULL))


def get_many(session: Session, ids: Sequence[uuid.UUID], access: ColumnElement[bool]) -> list[Question]:
    if not ids:
        return []
    return list(session.scalars(select(Question).where(Question.id.in_(ids), access).options(*_FULL)))


def recent(session: Session, access: ColumnElement[bool], *, limit: int, open_only: bool = False) -> list[Question]:
    query = select(Question).where(access).options(*_FULL).order_by(Question.created_at.desc()).limit(limit)
    if open_only:
        query = query.where(Question.accepted_answer_id.is_(None))
    return list(session.scalars(query))


def applications_of(session: Session, practice_ids: Sequence[uuid.UUID]) -> list[Application]:
    if not practice_ids:
        return []
    query = (
        select(Application)
        .where(Application.practice_id.in_(practice_ids))
        .options(
            selectinload(Application.person).selectinload(Person.organisation), selectinload(Application.organisation)
        )
        .order_by(Application.applied_on.desc())
    )
    return list(session.scalars(query))


def feedback_of(session: Session, practice_id: uuid.UUID) -> list[Feedback]:
    query = (
        select(Feedback)
        .where(Feedback.practice_id == practice_id)
        .options(selectinload(Feedback.person))
        .order_by(Feedback.created_at)
    )
    return list(session.scalars(query))


def answered_by(session: Session, person_id: uuid.UUID) -> list[Answer]:
    return list(session.scalars(select(Answer).where(Answer.author_id == person_id)))


def count_gap(session: Session, day: date, theme: str, kind: str) -> None:
    """Increment one (day, theme, kind) counter; safe under concurrent requests."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(KnowledgeGap).values(day=day, theme=theme, kind=kind, count=1)
    statement = statement.on_conflict_do_update(
        index_elements=["day", "theme", "kind"], set_={"count": KnowledgeGap.count + 1}
    )
    session.execute(statement)


def gaps(session: Session, since: date) -> list[tuple[str, str, int]]:
    query = (
        select(KnowledgeGap.theme, KnowledgeGap.kind, func.sum(KnowledgeGap.count))
        .where(KnowledgeGap.day >= since)
        .group_by(KnowledgeGap.theme, KnowledgeGap.kind)
    )
    return [(theme, kind, int(total)) for theme, kind, total in session.execute(query).all()]
