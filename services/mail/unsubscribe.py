"""One-click unsubscribe (RFC 8058): a signed link in every mail. Showing it changes nothing (mail scanners
follow links); a POST to it, without signing in, sets what it names to "never"."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.errors import NotFound
from core.settings import Settings
from core.vocab import MailFrequency, NotificationKind
from services.mail import preferences, texts, tokens
from storage.models import Person


@dataclass(frozen=True)
class Subscription:
    """What a link unsubscribes from, in words for its page."""

    person_id: uuid.UUID
    kinds: list[NotificationKind]
    what: str  # "‘Antwoorden op mijn vragen’", "het wekelijkse overzicht"
    digest: bool  # a whole digest, not one kind


def _resolve(session: Session, settings: Settings, token: str) -> tuple[tokens.Unsubscribe, Subscription]:
    found = tokens.parse(settings, token)
    if found is None or session.get(Person, found.person_id) is None:
        raise NotFound("this unsubscribe link is not valid", field="token")
    if isinstance(found.scope, NotificationKind):
        kinds = [found.scope]
        what = f"‘{texts.KIND_LABELS[found.scope]}’"
    else:
        chosen = preferences.of(session, found.person_id)
        kinds = [k for k in texts.KIND_ORDER if chosen[k] is found.scope]
        what = texts.t(f"digest.name.{found.scope.value}")
    return found, Subscription(found.person_id, kinds, what, digest=not isinstance(found.scope, NotificationKind))


def check(session: Session, settings: Settings, token: str) -> Subscription:
    """What the link would unsubscribe from; a link this service did not sign is not found (404)."""
    return _resolve(session, settings, token)[1]


def confirm(session: Session, settings: Settings, token: str) -> Subscription:
    """Unsubscribe: the kinds the link names (or that its digest holds) become "never"."""
    found, subscription = _resolve(session, settings, token)
    preferences.set_frequency(session, found.person_id, subscription.kinds, MailFrequency.NEVER)
    return subscription
