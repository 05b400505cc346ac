"""What a mail says about a notification, decided when the mail is built: the recipient's access is checked again
then, so nothing reaches a mailbox that its owner may not read at that moment.

A question is a case, and a case can hold a citizen's details: a mail carries a question's title and a link, and
its text only when the question was routed to the recipient by evidence (a suggested question) and its asker
chose to share the text. A practice is written to be shared: its summary comes along.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.vocab import NotificationKind
from services.access import AccessPolicy
from services.mail import texts
from storage.models import Notification, Practice, Question

logger = logging.getLogger(__name__)
TEXT_LIMIT = 1200  # characters of a shared question or a summary in a mail; the rest is one click away


@dataclass(frozen=True)
class Item:
    """One notification as a mail tells it."""

    notification_id: uuid.UUID
    kind: NotificationKind
    headline: str
    title: str
    url: str
    link_text: str
    text: str | None  # a practice's summary, a shared question's text; None: title and link only
    withheld: bool = False  # a routed question whose text stays in Praktijkbank (the mail says why)
    specific: bool = False  # the headline says more than the kind's name (a digest, grouped by kind, shows it)


@dataclass(frozen=True)
class Skipped:
    notification_id: uuid.UUID
    reason: str


def _event_of(note: Notification) -> str | None:
    from services import audience  # the notification's key starts with what made it

    event = audience.EVENTS_BY_PREFIX.get(note.key.split(":", 1)[0])
    return event.value if event else None


def _anchor(event: str | None) -> str:
    from services.notifications import ANCHORS  # the same place on the page as Meldingen links to

    return ANCHORS.get(event or "", "")


def _shorten(text: str) -> str:
    text = text.strip()
    return text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT].rsplit(" ", 1)[0] + " …"


def items(
    session: Session, notes: Sequence[Notification], policy: AccessPolicy, base_url: str
) -> tuple[list[Item], list[Skipped]]:
    """The notes the recipient (``policy``) may read now, as mail items; the others with the reason they are left
    out. Two queries, whatever the number of notes."""
    practice_ids = [n.subject_id for n in notes if n.subject_kind == "practice"]
    question_ids = [n.subject_id for n in notes if n.subject_kind == "question"]
    practices = {
        row.id: row
        for row in session.execute(
            select(Practice.id, Practice.slug, Practice.title, Practice.summary).where(
                Practice.id.in_(practice_ids), policy.practice_clause()
            )
        )
    }
    questions = {
        row.id: row
        for row in session.execute(
            select(Question.id, Question.title, Question.body, Question.share_text).where(
                Question.id.in_(question_ids), policy.question_clause()
            )
        )
    }
    made: list[Item] = []
    skipped: list[Skipped] = []
    for note in notes:
        kind = NotificationKind(note.kind)
        event = _event_of(note)
        headline, specific = texts.headline(kind, event)
        if note.subject_kind == "practice" and note.subject_id in practices:
            p = practices[note.subject_id]
            url = f"{base_url}/praktijken/{p.slug}{_anchor(event)}"
            summary = _shorten(p.summary)
            made.append(Item(note.id, kind, headline, p.title, url, texts.t("open_practice"), summary, False, specific))
        elif note.subject_kind == "question" and note.subject_id in questions:
            q = questions[note.subject_id]
            shared = kind is NotificationKind.SUGGESTED_QUESTION and q.share_text
            url = f"{base_url}/vragen/{q.id}{_anchor(event)}"
            text = _shorten(q.body) if shared else None
            withheld = kind is NotificationKind.SUGGESTED_QUESTION and not shared
            link_text = texts.t("open_question")
            made.append(Item(note.id, kind, headline, q.title, url, link_text, text, withheld, specific))
        else:
            skipped.append(Skipped(note.id, _why_not(session, note)))
    return made, skipped


def _why_not(session: Session, note: Notification) -> str:
    model = Practice if note.subject_kind == "practice" else Question
    if session.get(model, note.subject_id) is None:
        return f"the {note.subject_kind} is gone"
    return f"the recipient may no longer read the {note.subject_kind}"
