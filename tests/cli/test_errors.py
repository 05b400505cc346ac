"""Every CLI command answers bad input with one clear line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from tests.cli.test_transfer import env_for
from tests.conftest import PgDatabases


def fails(args: list[str], env: dict[str, str], expected: str, *, stdin: str | None = None, code: int = 1) -> str:
    result = CliRunner().invoke(cli, args, env=env, input=stdin)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert len(error_lines) == 1, result.stderr
    assert expected in error_lines[0], error_lines[0]
    return error_lines[0]


@pytest.fixture
def env(tmp_path: Path, pg_databases: PgDatabases | None) -> dict[str, str]:
    return env_for(tmp_path, pg_databases)


def test_users_create_with_a_short_password(env: dict[str, str]) -> None:
    fails(["users", "create", "--email", "a@b.nl", "--name", "A"], env, "(password)", stdin="kort\nkort\n")


def test_users_create_with_a_bad_email_and_twice(env: dict[str, str]) -> None:
    fails(["users", "create", "--email", "geen-adres", "--name", "A", "--generate-password"], env, "(email)")
    CliRunner().invoke(cli, ["users", "create", "--email", "a@b.nl", "--name", "A", "--generate-password"], env=env)
    fails(["users", "create", "--email", "A@b.nl", "--name", "B", "--generate-password"], env, "exists")


def test_users_token_for_an_unknown_account_and_bad_days(env: dict[str, str]) -> None:
    fails(["users", "token", "niemand@b.nl", "--name", "x"], env, "no account with email niemand@b.nl")
    fails(["users", "token", "a@b.nl", "--name", "x", "--days", "0"], env, "--days", code=2)


def test_import_of_a_missing_path_and_of_a_non_record_file(env: dict[str, str], tmp_path: Path) -> None:
    fails(["import", str(tmp_path / "nergens")], env, "does not exist", code=2)
    junk = tmp_path / "junk.jsonl"
    junk.write_text("{not json\n")
    result = CliRunner().invoke(cli, ["import", str(junk)], env=env)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "junk.jsonl" in result.stderr


def test_export_into_a_folder(env: dict[str, str], tmp_path: Path) -> None:
    fails(["export", str(tmp_path)], env, "is a directory", code=2)


@pytest.mark.sqlite_pass  # the model fails to load: the database plays no part
@pytest.mark.parametrize("command", [["status"], ["reindex"], ["import", "seed_practices"], ["worker"]])
def test_commands_that_load_the_model_name_an_unknown_model(env: dict[str, str], command: list[str]) -> None:
    env = {**env, "PRAKTIJKBANK_EMBEDDING_MODEL": "/nergens/geen-model"}
    fails(command, env, "(run with --verbose for details)")


def test_a_bad_setting_is_one_line(env: dict[str, str]) -> None:
    fails(["status"], {**env, "PRAKTIJKBANK_RRF_K": "veel"}, "invalid setting: rrf_k")


@pytest.mark.sqlite_pass  # on the data folder's own SQLite file in either pass: the same run twice
def test_migration_log_only_with_verbose(tmp_path: Path) -> None:
    def demo(*flags: str, folder: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PRAKTIJKBANK_DATA_DIR": str(tmp_path / folder)}
        env.pop("PRAKTIJKBANK_DATABASE_URL", None)
        code = "from cli.main import main; main()"
        return subprocess.run(
            [sys.executable, "-c", code, *flags, "users", "demo"], env=env, capture_output=True, text=True, check=True
        )

    assert "alembic" not in demo(folder="quiet").stderr  # a fresh database: every migration ran, silently
    assert "Running upgrade" in demo("--verbose", folder="verbose").stderr


@pytest.mark.sqlite_pass  # on the data folder's own SQLite file in either pass: the same run twice
def test_a_command_logs_nothing_unless_asked(tmp_path: Path) -> None:
    """`status` loads the models: their INFO lines stay out of a person's terminal unless --verbose."""

    def status(*flags: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PRAKTIJKBANK_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1"}
        env.pop("PRAKTIJKBANK_DATABASE_URL", None)
        code = "from cli.main import main; main()"
        return subprocess.run(
            [sys.executable, "-c", code, *flags, "status"], env=env, capture_output=True, text=True, check=True
        )

    quiet = status()
    assert "model:" in quiet.stdout
    assert quiet.stderr == "", quiet.stderr
    assert " INFO " in status("--verbose").stderr
