"""The job queue under what reaches people: work is queued with the write that caused it, once per key, done
outside the request, retried with backoff, given up clearly, and never half done or lost in a crash."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from core.vocab import EventKind
from services import events
from services.jobs import GiveUp, JobContext, JobRunner, Retry
from storage.base import utcnow
from storage.database import Database, unit_of_work
from storage.models import Job, Notification
from storage.repositories import jobs
from tests.conftest import PgDatabases, make_database_url
from tests.factories import make_directory


@pytest.fixture
def database(tmp_path: Path, pg_databases: PgDatabases | None) -> Iterator[Database]:
    db = Database.open(make_database_url(tmp_path / "db", pg_databases))
    yield db
    db.close()


def runner(db: Database, **handlers: object) -> JobRunner:
    return JobRunner(db.sessions, lambda: None, handlers)  # type: ignore[arg-type,return-value]


def job_rows(db: Database) -> list[Job]:
    with unit_of_work(db.sessions) as session:
        return list(session.scalars(select(Job).order_by(Job.id)))


def test_the_same_key_is_queued_once_in_the_writers_transaction(database: Database) -> None:
    with unit_of_work(database.sessions) as session:
        jobs.enqueue(session, "mail", "mail:answer:1:person:2", {"n": 1})
        jobs.enqueue(session, "mail", "mail:answer:1:person:2", {"n": 2})
    with unit_of_work(database.sessions) as session:
        jobs.enqueue(session, "mail", "mail:answer:1:person:2", {"n": 3})  # again, later: still the first
    with pytest.raises(RuntimeError), unit_of_work(database.sessions) as session:
        jobs.enqueue(session, "mail", "mail:rolled-back", {})
        raise RuntimeError("the write fails")  # its job goes with it
    rows = job_rows(database)
    assert [(r.key, r.payload) for r in rows] == [("mail:answer:1:person:2", {"n": 1})]


def test_a_done_job_keeps_its_outcome_and_is_not_done_again(database: Database) -> None:
    done: list[dict[str, object]] = []

    def handle(context: JobContext, job: Job) -> str:
        done.append(job.payload)
        return "sent"

    with unit_of_work(database.sessions) as session:
        jobs.enqueue(session, "mail", "a", {"to": "a"})
        jobs.enqueue(session, "mail", "b", {"to": "b"})
        jobs.enqueue(session, "other", "c", {"to": "c"})  # no handler here: left alone
    work = runner(database, mail=handle)
    assert work.drain() == 2 and work.drain() == 0
    assert done == [{"to": "a"}, {"to": "b"}]
    rows = {r.key: r for r in job_rows(database)}
    assert rows["a"].outcome == "sent" and rows["a"].done_at is not None and rows["a"].attempts == 1
    assert rows["c"].done_at is None and rows["c"].attempts == 0


def test_a_failure_is_tried_again_later_with_backoff_and_a_refusal_ends_it(database: Database) -> None:
    def flaky(context: JobContext, job: Job) -> str:
        raise ConnectionError("smtp server refused the connection")

    def busy(context: JobContext, job: Job) -> str:
        raise Retry("503 from the receiver", after=timedelta(seconds=120))

    def gone(context: JobContext, job: Job) -> str:
        raise GiveUp("410 Gone: the receiver was removed")

    with unit_of_work(database.sessions) as session:
        for kind in ("flaky", "busy", "gone"):
            jobs.enqueue(session, kind, kind, {})
    before = utcnow()
    assert runner(database, flaky=flaky, busy=busy, gone=gone).run_once() == 3
    rows = {r.key: r for r in job_rows(database)}
    assert rows["flaky"].done_at is None and "ConnectionError" in (rows["flaky"].last_error or "")
    assert timedelta(seconds=20) < rows["flaky"].due_at - before < timedelta(seconds=40)  # 30 s, with jitter
    assert rows["busy"].done_at is None and timedelta(seconds=115) < rows["busy"].due_at - before
    assert rows["gone"].done_at is not None and rows["gone"].outcome == "failed: 410 Gone: the receiver was removed"
    assert runner(database, flaky=flaky, busy=busy, gone=gone).run_once() == 0  # nothing is due yet


def test_a_job_is_given_up_after_many_attempts(database: Database) -> None:
    def broken(context: JobContext, job: Job) -> str:
        raise ValueError("always")

    with unit_of_work(database.sessions) as session:
        jobs.enqueue(session, "broken", "broken", {})
    work = runner(database, broken=broken)
    for _ in range(20):
        with unit_of_work(database.sessions) as session:
            for row in session.scalars(select(Job)):
                row.due_at = utcnow() - timedelta(seconds=1)  # the backoff has passed
        work.run_once()
    (row,) = job_rows(database)
    assert row.done_at is not None and row.attempts == 12 and (row.outcome or "").startswith("failed after 12")


def test_what_a_failed_handler_wrote_is_not_kept_and_the_job_is_done_again(database: Database) -> None:
    """A crash in the middle (here: an exception after the handler wrote) leaves nothing half done."""
    with unit_of_work(database.sessions) as session:
        _, person, _ = make_directory(session)
        person_id = person.id
        jobs.enqueue(session, "note", "note", {})
    calls = 0

    def note(context: JobContext, job: Job) -> str:
        nonlocal calls
        calls += 1
        context.session.add(
            Notification(
                person_id=person_id, kind="answer", key="q:1", subject_kind="question", subject_id=uuid.uuid4()
            )
        )
        context.session.flush()
        if calls == 1:
            raise OSError("the process died here")
        return "made"

    work = runner(database, note=note)
    work.run_once()
    with unit_of_work(database.sessions) as session:
        assert session.scalar(select(func.count()).select_from(Notification)) == 0
        session.execute(update(Job).values(due_at=utcnow()))
    work.run_once()
    with unit_of_work(database.sessions) as session:
        assert session.scalar(select(func.count()).select_from(Notification)) == 1
    assert [r.outcome for r in job_rows(database)] == ["made"]


def test_a_lease_of_a_process_that_died_runs_out_and_the_job_is_done(database: Database) -> None:
    with unit_of_work(database.sessions) as session:
        jobs.enqueue(session, "mail", "m", {})
    with unit_of_work(database.sessions) as session:
        assert len(jobs.claim(session, ["mail"], 10)) == 1  # a worker took it and was killed
    assert runner(database, mail=lambda c, j: "sent").run_once() == 0  # still leased
    with unit_of_work(database.sessions) as session:
        session.execute(update(Job).values(claimed_until=utcnow() - timedelta(seconds=1)))
    assert runner(database, mail=lambda c, j: "sent").run_once() == 1
    (row,) = job_rows(database)
    assert row.outcome == "sent" and row.attempts == 2


def test_an_event_is_a_job_of_the_write_and_fans_out_to_every_listener(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    heard: list[tuple[str, events.Event]] = []

    def listener(name: str, made: int) -> events.Listener:
        def listen(context: JobContext, event: events.Event) -> int:
            heard.append((name, event))
            return made

        return listen

    monkeypatch.setattr(events, "listeners", lambda: [listener("first", 2), listener("second", 1)])
    subject, actor = uuid.uuid4(), uuid.uuid4()
    with unit_of_work(database.sessions) as session:
        emitted = events.emit(session, EventKind.ANSWER_CREATED, subject, actor, answer="a1")
    assert runner(database, event=events.fan_out).drain() == 1
    assert [name for name, _ in heard] == ["first", "second"]
    assert heard[0][1] == emitted and heard[0][1].data == {"answer": "a1"}
    assert [r.outcome for r in job_rows(database)] == ["answer.created: 3 made"]
