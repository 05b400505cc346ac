"""How each person hears of each kind of notification by mail: direct, in a daily or weekly digest, or never.

A person without a row for a kind has the kind's default. The defaults follow what people wait for: news about
their own question or practice comes at once; a colleague's question that matches their work, news of what they
follow and the use others make of their practice come bundled, so that mail stays worth opening.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping

from sqlalchemy import ColumnElement, case, delete, func, select
from sqlalchemy.orm import Session

from core.vocab import MailFrequency, NotificationKind
from schemas.mail import MailPreferences, MailPreferencesUpdate
from storage.models import MailPreference, Notification

DEFAULTS: dict[NotificationKind, MailFrequency] = {
    NotificationKind.ANSWER: MailFrequency.DIRECT,  # an answer to my question: I am waiting for it
    NotificationKind.ACCEPTED: MailFrequency.DIRECT,
    NotificationKind.REVIEW: MailFrequency.DIRECT,  # a curator's work waits on it
    NotificationKind.PUBLISHED: MailFrequency.DIRECT,
    NotificationKind.SENT_BACK: MailFrequency.DIRECT,
    NotificationKind.APPLIED: MailFrequency.DAILY,
    NotificationKind.FEEDBACK: MailFrequency.DAILY,
    NotificationKind.SUGGESTED_QUESTION: MailFrequency.WEEKLY,  # may be many; routed by evidence, not by ask
    NotificationKind.FOLLOWED: MailFrequency.WEEKLY,
}
DIGESTS = (MailFrequency.DAILY, MailFrequency.WEEKLY)


def of(session: Session, person_id: uuid.UUID) -> dict[NotificationKind, MailFrequency]:
    """Every kind with the person's choice, or its default."""
    rows = session.scalars(select(MailPreference).where(MailPreference.person_id == person_id))
    return {**DEFAULTS, **{NotificationKind(r.kind): MailFrequency(r.frequency) for r in rows}}


def effective() -> ColumnElement[str]:
    """``of`` as SQL, for a notification's person and kind: their choice, or the default (digests select by it)."""
    chosen = (
        select(MailPreference.frequency)
        .where(MailPreference.person_id == Notification.person_id, MailPreference.kind == Notification.kind)
        .scalar_subquery()
    )
    defaults = {k.value: f.value for k, f in DEFAULTS.items()}
    return func.coalesce(chosen, case(defaults, value=Notification.kind, else_=MailFrequency.NEVER.value))


def frequency(session: Session, person_id: uuid.UUID, kind: NotificationKind) -> MailFrequency:
    query = select(MailPreference.frequency).where(MailPreference.person_id == person_id, MailPreference.kind == kind)
    found = session.scalar(query)
    return MailFrequency(found) if found else DEFAULTS[kind]


def replace(
    session: Session, person_id: uuid.UUID, choices: Mapping[NotificationKind, MailFrequency]
) -> dict[NotificationKind, MailFrequency]:
    """The person's choices become exactly ``choices``: a kind left out goes back to its default."""
    session.execute(delete(MailPreference).where(MailPreference.person_id == person_id))
    session.add_all(MailPreference(person_id=person_id, kind=k.value, frequency=f.value) for k, f in choices.items())
    session.flush()
    return of(session, person_id)


def set_frequency(
    session: Session, person_id: uuid.UUID, kinds: Iterable[NotificationKind], chosen: MailFrequency
) -> None:
    """Set some kinds, leaving the others as they are (an unsubscribe link)."""
    kinds = list(kinds)
    rows = session.scalars(
        select(MailPreference).where(MailPreference.person_id == person_id, MailPreference.kind.in_(kinds))
    )
    found = {r.kind: r for r in rows}
    for kind in kinds:
        if kind.value in found:
            found[kind.value].frequency = chosen.value
        else:
            session.add(MailPreference(person_id=person_id, kind=kind.value, frequency=chosen.value))
    session.flush()


def read(session: Session, person_id: uuid.UUID) -> MailPreferences:
    """The person's choices for every kind, beside the defaults (``GET /me/mail-preferences``, the page)."""
    return MailPreferences(preferences=of(session, person_id), defaults=DEFAULTS)


def update(session: Session, person_id: uuid.UUID, data: MailPreferencesUpdate) -> MailPreferences:
    return MailPreferences(preferences=replace(session, person_id, data.preferences), defaults=DEFAULTS)
