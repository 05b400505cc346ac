"""Domain events: a write says what happened, in its own transaction; the job runner fans it out afterwards to
whoever listens (notifications and mail, webhooks). Nothing is lost between the two: the event is a job."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core.vocab import EventKind
from services.jobs import JobContext
from storage.base import utcnow
from storage.models import Job
from storage.repositories import jobs

EVENT_JOB = "event"


@dataclass(frozen=True)
class Event:
    id: uuid.UUID
    kind: EventKind
    subject_id: uuid.UUID  # the practice or question it is about
    actor_id: uuid.UUID | None  # the person who did it (None: an admin's import, the system)
    at: datetime
    data: dict[str, Any] = field(default_factory=dict)  # ids only (an answer's, an application's), never text

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "kind": self.kind.value,
            "subject_id": str(self.subject_id),
            "actor_id": str(self.actor_id) if self.actor_id else None,
            "at": self.at.isoformat(),
            "data": self.data,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Event:
        actor = payload.get("actor_id")
        return cls(
            id=uuid.UUID(payload["id"]),
            kind=EventKind(payload["kind"]),
            subject_id=uuid.UUID(payload["subject_id"]),
            actor_id=uuid.UUID(actor) if actor else None,
            at=datetime.fromisoformat(payload["at"]),
            data=dict(payload.get("data") or {}),
        )


def emit(session: Session, kind: EventKind, subject_id: uuid.UUID, actor_id: uuid.UUID | None, **data: str) -> Event:
    """Record that ``kind`` happened to ``subject_id``, in the caller's transaction."""
    event = Event(uuid.uuid4(), kind, subject_id, actor_id, utcnow(), dict(data))
    jobs.enqueue(session, EVENT_JOB, f"event:{event.id}", event.payload())
    return event


Listener = Callable[[JobContext, Event], int]  # returns how many items (notifications, deliveries) it made


def listeners() -> list[Listener]:
    """Who hears of every event, in this order. Each makes its items once per key, so a repeat makes nothing."""
    from services import notifications, webhooks  # listeners read the domain; the domain only emits

    return [notifications.on_event, webhooks.on_event]


def fan_out(context: JobContext, job: Job) -> str:
    """The job runner's handler of an event: every listener, in the event job's own transaction."""
    event = Event.from_payload(job.payload)
    made = sum(listen(context, event) for listen in listeners())
    return f"{event.kind.value}: {made} made"
