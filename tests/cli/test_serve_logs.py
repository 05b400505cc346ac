"""`serve` logs JSON lines to whatever collects its log and readable text to a person at a terminal
(PRAKTIJKBANK_LOG_FORMAT=auto, the default); `json`, `text` and `console` are kept whatever stderr is."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.sqlite_pass  # the log's shape, not the database
# `serve` as the command runs it, up to the point where it hands the app to uvicorn: the app and the server are
# stand-ins (no model, no port), and the stand-in server logs one line the way uvicorn does.
SERVE = """
import logging, sys, types
import uvicorn
app = types.ModuleType("api.app")
app.create_app = lambda settings: "the app"
sys.modules["api.app"] = app
uvicorn.run = lambda app, **options: logging.getLogger("uvicorn.error").info("serving on port %d", options["port"])
from cli.main import main
main()
"""


def serve_log(tmp_path: Path, log_format: str | None, *, tty: bool) -> str:
    """What `serve` writes to stderr: a pipe, or the terminal side of a pseudo-terminal."""
    env = {**os.environ, "PRAKTIJKBANK_DATA_DIR": str(tmp_path / "data")}
    env.pop("PRAKTIJKBANK_LOG_FORMAT", None)
    if log_format is not None:
        env["PRAKTIJKBANK_LOG_FORMAT"] = log_format
    command = [sys.executable, "-c", SERVE, "serve", "--port", "8123"]
    if not tty:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stderr
    leader, follower = pty.openpty()
    with subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=follower) as process:
        os.close(follower)
        output = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            output += chunk
        assert process.wait(timeout=120) == 0, output
    os.close(leader)
    return output.decode().replace("\r\n", "\n")


def is_json_lines(log: str) -> bool:
    lines = [line for line in log.splitlines() if line.strip()]
    assert lines, "serve logged nothing"
    try:
        records = [json.loads(line) for line in lines]
    except ValueError:
        return False
    assert {"ts", "level", "logger", "message"} <= set(records[-1]), records[-1]
    return True


def test_not_a_terminal_gets_json_lines_by_default(tmp_path: Path) -> None:
    log = serve_log(tmp_path, None, tty=False)
    assert is_json_lines(log), log
    assert json.loads(log.splitlines()[-1])["message"] == "serving on port 8123"


def test_a_terminal_gets_text_by_default(tmp_path: Path) -> None:
    log = serve_log(tmp_path, None, tty=True)
    assert not is_json_lines(log), log
    assert " INFO uvicorn.error " in log and "serving on port 8123" in log, log


@pytest.mark.parametrize(
    ("log_format", "tty", "json_lines"),
    [("json", True, True), ("text", False, False), ("console", False, False), ("auto", False, True)],
)
def test_an_explicit_format_holds_whatever_stderr_is(
    tmp_path: Path, log_format: str, tty: bool, json_lines: bool
) -> None:
    assert is_json_lines(serve_log(tmp_path, log_format, tty=tty)) is json_lines


def test_an_unknown_format_is_one_clear_line(tmp_path: Path) -> None:
    env = {**os.environ, "PRAKTIJKBANK_DATA_DIR": str(tmp_path / "data"), "PRAKTIJKBANK_LOG_FORMAT": "xml"}
    done = subprocess.run([sys.executable, "-c", SERVE, "serve"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "invalid setting: log_format" in done.stderr and "Traceback" not in done.stderr, done.stderr
