"""Queries for the people, community and 'mijn' pages."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, selectinload

from storage.models import Answer, Community, CommunityMember, Person, Question


def community_with_members(session: Session, slug: str) -> Community | None:
    query = (
        select(Community)
        .where(Community.slug == slug)
        .options(selectinload(Community.members).selectinload(CommunityMember.person).selectinload(Person.organisation))
    )
    return session.scalar(query)


def person_with_organisation(session: Session, slug: str) -> Person | None:
    return session.scalar(select(Person).where(Person.slug == slug).options(selectinload(Person.organisation)))


def questions_of(session: Session, person_id: uuid.UUID, access: ColumnElement[bool]) -> list[Question]:
    query = (
        select(Question)
        .where(Question.asker_id == person_id, access)
        .options(selectinload(Question.answers).selectinload(Answer.author), selectinload(Question.community))
        .order_by(Question.created_at.desc())
    )
    return list(session.scalars(query))
