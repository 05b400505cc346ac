"""What the Atom feeds read: the latest practices and questions under an access clause, follows, feed tokens."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, selectinload

from core.vocab import Status
from storage.models import Account, Answer, FeedToken, Follow, Practice, PracticeAuthor, Question
from storage.repositories.practices import PracticeFilters, filtered


def latest_practices(
    session: Session, access: ColumnElement[bool], *, themes: Sequence[str] = (), community: str | None, limit: int
) -> list[Practice]:
    """Published practices under ``access``, the most recently changed first (publishing is a change)."""
    filters = PracticeFilters(themes=themes, community=community, statuses=[Status.PUBLISHED.value])
    query = (
        filtered(filters, access)
        .options(selectinload(Practice.authors).selectinload(PracticeAuthor.person), selectinload(Practice.tags))
        .order_by(Practice.updated_at.desc(), Practice.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def latest_open_questions(session: Session, access: ColumnElement[bool], *, limit: int) -> list[Question]:
    query = (
        select(Question)
        .where(access, Question.accepted_answer_id.is_(None))
        .options(selectinload(Question.asker))
        .order_by(Question.created_at.desc(), Question.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def questions(session: Session, ids: Sequence[uuid.UUID], access: ColumnElement[bool]) -> list[Question]:
    if not ids:
        return []
    query = select(Question).where(Question.id.in_(ids), access).options(selectinload(Question.asker))
    return list(session.scalars(query))


def last_answered(session: Session, question_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """When each of these questions got its latest answer (questions without answers are absent)."""
    if not question_ids:
        return {}
    query = (
        select(Answer.question_id, func.max(Answer.created_at))
        .where(Answer.question_id.in_(question_ids))
        .group_by(Answer.question_id)
    )
    return {question_id: at for question_id, at in session.execute(query) if at is not None}


def followed(session: Session, person_id: uuid.UUID, kind: str) -> list[str]:
    """The targets (a theme's value, an id) of one kind that a person follows."""
    query = select(Follow.target).where(Follow.person_id == person_id, Follow.target_kind == kind)
    return list(session.scalars(query))


def add_token(session: Session, person_id: uuid.UUID, token_hash: str) -> FeedToken:
    token = FeedToken(person_id=person_id, token_hash=token_hash)
    session.add(token)
    session.flush()
    return token


def token_by_hash(session: Session, token_hash: str) -> FeedToken | None:
    return session.scalar(select(FeedToken).where(FeedToken.token_hash == token_hash))


def tokens_of(session: Session, person_id: uuid.UUID) -> list[FeedToken]:
    query = select(FeedToken).where(FeedToken.person_id == person_id).order_by(FeedToken.created_at.desc())
    return list(session.scalars(query))


def account_of(session: Session, person_id: uuid.UUID) -> Account | None:
    query = select(Account).where(Account.person_id == person_id).options(selectinload(Account.person))
    return session.scalar(query)
