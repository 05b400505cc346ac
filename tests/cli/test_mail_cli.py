"""`praktijkbank mail test ADDRESS`: a test mail through the configured server, or one line that says exactly what
is missing or wrong, with exit code 1."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from cli.main import cli
from core.vocab import NotificationKind
from storage.database import Database
from tests.cli.test_errors import fails
from tests.cli.test_transfer import env_for
from tests.conftest import PgDatabases
from tests.mail_world import SENDER, Outbox, mail_settings
from tests.smtp import smtp_server

UNSET = {"PRAKTIJKBANK_SMTP_URL": None, "PRAKTIJKBANK_MAIL_FROM": None}


def test_without_a_server_it_says_what_is_missing_and_how_much_waits(
    tmp_path: Path, pg_databases: PgDatabases | None
) -> None:
    env = env_for(tmp_path, pg_databases)
    db = Database.open(env["PRAKTIJKBANK_DATABASE_URL"])
    world = Outbox(db, mail_settings(tmp_path, env["PRAKTIJKBANK_DATABASE_URL"], None))
    world.notify(world.person("ine"), NotificationKind.ANSWER, world.question())  # queued, waits
    db.close()
    line = fails(["mail", "test", "ine@test.nl"], env | UNSET, "no SMTP server: set PRAKTIJKBANK_SMTP_URL")  # type: ignore[arg-type]
    assert "no sender: set PRAKTIJKBANK_MAIL_FROM" in line and "1 mails wait in the outbox" in line
    with_server = env | {"PRAKTIJKBANK_SMTP_URL": "smtp://127.0.0.1:2525", "PRAKTIJKBANK_MAIL_FROM": None}
    line = fails(["mail", "test", "ine@test.nl"], with_server, "no sender: set PRAKTIJKBANK_MAIL_FROM")  # type: ignore[arg-type]
    assert "SMTP" not in line.split("no sender")[0]


def test_a_server_that_is_not_there_or_refuses_is_named(tmp_path: Path, pg_databases: PgDatabases | None) -> None:
    env = env_for(tmp_path, pg_databases, PRAKTIJKBANK_MAIL_FROM=SENDER)
    refused = env | {"PRAKTIJKBANK_SMTP_URL": "smtp://127.0.0.1:1"}
    fails(["mail", "test", "ine@test.nl"], refused, "could not connect to smtp://127.0.0.1:1: connection refused")
    fails(["mail", "test", "ine@test.nl"], env | {"PRAKTIJKBANK_SMTP_URL": "http://mail.example"}, "smtp://")
    fails(["mail", "test", "geen adres"], env | {"PRAKTIJKBANK_SMTP_URL": "smtp://127.0.0.1:1"}, "not a mail address")
    with smtp_server() as receiver:
        receiver.refuse["weg@test.nl"] = "550 5.1.1 no such mailbox"
        line = fails(["mail", "test", "weg@test.nl"], env | {"PRAKTIJKBANK_SMTP_URL": receiver.url}, "550 5.1.1")
        assert "RCPT TO" in line


def test_a_test_mail_goes_through_the_configured_server(tmp_path: Path, pg_databases: PgDatabases | None) -> None:
    with smtp_server() as receiver:
        env = env_for(tmp_path, pg_databases, PRAKTIJKBANK_MAIL_FROM=SENDER, PRAKTIJKBANK_SMTP_URL=receiver.url)
        result = CliRunner().invoke(cli, ["mail", "test", "beheer@test.nl"], env=env)
        assert result.exit_code == 0, result.output
        assert f"sent a test mail to beheer@test.nl through {receiver.url}" in result.output
        (got,) = receiver.messages()
        assert got.recipients == ["beheer@test.nl"] and got.subject == "Testbericht van Praktijkbank"
        assert "List-Unsubscribe" not in got.message and "Beste collega," in got.text
