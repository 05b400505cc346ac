"""The index task queue: enqueue inside the writer's transaction, claim with a lease, delete when done."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from core.vocab import DocKind
from storage.base import utcnow
from storage.models import IndexTask
from storage.repositories.leases import lease

LEASE = timedelta(seconds=120)


def enqueue(session: Session, kind: DocKind, doc_ids: Sequence[uuid.UUID]) -> None:
    session.add_all(IndexTask(doc_kind=kind.value, doc_id=doc_id) for doc_id in doc_ids)
    session.flush()


def claim(session: Session, limit: int) -> list[IndexTask]:
    """Lease up to ``limit`` due tasks. On PostgreSQL concurrent workers skip each other's rows."""
    now = utcnow()
    query = (
        select(IndexTask)
        .where(or_(IndexTask.claimed_until.is_(None), IndexTask.claimed_until < now))
        .order_by(IndexTask.id)
        .limit(limit)
    )
    return lease(session, query, now, LEASE)


def complete(session: Session, task_ids: Sequence[int]) -> None:
    session.execute(delete(IndexTask).where(IndexTask.id.in_(task_ids)))


def fail(session: Session, task_ids: Sequence[int], error: str) -> None:
    tasks = session.scalars(select(IndexTask).where(IndexTask.id.in_(task_ids)))
    for task in tasks:
        backoff = timedelta(seconds=min(600, 2 ** min(task.attempts, 10)))
        task.claimed_until = utcnow() + backoff
        task.last_error = error[:2000]
    session.flush()


def release_all(session: Session) -> None:
    """Forget leases held by a process that is gone (single-process mode, at start)."""
    session.execute(update(IndexTask).values(claimed_until=None))


@dataclass(frozen=True)
class Backlog:
    pending: int
    oldest: datetime | None
    failing: int


def backlog(session: Session) -> Backlog:
    pending, oldest = session.execute(select(func.count(), func.min(IndexTask.created_at))).one()
    failing = session.scalar(select(func.count()).where(IndexTask.last_error.is_not(None))) or 0
    return Backlog(int(pending), oldest, int(failing))


def clear(session: Session) -> None:
    session.execute(delete(IndexTask))


def last_id(session: Session) -> int:
    """The newest task's id (0 for an empty queue): what a rebuild that starts now will cover."""
    return int(session.scalar(select(func.max(IndexTask.id))) or 0)


def clear_up_to(session: Session, task_id: int) -> int:
    """Forget the tasks up to ``task_id``: a rebuild that read SQL after they were queued has indexed their
    documents at that version or a later one. Returns how many went."""
    gone = session.scalars(delete(IndexTask).where(IndexTask.id <= task_id).returning(IndexTask.id)).all()
    return len(gone)
