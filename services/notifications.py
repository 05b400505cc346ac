"""Notifications ('Meldingen'): one per item per person, made by the job runner from events, and read by their
person. Access is checked twice: a recipient must be able to read the subject when the notification is made, and
again whenever it is listed or counted (a practice made private since is not shown)."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.vocab import NotificationKind
from schemas.outreach import NotificationList, NotificationRead, UnreadCount
from services import audience, auth
from services.access import AccessPolicy
from services.events import Event
from services.jobs import JobContext
from storage.base import utcnow
from storage.models import Notification
from storage.repositories import notifications as repo


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


# --- made from events ----------------------------------------------------------------------------------------


def on_event(context: JobContext, event: Event) -> int:
    """The listener (``services.events.listeners``): notify everyone meant to hear of ``event`` who has an account
    and may read its subject now. Returns how many notifications were made (a repeat of the event makes none)."""
    session = context.session
    meant = audience.of(session, context.searcher, event)
    accounts = repo.accounts_of(session, list({r.person_id for r in meant}))
    policies: dict[uuid.UUID, AccessPolicy] = {}
    made = 0
    for recipient in meant:
        account = accounts.get(recipient.person_id)
        if account is None:
            continue  # a person without an account (an author from an import) cannot be told
        if recipient.person_id not in policies:
            policies[recipient.person_id] = AccessPolicy(auth.viewer_for(session, account))
        policy = policies[recipient.person_id]
        if not repo.subject_readable(
            session, recipient.subject_kind, recipient.subject_id, policy.practice_clause(), policy.question_clause()
        ):
            continue
        note = notify(
            session, recipient.person_id, recipient.kind, recipient.subject_kind, recipient.subject_id, recipient.key
        )
        made += note is not None
    return made


# --- read by their person ------------------------------------------------------------------------------------


def _readable(policy: AccessPolicy) -> ColumnElement[bool]:
    return repo.readable(policy.practice_clause(), policy.question_clause())


def _person(policy: AccessPolicy) -> uuid.UUID:
    policy.require_signed_in()
    if policy.viewer.person_id is None:
        raise NotFound("the system has no notifications", field="id")
    return policy.viewer.person_id


def unread(session: Session, policy: AccessPolicy) -> int:
    """How many unread notifications the caller may see: one COUNT query (the header of every page asks it)."""
    if policy.viewer.person_id is None:
        return 0
    return repo.unread_count(session, policy.viewer.person_id, _readable(policy))


def listing(session: Session, policy: AccessPolicy, *, limit: int = 50, unread_only: bool = False) -> NotificationList:
    """The caller's notifications, newest first, each with its subject's current title and its page."""
    person_id = _person(policy)
    rows = repo.newest(session, person_id, _readable(policy), limit=limit, unread_only=unread_only)
    practices = repo.practice_titles(session, [n.subject_id for n in rows if n.subject_kind == "practice"])
    questions = repo.question_titles(session, [n.subject_id for n in rows if n.subject_kind == "question"])
    items = []
    for note in rows:
        event = audience.EVENTS_BY_PREFIX[note.key.split(":", 1)[0]]
        if note.subject_kind == "practice":
            slug, title = practices[note.subject_id]
            link = f"/praktijken/{slug}" + ANCHORS.get(event.value, "")
        else:
            title = questions[note.subject_id]
            link = f"/vragen/{note.subject_id}" + ANCHORS.get(event.value, "")
        items.append(
            NotificationRead(
                id=note.id,
                kind=NotificationKind(note.kind),
                event=event.value,
                subject_kind=note.subject_kind,
                subject_id=note.subject_id,
                title=title,
                link=link,
                created_at=note.created_at,
                read_at=note.read_at,
            )
        )
    return NotificationList(unread=repo.unread_count(session, person_id, _readable(policy)), items=items)


ANCHORS = {  # where on the subject's page the news is
    "answer.created": "#antwoorden",
    "answer.accepted": "#antwoorden",
    "practice.applied": "#toegepast",
    "practice.feedback": "#feedback",
}


def mark_read(session: Session, policy: AccessPolicy, notification_id: uuid.UUID) -> UnreadCount:
    """Mark one of the caller's notifications read; one that is not theirs (or not shown to them) is not found."""
    person_id = _person(policy)
    note = repo.get(session, person_id, notification_id, _readable(policy))
    if note is None:
        raise NotFound("no notification of yours with this id", field="notification_id")
    if note.read_at is None:
        note.read_at = utcnow()
        session.flush()
    return UnreadCount(unread=repo.unread_count(session, person_id, _readable(policy)))


def mark_all_read(session: Session, policy: AccessPolicy) -> UnreadCount:
    person_id = _person(policy)
    repo.mark_all_read(session, person_id, utcnow())
    return UnreadCount(unread=0)
