"""Mail: direct messages and digests of notifications, through the job queue (the outbox)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from storage.models import Notification


def on_notification(session: Session, note: Notification) -> None:
    """A new notification: queue a direct mail when the person chose that for its kind (digests read later)."""
