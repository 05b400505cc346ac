"""What people follow: a theme, a community, a practice or a question (``Follow.target``: a value or an id)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.base import utcnow
from storage.models import Community, Follow


def add(session: Session, person_id: uuid.UUID, kind: str, target: str) -> Follow:
    """Follow once: a second follow of the same target is the first one (also when two arrive at once)."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    values = {"person_id": person_id, "target_kind": kind, "target": target, "created_at": utcnow()}
    session.execute(insert(Follow).values(**values).on_conflict_do_nothing())
    found = find(session, person_id, kind, target)
    assert found is not None
    return found


def find(session: Session, person_id: uuid.UUID, kind: str, target: str) -> Follow | None:
    query = select(Follow).where(Follow.person_id == person_id, Follow.target_kind == kind, Follow.target == target)
    return session.scalar(query)


def remove(session: Session, person_id: uuid.UUID, kind: str, target: str) -> bool:
    result = session.execute(
        delete(Follow).where(Follow.person_id == person_id, Follow.target_kind == kind, Follow.target == target)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def of_person(session: Session, person_id: uuid.UUID) -> list[Follow]:
    query = select(Follow).where(Follow.person_id == person_id).order_by(Follow.created_at.desc(), Follow.id.desc())
    return list(session.scalars(query))


def followers(session: Session, targets: Iterable[tuple[str, str]]) -> list[uuid.UUID]:
    """The people who follow any of these (kind, target) pairs, each once, in a stable order."""
    pairs = [and_(Follow.target_kind == kind, Follow.target == target) for kind, target in targets]
    if not pairs:
        return []
    query = select(Follow.person_id).where(or_(*pairs)).distinct()
    return sorted(session.scalars(query), key=str)


def everything(session: Session) -> list[Follow]:
    """Every follow (export)."""
    return list(session.scalars(select(Follow).order_by(Follow.id)))


def communities(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Community]:
    """The communities some follows name (by id: a slug may change)."""
    wanted = list(ids)
    if not wanted:
        return {}
    return {c.id: c for c in session.scalars(select(Community).where(Community.id.in_(wanted)))}
