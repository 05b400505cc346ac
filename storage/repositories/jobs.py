"""The job queue: enqueue once per key inside the writer's transaction, lease, retry with backoff, keep as a log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.base import utcnow
from storage.models import Job
from storage.repositories.leases import lease

LEASE = timedelta(seconds=120)


def enqueue(session: Session, kind: str, key: str, payload: dict[str, Any], *, due_at: datetime | None = None) -> None:
    """Queue ``kind`` work once: a second job with the same ``key`` is no job (the first one stands)."""
    values = {"kind": kind, "key": key, "payload": payload, "due_at": due_at or utcnow(), "created_at": utcnow()}
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(Job).values(**values).on_conflict_do_nothing(index_elements=["key"]))


def claim(session: Session, kinds: Sequence[str], limit: int) -> list[Job]:
    """Lease up to ``limit`` due jobs of ``kinds``, oldest first. On PostgreSQL workers skip each other's rows."""
    now = utcnow()
    query = (
        select(Job)
        .where(
            Job.kind.in_(kinds),
            Job.done_at.is_(None),
            Job.due_at <= now,
            or_(Job.claimed_until.is_(None), Job.claimed_until < now),
        )
        .order_by(Job.due_at, Job.id)
        .limit(limit)
    )
    return lease(session, query, now, LEASE)


def get(session: Session, job_id: int) -> Job | None:
    return session.get(Job, job_id)


def finish(session: Session, job: Job, outcome: str) -> None:
    job.done_at = utcnow()
    job.claimed_until = None
    job.outcome = outcome[:300]
    session.flush()


def retry(session: Session, job_id: int, error: str, after: timedelta) -> None:
    job = session.get(Job, job_id)
    if job is not None:
        job.claimed_until = None
        job.due_at = utcnow() + after
        job.last_error = error[:2000]
        session.flush()


def pending(session: Session, kinds: Sequence[str] | None = None) -> list[Job]:
    query = select(Job).where(Job.done_at.is_(None)).order_by(Job.id)
    if kinds is not None:
        query = query.where(Job.kind.in_(kinds))
    return list(session.scalars(query))


def log(session: Session, kind: str, *, limit: int = 100, key_prefix: str | None = None) -> list[Job]:
    """Done and pending jobs of a kind, newest first: the delivery log."""
    query = select(Job).where(Job.kind == kind)
    if key_prefix is not None:
        query = query.where(Job.key.startswith(key_prefix, autoescape=True))
    return list(session.scalars(query.order_by(Job.id.desc()).limit(limit)))


def release_all(session: Session) -> None:
    """Forget leases held by a process that is gone (single-process mode, at start)."""
    session.execute(
        update(Job).where(and_(Job.done_at.is_(None), Job.claimed_until.is_not(None))).values(claimed_until=None)
    )
