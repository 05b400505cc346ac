"""Rate-limit events, shared by every service process that uses this database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime


class RateLimitHit(Base):
    """One counted event (a write, a failed sign-in) under a key such as ``write:account:<id>``.

    A sliding window counts the key's rows younger than the window; older rows are deleted as the key is hit."""

    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
