"""The mail tests' world: a database, settings that name an SMTP server on 127.0.0.1, a job runner with the
service's own handlers, and plain functions that make people, questions and notifications."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from core.settings import Settings
from core.vocab import MailFrequency, NotificationKind
from services import auth, notifications
from services.jobs import JobRunner
from services.mail import preferences
from services.runtime import job_handlers
from storage.base import utcnow
from storage.database import Database, unit_of_work
from storage.models import Job, Notification, Practice, Question
from tests.conftest import make_settings

SENDER = "Praktijkbank <noreply@praktijkbank.test>"
PUBLIC_URL = "https://praktijkbank.test"


def mail_settings(tmp_path: Path, database_url: str, smtp_url: str | None, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"smtp_url": smtp_url, "mail_from": SENDER, "public_url": PUBLIC_URL}
    return make_settings(tmp_path / "data", database_url, **{**values, **overrides})


@dataclass
class Outbox:
    db: Database
    settings: Settings

    @property
    def runner(self) -> JobRunner:
        return JobRunner(self.db.sessions, lambda: None, job_handlers(self.settings), settings=self.settings)  # type: ignore[arg-type,return-value]

    def drain(self) -> int:
        return self.runner.drain()

    def jobs(self, kind: str | None = None) -> list[Job]:
        with unit_of_work(self.db.sessions) as session:
            query = select(Job).order_by(Job.id)
            if kind is not None:
                query = query.where(Job.kind == kind)
            return list(session.scalars(query))

    def person(self, key: str, *, name: str | None = None) -> uuid.UUID:
        """A person with an account ``<key>@test.nl``."""
        with unit_of_work(self.db.sessions) as session:
            account = auth.create_account(
                session, email=f"{key}@test.nl", name=name or f"{key.title()} Tester", password=None, is_admin=False
            )
            return account.person_id

    def choose(self, person_id: uuid.UUID, **choices: MailFrequency) -> None:
        with unit_of_work(self.db.sessions) as session:
            for kind, frequency in choices.items():
                preferences.set_frequency(session, person_id, [NotificationKind(kind)], frequency)

    def question(self, title: str = "Jongere met schulden opent zijn post niet", **fields: Any) -> uuid.UUID:
        values: dict[str, Any] = {"body": "Casus: Sem (19) uit de Lindewijk, schuld bij de zorgverzekeraar."}
        values.update(fields)
        values.setdefault("visibility", "public")
        with unit_of_work(self.db.sessions) as session:
            question = Question(title=title, themes=[], answers=[], **values)
            session.add(question)
            session.flush()
            return question.id

    def practice(self, title: str, summary: str = "Een werkwijze die een ander kan toepassen.") -> uuid.UUID:
        """A published, public practice (its row only: no versions, no events)."""
        with unit_of_work(self.db.sessions) as session:
            practice = Practice(slug=f"praktijk-{uuid.uuid4().hex[:8]}", title=title, summary=summary,
                                situation="Situatie.", approach="Aanpak.", language="nl",
                                recognition_level="praktijkvoorbeeld", status="published", visibility="public",
                                sources=[], authors=[], tags=[])  # fmt: skip
            session.add(practice)
            session.flush()
            return practice.id

    def notify(
        self,
        person_id: uuid.UUID,
        kind: NotificationKind,
        subject_id: uuid.UUID,
        *,
        key: str | None = None,
        subject_kind: str = "question",
        age: Any = None,
    ) -> uuid.UUID | None:
        """What the notifications listener does for one recipient; ``age`` back-dates it (a timedelta)."""
        with unit_of_work(self.db.sessions) as session:
            note = notifications.notify(
                session, person_id, kind, subject_kind, subject_id, key or f"answer:{uuid.uuid4()}"
            )
            if note is None:
                return None
            if age is not None:
                note.created_at = utcnow() - age
            return note.id

    def read(self, notification_id: uuid.UUID) -> None:
        with unit_of_work(self.db.sessions) as session:
            note = session.get(Notification, notification_id)
            assert note is not None
            note.read_at = utcnow()
