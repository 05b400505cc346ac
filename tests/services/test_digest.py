"""Digests against a real SMTP server on 127.0.0.1: a digest covers the time since the later of its last send and
one interval ago, leaves out what its person already read or may no longer read, is not sent when empty (and says
so in the log), and records its send only once the server has it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from core.vocab import MailFrequency, NotificationKind
from services.jobs import JobContext
from services.mail import outbox
from storage.base import utcnow
from storage.database import Database, unit_of_work
from storage.models import DigestState, Job
from storage.repositories import jobs
from tests.conftest import PgDatabases, make_database_url
from tests.mail_world import PUBLIC_URL, Outbox, mail_settings
from tests.smtp import Receiver, smtp_server

DAILY, WEEKLY = MailFrequency.DAILY, MailFrequency.WEEKLY


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def mail(tmp_path: Path, pg_databases: PgDatabases | None, receiver: Receiver) -> Iterator[Outbox]:
    url = make_database_url(tmp_path / "db", pg_databases)
    db = Database.open(url)
    yield Outbox(db, mail_settings(tmp_path, url, receiver.url))
    db.close()


def queue_digest(mail: Outbox, person: object, frequency: MailFrequency = DAILY) -> str:
    """What the hourly schedule queues for a person with news, now."""
    period = outbox.period_start(frequency, utcnow())
    key = outbox.digest_key(person, frequency, period)  # type: ignore[arg-type]
    with unit_of_work(mail.db.sessions) as session:
        payload = {"person": str(person), "frequency": frequency.value, "period": period.isoformat()}
        jobs.enqueue(session, outbox.DIGEST_JOB, key, payload)
    return key


def last_sent(mail: Outbox, person: object, frequency: MailFrequency = DAILY) -> object:
    with unit_of_work(mail.db.sessions) as session:
        query = select(DigestState.last_sent_at).where(
            DigestState.person_id == person, DigestState.frequency == frequency.value
        )
        return session.scalar(query)


def outcome(mail: Outbox, key: str) -> str | None:
    return next(j.outcome for j in mail.jobs() if j.key == key)


def test_a_digest_covers_the_later_of_its_last_send_and_one_interval_ago(mail: Outbox, receiver: Receiver) -> None:
    ine = mail.person("ine")
    kept = mail.question(title="Vraag van vorige week")
    older = mail.question(title="Vraag van eergisteren")
    before_last = mail.question(title="Vraag van voor het vorige overzicht")
    new = mail.question(title="Vraag van vanochtend")
    mail.notify(ine, NotificationKind.FEEDBACK, kept, age=timedelta(days=8))  # outside the week too
    mail.notify(ine, NotificationKind.FEEDBACK, older, age=timedelta(hours=30))  # outside the day
    mail.notify(ine, NotificationKind.FEEDBACK, before_last, age=timedelta(hours=5))  # before the last digest
    mail.notify(ine, NotificationKind.FEEDBACK, new, age=timedelta(hours=1))
    with unit_of_work(mail.db.sessions) as session:
        session.add(DigestState(person_id=ine, frequency="daily", last_sent_at=utcnow() - timedelta(hours=3)))
    key = queue_digest(mail, ine)
    before = utcnow()
    mail.drain()
    (got,) = receiver.messages()
    assert outcome(mail, key) == "sent: 1 notifications"
    assert "Vraag van vanochtend" in got.text and f"{PUBLIC_URL}/vragen/{new}" in got.text
    for left_out in ("vorige week", "eergisteren", "voor het vorige overzicht"):
        assert left_out not in got.text
    assert got.subject == "Je dagelijkse overzicht van Praktijkbank: 1 nieuwe melding"
    assert "Feedback op mijn praktijk" in got.html and got.message["List-Unsubscribe-Post"]
    sent_at = last_sent(mail, ine)
    assert sent_at is not None and sent_at >= before  # type: ignore[operator]


def test_a_weekly_digest_reaches_back_a_week_and_groups_by_kind(mail: Outbox, receiver: Receiver) -> None:
    ine = mail.person("ine")
    mail.notify(ine, NotificationKind.SUGGESTED_QUESTION, mail.question(title="Vraag A"), age=timedelta(days=6))
    mail.notify(ine, NotificationKind.FOLLOWED, mail.question(title="Vraag B"), age=timedelta(days=2))
    mail.notify(ine, NotificationKind.FOLLOWED, mail.question(title="Vraag C"), age=timedelta(days=9))
    mail.notify(ine, NotificationKind.FEEDBACK, mail.question(title="Vraag D"))  # daily: not in this one
    queue_digest(mail, ine, WEEKLY)
    mail.drain()
    (got,) = receiver.messages()
    text = got.text
    assert "Vraag A" in text and "Vraag B" in text and "Vraag C" not in text and "Vraag D" not in text
    assert text.index("NIEUWE VRAGEN DIE PASSEN BIJ MIJN WERK") < text.index("NIEUWS OVER WAT IK VOLG")
    assert "Om privacyredenen" in text  # a routed question: its title only
    assert "Een nieuw antwoord op een vraag die je volgt" in text  # what happened, where the group does not say it
    assert "Een collega stelt een vraag" not in text  # the group's name says it already


def test_what_was_read_or_may_no_longer_be_read_is_left_out_and_an_empty_digest_is_not_sent(
    mail: Outbox, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    ine = mail.person("ine")
    read = mail.notify(ine, NotificationKind.FEEDBACK, mail.question(title="Al gelezen"))
    assert read is not None
    mail.read(read)
    gone = mail.question(title="Inmiddels besloten")
    mail.notify(ine, NotificationKind.FEEDBACK, gone)
    with unit_of_work(mail.db.sessions) as session:
        session.execute(update(Job).values(done_at=utcnow()))  # (no direct mail involved)
        from storage.models import Question

        row = session.get(Question, gone)
        assert row is not None
        session.delete(row)
    key = queue_digest(mail, ine)
    with caplog.at_level(logging.INFO, logger="services.mail"):
        mail.drain()
    assert receiver.messages() == []
    assert (outcome(mail, key) or "").startswith("skipped: nothing new since ")
    assert f"{key} not sent: nothing new since" in caplog.text
    assert "the question is gone" in caplog.text
    assert last_sent(mail, ine) is None  # nothing sent, nothing recorded


def test_an_item_already_mailed_on_its_own_is_not_mailed_again_in_a_digest(mail: Outbox, receiver: Receiver) -> None:
    """One mail per item per person, also when its person moves a kind from direct mail to a digest."""
    ine = mail.person("ine")
    mail.choose(ine, feedback=MailFrequency.DIRECT)
    mail.notify(ine, NotificationKind.FEEDBACK, mail.question(title="Eerst los gemaild"))
    mail.drain()
    (direct,) = receiver.messages()
    assert "Eerst los gemaild" in direct.text
    mail.choose(ine, feedback=DAILY)  # unread still: she now wants a daily digest instead
    mail.notify(ine, NotificationKind.FEEDBACK, mail.question(title="Daarna pas gebeurd"))
    queue_digest(mail, ine)
    mail.drain()
    assert len(receiver.messages()) == 2
    digest = receiver.messages()[1]
    assert "Daarna pas gebeurd" in digest.text and "Eerst los gemaild" not in digest.text


def test_the_send_is_recorded_only_once_the_server_has_the_digest(mail: Outbox, receiver: Receiver) -> None:
    ine = mail.person("ine")
    mail.notify(ine, NotificationKind.APPLIED, mail.question())
    receiver.refuse["ine@test.nl"] = "451 4.7.1 greylisted, try again"
    key = queue_digest(mail, ine)
    mail.drain()
    assert receiver.messages() == [] and last_sent(mail, ine) is None
    assert outcome(mail, key) is None  # waits for its retry
    del receiver.refuse["ine@test.nl"]
    receiver.refuse_data = "451 4.3.0 queue full"  # refused after the whole message (past the "sending" mark)
    with unit_of_work(mail.db.sessions) as session:
        session.execute(update(Job).values(due_at=utcnow()))
    mail.drain()
    assert receiver.messages() == [] and last_sent(mail, ine) is None
    assert outcome(mail, key) is None and "451 4.3.0" in (mail.jobs(outbox.DIGEST_JOB)[0].last_error or "")
    receiver.refuse_data = None
    with unit_of_work(mail.db.sessions) as session:
        session.execute(update(Job).values(due_at=utcnow()))  # the backoff has passed
    mail.drain()
    assert len(receiver.messages()) == 1 and last_sent(mail, ine) is not None
    assert (outcome(mail, key) or "").startswith("sent")
    queue_digest(mail, ine)  # the same period again: the same key, no second digest
    assert mail.drain() == 0


def test_a_digest_of_a_period_that_is_over_is_not_sent(mail: Outbox, receiver: Receiver) -> None:
    ine = mail.person("ine")
    mail.notify(ine, NotificationKind.APPLIED, mail.question())
    yesterday = outbox.period_start(DAILY, utcnow()) - timedelta(days=1)
    with unit_of_work(mail.db.sessions) as session:
        payload = {"person": str(ine), "frequency": "daily", "period": yesterday.isoformat()}
        jobs.enqueue(session, outbox.DIGEST_JOB, outbox.digest_key(ine, DAILY, yesterday), payload)
    mail.drain()
    assert receiver.messages() == []
    assert "period is over" in (mail.jobs(outbox.DIGEST_JOB)[0].outcome or "")


def test_the_hourly_schedule_queues_a_digest_only_for_people_with_news_and_then_its_next_run(
    mail: Outbox, receiver: Receiver
) -> None:
    ine, piet, kees = mail.person("ine"), mail.person("piet"), mail.person("kees")
    mail.notify(ine, NotificationKind.FEEDBACK, mail.question())  # daily by default
    mail.notify(piet, NotificationKind.FOLLOWED, mail.question())  # weekly by default
    mail.choose(kees, feedback=MailFrequency.NEVER)
    mail.notify(kees, NotificationKind.FEEDBACK, mail.question())  # never: no digest
    with unit_of_work(mail.db.sessions) as session:
        outbox.start(session, mail.settings)
        outbox.start(session, mail.settings)  # a second process starting: still one schedule
    mail.drain()
    schedule = mail.jobs(outbox.SCHEDULE_JOB)
    assert [j.outcome for j in schedule if j.done_at] == ["queued 2 digests"]
    (following,) = [j for j in schedule if j.done_at is None]
    assert timedelta(0) < following.due_at - utcnow() <= timedelta(hours=1)
    digests = {(j.payload["person"], j.payload["frequency"]) for j in mail.jobs(outbox.DIGEST_JOB)}
    assert digests == {(str(ine), "daily"), (str(piet), "weekly")}
    assert sorted(r.recipients[0] for r in receiver.messages()) == ["ine@test.nl", "piet@test.nl"]
    with unit_of_work(mail.db.sessions) as session:  # the next hour, same period: nothing new is queued
        job = session.get(Job, following.id)
        assert job is not None
        outbox.schedule(JobContext(session, lambda: None, mail.settings), job)  # type: ignore[arg-type,return-value]
    assert len(mail.jobs(outbox.DIGEST_JOB)) == 2


def test_a_period_starts_at_seven_amsterdam_time_and_a_week_on_monday() -> None:
    from datetime import UTC, date, datetime

    # 5 December 2026 is a Saturday; Amsterdam is UTC+1 in winter
    assert outbox.period_start(DAILY, datetime(2026, 12, 5, 5, 59, tzinfo=UTC)) == date(2026, 12, 4)
    assert outbox.period_start(DAILY, datetime(2026, 12, 5, 6, 0, tzinfo=UTC)) == date(2026, 12, 5)
    assert outbox.period_start(WEEKLY, datetime(2026, 12, 5, 12, 0, tzinfo=UTC)) == date(2026, 11, 30)
    assert outbox.period_start(WEEKLY, datetime(2026, 11, 30, 5, 0, tzinfo=UTC)) == date(2026, 11, 23)
    # summer time: UTC+2
    assert outbox.period_start(DAILY, datetime(2026, 7, 1, 5, 0, tzinfo=UTC)) == date(2026, 7, 1)
