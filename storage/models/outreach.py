"""What reaches people after a write: the durable job queue, notifications, and what a person follows."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime, new_id, utcnow


class Job(Base):
    """Work that follows a committed write: a domain event to fan out, a mail to send, a webhook to deliver.

    Enqueued in the writer's transaction, so a crash loses nothing; ``key`` is unique, so the same work is never
    queued twice (one mail per item per person, one delivery per event per webhook). A runner leases a job
    (``claimed_until``), retries it with backoff (``due_at``) and keeps it, done, as the delivery log
    (``done_at``, ``outcome``).
    """

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)  # "event", "mail", "webhook", ...
    key: Mapped[str] = mapped_column(String(200), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    outcome: Mapped[str | None] = mapped_column(String(300))  # "sent", "skipped: …", "failed: …"


class Notification(Base):
    """One thing for one person to know ('Meldingen'); ``key`` makes it once per item per person."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("person_id", "key", name="uq_notifications_person_key"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # core.vocab.NotificationKind
    key: Mapped[str] = mapped_column(String(200))
    subject_kind: Mapped[str] = mapped_column(String(16))  # "practice" | "question"
    subject_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Follow(Base):
    """A person follows a theme, a community, a practice (its new versions) or a question (its answers)."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("person_id", "target_kind", "target", name="uq_follows_person_target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    target_kind: Mapped[str] = mapped_column(String(16))  # core.vocab.FollowKind
    target: Mapped[str] = mapped_column(String(120), index=True)  # a theme's value, or an id
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
