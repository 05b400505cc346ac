"""Backups: export → import into an empty instance restores every table, row for row; an online copy of the
SQLite file taken while writes go on opens and is consistent."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from cli.main import cli
from core.vocab import FollowKind, MailFrequency, NotificationKind
from schemas.outreach import FollowCreate
from schemas.practices import PracticeCreate, PracticeUpdate
from schemas.webhooks import WebhookCreate
from services import auth, backup, feeds, follows, notifications, webhooks
from services import practices as practice_service
from services.access import SYSTEM, AccessPolicy
from services.mail import preferences
from services.network_seed import import_network
from services.transfer import import_records, read_records
from storage.base import Base
from storage.database import make_engine, make_session_factory, unit_of_work
from storage.migrate import upgrade
from storage.models import Account, AuditEntry, DigestState, IndexTask, Practice, Question
from storage.repositories import questions as questions_repo
from tests.conftest import BACKEND, SEED_DIR, PgDatabases, make_database_url
from tests.factories import practice_body

PASSWORD = "een-lang-wachtwoord-2026"


def fill(engine: Engine) -> str:
    """The seed with its network, plus what only use creates: accounts, tokens (one revoked), a web session,
    audit entries, a second practice version and a knowledge gap. Returns a live API token."""
    with unit_of_work(make_session_factory(engine)) as session:
        report = import_records(session, read_records(SEED_DIR))
        assert not report.errors
        import_network(session, SEED_DIR / "network")
        admin = auth.create_account(
            session, email="beheer@test.nl", name="Ada Beheer", password=PASSWORD, is_admin=True
        )
        reader = auth.create_account(session, email="lezer@test.nl", name="Lia Lezer", password=None, is_admin=False)
        token = auth.issue_token(session, admin, "scripts").secret
        old = auth.issue_token(session, reader, "oud")
        auth.revoke_token(session, reader, old.token.id)
        auth.open_session(session, admin)
        practice = session.scalars(select(Practice).order_by(Practice.slug)).first()
        assert practice is not None
        practice_service.update(
            session,
            practice.id,
            PracticeUpdate(title="Een nieuwe titel voor de tweede versie", note="hernoemd"),
            if_match="*",
            policy=AccessPolicy(SYSTEM),
        )
        questions_repo.count_gap(session, date(2026, 11, 1), "schulden", "search")
        hook = WebhookCreate(url="https://ontvanger.example.nl/praktijkbank", events=["practice.published"])
        webhooks.create(session, hook, AccessPolicy(SYSTEM))
        reading = AccessPolicy(auth.viewer_for(session, reader))
        follows.follow(session, reading, FollowCreate(kind=FollowKind.PRACTICE, target=practice.slug))
        notifications.notify(
            session, reader.person_id, NotificationKind.FOLLOWED, "practice", practice.id, f"updated:{practice.id}:2"
        )
        preferences.set_frequency(session, reader.person_id, [NotificationKind.ANSWER], MailFrequency.WEEKLY)
        feeds.create_token(session, reader)  # a personal feed address
        sent = datetime(2026, 11, 30, 6, tzinfo=UTC)
        session.add(DigestState(person_id=reader.person_id, frequency="weekly", last_sent_at=sent))
    return token


def rows(session: Session, table: Any) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in session.execute(select(table).order_by(*table.primary_key.columns))]


def run(args: list[str], env: dict[str, str], *, ok: bool = True) -> str:
    result = CliRunner().invoke(cli, args, env=env)
    assert (result.exit_code == 0) == ok, result.output
    return result.output


def two_instances(tmp_path: Path, pg: PgDatabases | None) -> tuple[str, str, Engine, Engine]:
    """A migrated source database and an empty target: their URLs and engines."""
    source_url = make_database_url(tmp_path / "a", pg)
    target_url = make_database_url(tmp_path / "b", pg)
    source, target = make_engine(source_url), make_engine(target_url)
    upgrade(source)
    return source_url, target_url, source, target


def test_export_then_import_into_an_empty_instance_restores_every_table(
    tmp_path: Path, pg_databases: PgDatabases | None
) -> None:
    source_url, target_url, source, target = two_instances(tmp_path, pg_databases)
    token = fill(source)
    dump = tmp_path / "backup.jsonl"
    run(["export", str(dump)], {"PRAKTIJKBANK_DATABASE_URL": source_url, "PRAKTIJKBANK_DATA_DIR": str(tmp_path / "a")})
    target_env = {"PRAKTIJKBANK_DATABASE_URL": target_url, "PRAKTIJKBANK_DATA_DIR": str(tmp_path / "b")}
    output = run(["import", str(dump)], target_env)
    assert "queued for the index" in output
    assert PASSWORD not in dump.read_text() and token not in dump.read_text()  # hashes only, never secrets

    compared = []
    with Session(source) as a, Session(target) as b:
        for table in Base.metadata.sorted_tables:  # every table there is: a new one cannot be forgotten
            if table.name in backup.EXCLUDED:
                continue
            expected = rows(a, table)
            assert expected, f"{table.name} is empty in the source, so this test proves nothing for it"
            if table.name not in backup.WITHHELD:  # a secret never travels (tests/ops/test_backup_webhooks.py)
                assert rows(b, table) == expected, table.name
            compared.append(table.name)
        assert set(compared) | set(backup.EXCLUDED) == set(Base.metadata.tables)
        assert set(backup.EXCLUDED) == {"index_tasks", "web_sessions", "rate_limit_hits"}
        # the index is rebuilt from SQL: every practice and question waits in the queue
        documents = len(rows(a, Practice.__table__)) + len(rows(a, Question.__table__))
        assert b.scalar(select(func.count()).select_from(IndexTask)) == documents
        # restored credentials work: the password and the API token of the source
        assert auth.PasswordAuthenticator().authenticate(b, "beheer@test.nl", PASSWORD) is not None
        assert auth.account_for_token(b, token).email == "beheer@test.nl"
        audit_before: int = b.execute(select(func.max(AuditEntry.id))).scalar_one()

    # the next write after a restore gets a fresh id (PostgreSQL's sequences continued after the restored rows)
    with unit_of_work(make_session_factory(target)) as session:
        account = session.scalars(select(Account).where(Account.email == "lezer@test.nl")).one()
        auth.issue_token(session, account, "na herstel")
    with Session(target) as b:
        assert b.scalar(select(func.max(AuditEntry.id))) == audit_before + 1

    # a second restore into the now full instance is refused, and changes nothing
    refused = run(["import", str(dump)], target_env, ok=False)
    assert "only into an empty instance" in refused and "Traceback" not in refused
    with Session(target) as b:
        assert b.scalar(select(func.max(AuditEntry.id))) == audit_before + 1
    source.dispose()
    target.dispose()


def count_practices(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(Practice)) or 0)


@pytest.mark.skipif(BACKEND != "sqlite", reason="the online backup copies a SQLite file; PostgreSQL has pg_dump")
def test_online_backup_while_writes_go_on_gives_a_consistent_copy(tmp_path: Path) -> None:
    url = make_database_url(tmp_path / "db", None)
    engine = make_engine(url)
    upgrade(engine)
    fill(engine)
    sessions = make_session_factory(engine)
    stop = threading.Event()
    written = [0]
    errors: list[str] = []

    def writer() -> None:  # practices through the service layer, each with a pair of audit rows in its transaction
        policy = AccessPolicy(SYSTEM)
        while not stop.is_set():
            n = written[0]
            try:
                with unit_of_work(sessions) as session:
                    body = practice_body(title=f"Geschreven tijdens de kopie {n}")
                    practice = practice_service.create(session, PracticeCreate(**body), policy=policy)
                    for half in ("a", "b"):
                        detail = {"half": half, "n": n}
                        session.add(
                            AuditEntry(action="drill", target_type="pair", target_id=str(practice.id), detail=detail)
                        )
            except Exception as exc:  # the test fails on it
                errors.append(f"{type(exc).__name__}: {exc}")
                return
            written[0] += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while written[0] < 20:
            assert time.monotonic() < deadline and not errors, errors
            time.sleep(0.01)
        copy = tmp_path / "copies" / "praktijkbank-copy.sqlite3"
        before = count_practices(engine)  # committed before the backup starts: the copy must hold them all
        output = run(["backup", str(copy)], {"PRAKTIJKBANK_DATABASE_URL": url, "PRAKTIJKBANK_DATA_DIR": str(tmp_path)})
        after = count_practices(engine)
        assert "copied" in output
    finally:
        stop.set()
        thread.join(60)
    assert not errors, errors
    assert after > before, "no write was committed while the copy was made"

    with sqlite3.connect(copy) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        copied = db.execute("SELECT count(*) FROM practices").fetchone()[0]
        assert before <= copied <= after  # one moment between the start and the end of the backup
        drilled = set(db.execute("SELECT id FROM practices WHERE title LIKE 'Geschreven tijdens de kopie %'"))
        halves = db.execute(
            "SELECT target_id, count(*) FROM audit_log WHERE action = 'drill' GROUP BY target_id"
        ).fetchall()
        # no transaction copied in half: every written practice with both its audit rows and its first version
        assert len(drilled) >= 20 and all(n == 2 for _, n in halves)
        assert {uuid.UUID(target) for target, _ in halves} == {uuid.UUID(str(pid)) for (pid,) in drilled}
        versions = db.execute(
            "SELECT count(*) FROM practices p JOIN practice_versions v ON v.practice_id = p.id AND v.version = 1 "
            "WHERE p.title LIKE 'Geschreven tijdens de kopie %'"
        ).fetchone()[0]
        assert versions == len(drilled)
    assert not list(copy.parent.glob("*.partial"))
    refused = run(
        ["backup", str(copy)], {"PRAKTIJKBANK_DATABASE_URL": url, "PRAKTIJKBANK_DATA_DIR": str(tmp_path)}, ok=False
    )
    assert "exists" in refused
    engine.dispose()
