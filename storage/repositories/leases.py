"""Claiming queued rows (index tasks, jobs) for a while, so that a worker that dies gives them back by itself."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import Session

Row = TypeVar("Row")


def lease(session: Session, query: Select[Row], now: datetime, length: timedelta) -> list[Row]:
    """The rows ``query`` selects, leased until ``now + length`` with their attempt counted. On PostgreSQL
    concurrent workers skip each other's rows instead of waiting for them."""
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list(session.scalars(query))
    for row in rows:
        held: Any = row
        held.claimed_until = now + length
        held.attempts += 1
    session.flush()
    return rows
