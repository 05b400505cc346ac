"""Sliding-window counts in SQL: every service process on this database counts against the same limit."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from storage.models import RateLimitHit


def _serialize(session: Session, key: str) -> None:
    """On PostgreSQL concurrent hits on one key wait for each other (a transaction lock), so two processes cannot
    both take the last free place. SQLite serialises writers itself."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


def hit(session: Session, key: str, limit: int, window: timedelta, now: datetime) -> float | None:
    """Count one event unless the window is full; returns the seconds until a place frees up when it is."""
    _serialize(session, key)
    since = now - window
    session.execute(delete(RateLimitHit).where(RateLimitHit.key == key, RateLimitHit.at <= since))
    count, oldest = session.execute(
        select(func.count(), func.min(RateLimitHit.at)).where(RateLimitHit.key == key)
    ).one()
    if count >= limit:
        return max(0.0, (oldest + window - now).total_seconds())
    session.add(RateLimitHit(key=key, at=now))
    session.flush()
    return None


def count(session: Session, key: str, window: timedelta, now: datetime) -> int:
    return int(session.scalar(select(func.count()).where(RateLimitHit.key == key, RateLimitHit.at > now - window)) or 0)


def reset(session: Session, key: str) -> None:
    session.execute(delete(RateLimitHit).where(RateLimitHit.key == key))
