"""Notifications ('Meldingen'): one per item per person, made by the job runner from events."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.vocab import NotificationKind
from storage.models import Notification


def notify(
    session: Session,
    person_id: uuid.UUID,
    kind: NotificationKind,
    subject_kind: str,
    subject_id: uuid.UUID,
    key: str,
) -> Notification | None:
    """Tell a person once: a notification with a ``key`` the person already has is not made again (None).
    A new one is handed to mail, which sends it now, in a digest or never, as the person chose."""
    found = session.scalar(select(Notification.id).where(Notification.person_id == person_id, Notification.key == key))
    if found is not None:
        return None
    note = Notification(person_id=person_id, kind=kind.value, key=key, subject_kind=subject_kind, subject_id=subject_id)
    session.add(note)
    session.flush()
    from services import mail  # mail reads notifications; notifications only hand new ones over

    mail.on_notification(session, note)
    return note
