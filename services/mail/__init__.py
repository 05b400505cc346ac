"""Mail: direct messages and digests of notifications, through the job queue (the outbox)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.mail.outbox import handlers, queue_direct, start, waiting
from storage.models import Notification

__all__ = ["handlers", "on_notification", "start", "waiting"]


def on_notification(session: Session, note: Notification) -> None:
    """A new notification: queue a direct mail when the person chose that for its kind (digests read later)."""
    queue_direct(session, note)
