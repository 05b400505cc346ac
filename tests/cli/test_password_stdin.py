"""`users create` takes a piped password quietly (`--password-stdin`, or any stdin that is not a terminal):
no GetPassWarning, and the account signs in with that password. A real process: the warning only shows there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from services import auth
from storage.database import make_engine, make_session_factory, unit_of_work
from tests.cli.test_transfer import env_for
from tests.conftest import PgDatabases

# How the password is read (stdin, the terminal), not the database: `users create` on PostgreSQL is in
# tests/cli/test_errors.py and tests/cli/test_transfer.py.
pytestmark = pytest.mark.sqlite_pass

PASSWORD = "een lang wachtwoord, met spaties"


def users_create(env: dict[str, str], *flags: str, stdin: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from cli.main import main; main()", "users", "create", *flags]
    return subprocess.run(command, input=stdin, env={**os.environ, **env}, capture_output=True, text=True, timeout=120)


def signs_in(env: dict[str, str], email: str, password: str) -> bool:
    engine = make_engine(env["PRAKTIJKBANK_DATABASE_URL"])
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            return auth.PasswordAuthenticator().authenticate(session, email, password) is not None
    finally:
        engine.dispose()


@pytest.mark.parametrize("flags", [("--password-stdin",), ()], ids=["password-stdin", "piped"])
def test_a_piped_password_is_read_quietly_and_signs_in(
    tmp_path: Path, pg_databases: PgDatabases | None, flags: tuple[str, ...]
) -> None:
    env = env_for(tmp_path, pg_databases)
    done = users_create(
        env, "--email", "ada@gemeente.nl", "--name", "Ada Beheer", "--admin", *flags, stdin=f"{PASSWORD}\n"
    )
    assert done.returncode == 0, done.stderr
    assert "GetPassWarning" not in done.stderr and "Warning" not in done.stderr, done.stderr
    assert PASSWORD not in done.stdout + done.stderr  # read, never echoed
    assert "created admin account ada@gemeente.nl" in done.stdout
    assert signs_in(env, "ada@gemeente.nl", PASSWORD)
    assert not signs_in(env, "ada@gemeente.nl", f"{PASSWORD}\n")


def test_only_the_first_line_is_the_password(tmp_path: Path, pg_databases: PgDatabases | None) -> None:
    """A script written for the prompt answers it twice; the first line is the password, as with docker login."""
    env = env_for(tmp_path, pg_databases)
    done = users_create(
        env, "--email", "bo@gemeente.nl", "--name", "Bo", "--password-stdin", stdin=f"{PASSWORD}\r\n{PASSWORD}\n"
    )
    assert done.returncode == 0, done.stderr
    assert signs_in(env, "bo@gemeente.nl", PASSWORD)


@pytest.mark.parametrize(
    ("flags", "stdin", "expected"),
    [
        (("--password-stdin",), "", "no password on stdin"),
        (("--password-stdin",), "\n", "no password on stdin"),
        (("--password-stdin",), "kort\n", "at least 12 characters (password)"),
        (("--password-stdin", "--generate-password"), f"{PASSWORD}\n", "exclude each other"),
    ],
)
def test_a_missing_short_or_doubled_password_is_one_clear_line(
    tmp_path: Path, pg_databases: PgDatabases | None, flags: tuple[str, ...], stdin: str, expected: str
) -> None:
    env = env_for(tmp_path, pg_databases)
    done = users_create(env, "--email", "cor@gemeente.nl", "--name", "Cor", *flags, stdin=stdin)
    assert done.returncode != 0
    assert expected in done.stderr and "Traceback" not in done.stderr, done.stderr
