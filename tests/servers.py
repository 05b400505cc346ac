"""The servers the suite needs: PostgreSQL (the PostgreSQL pass) and Redis (shared rate limits).

Each is the server at its URL when one answers there (PRAKTIJKBANK_TEST_PG_URL, PRAKTIJKBANK_TEST_REDIS_URL), and
otherwise a throwaway of the suite's own, started from the machine's binaries on a free port in a temporary folder
and removed at the end. PostgreSQL refuses to run as root, so as root it runs as the ``postgres`` user that
Debian's package creates. ``python -m tests.servers packages`` names the Debian packages to install for what
neither answers nor can be started (scripts/test installs them).
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

PG_URL = os.environ.get("PRAKTIJKBANK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("PRAKTIJKBANK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
logger = logging.getLogger(__name__)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
STARTUP_SECONDS = 30


def unavailable(what: str) -> NoReturn:
    """A server that is neither running nor startable skips its tests on a developer's machine; in CI that would
    be a green run that tested less, so there it fails."""
    if IN_CI:
        pytest.fail(f"{what} (CI=true: a missing server fails the run instead of skipping)", pytrace=False)
    pytest.skip(what)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class RunAs:
    """Whom a server runs as, in ``subprocess``'s terms: this user (all None), or ``postgres`` when this is root,
    since PostgreSQL refuses to run as root."""

    user: int | None = None
    group: int | None = None
    extra_groups: list[int] | None = None

    @classmethod
    def for_postgres(cls) -> RunAs:
        if os.geteuid() != 0:
            return cls()
        try:
            entry = pwd.getpwnam("postgres")
        except KeyError:
            unavailable("running as root without a 'postgres' user to run a throwaway PostgreSQL as")
        return cls(entry.pw_uid, entry.pw_gid, [])


@contextlib.contextmanager
def _running(
    name: str, command: list[str], folder: Path, url: str, answers: Callable[[str], bool], run_as: RunAs
) -> Iterator[str]:
    """Starts a server (its output into ``folder/server.log``), waits until it answers at ``url``, yields that,
    and stops it at the end."""
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, **vars(run_as))
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not answers(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the throwaway {name} did not start:\n{log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.1)
        logger.info("started a throwaway %s at %s (nothing answered at the configured URL)", name, url)
        yield url
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # PostgreSQL: fast shutdown; Redis: shut down without saving
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# --- PostgreSQL ---------------------------------------------------------------------------------------------


def pg_answers(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=2):
            return True
    except psycopg.Error:
        return False


def _pg_binary(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    return found[-1] if found else shutil.which(name)


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A cluster of our own (trust auth, no fsync: its data dies with the run); yields its admin URL."""
    initdb, postgres = _pg_binary("initdb"), _pg_binary("postgres")
    if not (initdb and postgres):
        unavailable("no PostgreSQL answers at PRAKTIJKBANK_TEST_PG_URL and none is installed (apt package postgresql)")
    run_as = RunAs.for_postgres()
    with tempfile.TemporaryDirectory(prefix="praktijkbank-pg-", ignore_cleanup_errors=True) as name:
        folder, port = Path(name), _free_port()
        if run_as.user is not None:
            os.chown(folder, run_as.user, -1)
        init = [initdb, "-D", str(folder / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]
        made = subprocess.run([*init, "--locale=C.UTF-8"], capture_output=True, **vars(run_as))
        if made.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{made.stderr.decode(errors='replace')}")
        command = [postgres, "-D", str(folder / "data"), "-h", "127.0.0.1", "-p", str(port)]
        for setting in (
            "fsync=off",
            "synchronous_commit=off",
            "full_page_writes=off",
            f"unix_socket_directories={name}",
        ):
            command += ["-c", setting]
        url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        with _running("PostgreSQL", command, folder, url, pg_answers, run_as) as running:
            yield running


# --- Redis --------------------------------------------------------------------------------------------------


def redis_answers(url: str) -> bool:
    import redis

    try:
        with redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2) as client:
            return bool(client.ping())
    except redis.RedisError:
        return False


@contextlib.contextmanager
def throwaway_redis() -> Iterator[str]:
    """A Redis of our own that keeps nothing on disk; yields its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        unavailable("no Redis answers at PRAKTIJKBANK_TEST_REDIS_URL and none is installed (apt package redis-server)")
    with tempfile.TemporaryDirectory(prefix="praktijkbank-redis-", ignore_cleanup_errors=True) as name:
        port = _free_port()
        command = [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            name,
        ]
        with _running("Redis", command, Path(name), f"redis://127.0.0.1:{port}/0", redis_answers, RunAs()) as running:
            yield running


def missing_packages() -> list[str]:
    """Debian packages to install so that each server either answers or can be started."""
    missing = []
    if not pg_answers(PG_URL) and not (_pg_binary("initdb") and _pg_binary("postgres")):
        missing.append("postgresql")
    if not redis_answers(REDIS_URL) and shutil.which("redis-server") is None:
        missing.append("redis-server")
    return missing


if __name__ == "__main__":
    if sys.argv[1:] != ["packages"]:
        sys.exit("usage: python -m tests.servers packages")
    print(" ".join(missing_packages()))
