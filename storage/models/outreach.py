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


class MailPreference(Base):
    """How a person hears of one kind of notification by mail: direct, daily or weekly digest, or never. No row:
    the kind's default (``services.mail``)."""

    __tablename__ = "mail_preferences"
    __table_args__ = (UniqueConstraint("person_id", "kind", name="uq_mail_preferences_person_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # a notification kind
    frequency: Mapped[str] = mapped_column(String(16))  # core.vocab.MailFrequency


class DigestState(Base):
    """When a person's daily or weekly digest was last sent: the next one covers the time since."""

    __tablename__ = "digest_states"
    __table_args__ = (UniqueConstraint("person_id", "frequency", name="uq_digest_states_person_frequency"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    frequency: Mapped[str] = mapped_column(String(16))
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Webhook(Base):
    """Another tool's URL that hears of events (Standard Webhooks), registered by an admin or, scoped to their
    community, by its curator."""

    __tablename__ = "webhooks"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)  # core.vocab.EventKind values
    community_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    secret: Mapped[str] = mapped_column(String(200))  # "whsec_…": signs deliveries; never exported in plain text
    allow_private: Mapped[bool] = mapped_column(default=False)  # loopback and private addresses (an admin's choice)
    active: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(300))
    failures: Mapped[int] = mapped_column(Integer, default=0)  # delivery attempts failed in a row; a success resets it
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_delivery_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FeedToken(Base):
    """The secret in a personal feed URL: read-only, for what its person may read; revocable."""

    __tablename__ = "feed_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
