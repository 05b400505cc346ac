"""Fault drills: the vector index goes away, the database goes away, the disk fills up. Each time writes are
either accepted or refused with a clear problem+json (never a 500), nothing half-written stays behind, and the
service recovers by itself. (SIGKILL during indexing: tests/e2e/test_crash_recovery.py.)"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from qdrant_client import QdrantClient
from sqlalchemy import func, make_url, select

from api.app import create_app
from indexing.embedder import Embedder
from indexing.server_index import ServerIndex
from services.runtime import Runtime
from storage.database import unit_of_work
from storage.models import IndexTask, Practice
from tests.conftest import BACKEND, PgDatabases, bearer, make_account, make_database_url, make_settings
from tests.e2e.service import free_port
from tests.factories import practice_body
from tests.ops.proxy import CuttableProxy


def wait_for(condition: object, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "did not recover in time"
        time.sleep(0.2)


def assert_problem(response: object, status: int, slug: str) -> None:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["type"].endswith(slug) and body["request_id"] == response.headers["x-request-id"]  # type: ignore[attr-defined]


def counts(runtime: Runtime) -> tuple[int, int]:
    with unit_of_work(runtime.sessions) as session:
        practices = session.scalar(select(func.count()).select_from(Practice)) or 0
        tasks = session.scalar(select(func.count()).select_from(IndexTask)) or 0
    return practices, tasks


def last_error(runtime: Runtime) -> str | None:
    with unit_of_work(runtime.sessions) as session:
        return session.scalars(select(IndexTask.last_error)).first()


def test_index_server_outage_keeps_writes_answers_503_and_recovers_by_itself(
    tmp_path: Path, pg_databases: PgDatabases | None, embedder: Embedder, cross_embedder: Embedder | None
) -> None:
    settings = make_settings(
        tmp_path / "data", make_database_url(tmp_path / "db", pg_databases), qdrant_url=":memory:",
        worker_poll_seconds=0.2,
    )  # fmt: skip
    runtime = Runtime.build(settings, embedder=embedder, cross=cross_embedder)
    try:
        assert isinstance(runtime.index, ServerIndex)
        token = make_account(runtime, "beheer@test.nl", "Beheer", admin=True)
        with TestClient(create_app(settings, runtime=runtime), headers=bearer(token)) as client:
            runtime.start_worker()
            healthy = runtime.index._client
            # the server goes away: every call of the adapter now meets a closed port, as in production
            runtime.index._client = QdrantClient(
                url=f"http://127.0.0.1:{free_port()}", timeout=2, check_compatibility=False
            )

            created = client.post(
                "/api/v1/practices", json=practice_body(summary="Een aanpak rond het plofkwartet in de wijk.")
            )
            assert created.status_code == 201, created.text  # SQL took it; the index task waits
            search = client.get("/api/v1/search", params={"q": "plofkwartet"})
            assert_problem(search, 503, "index-unavailable")
            assert search.headers["retry-after"] == "10"
            assert_problem(
                client.post("/api/v1/ask", json={"question": "Wie kent het plofkwartet?"}), 503, "index-unavailable"
            )
            assert client.get("/readyz").status_code == 503
            wait_for(lambda: "IndexUnavailable" in (last_error(runtime) or ""))  # tried, failed, kept for a retry
            assert counts(runtime)[1] == 1
            assert client.get(f"/api/v1/practices/{created.json()['id']}").status_code == 200  # reads from SQL go on

            runtime.index._client = healthy  # the server is back; nobody touches the service
            wait_for(lambda: counts(runtime)[1] == 0, seconds=90)
            hits = client.get("/api/v1/search", params={"q": "plofkwartet", "mode": "lexical"}).json()["hits"]
            assert [h["practice"]["id"] for h in hits][:1] == [created.json()["id"]]
            assert client.get("/readyz").status_code == 200
    finally:
        runtime.close()


@pytest.mark.skipif(
    BACKEND != "postgresql", reason="only a database server can go away; SQLite is a file (see the full-disk drill)"
)
def test_database_outage_answers_503_leaves_nothing_half_written_and_recovers(
    tmp_path: Path, pg_databases: PgDatabases | None, embedder: Embedder, cross_embedder: Embedder | None
) -> None:
    url = make_url(make_database_url(tmp_path / "db", pg_databases))
    proxy = CuttableProxy(url.host or "127.0.0.1", url.port or 5432)
    through_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    settings = make_settings(tmp_path / "data", through_proxy)
    runtime = Runtime.build(settings, embedder=embedder, cross=cross_embedder)
    try:
        token = make_account(runtime, "beheer@test.nl", "Beheer", admin=True)
        with TestClient(create_app(settings, runtime=runtime), headers=bearer(token)) as client:
            first = client.post("/api/v1/practices", json=practice_body())
            assert first.status_code == 201
            before = counts(runtime)

            proxy.cut()
            assert_problem(
                client.post("/api/v1/practices", json=practice_body(title="Tijdens de storing")),
                503,
                "database-unavailable",
            )
            down = client.get(f"/api/v1/practices/{first.json()['id']}")
            assert_problem(down, 503, "database-unavailable")
            assert down.headers["retry-after"] == "5"

            proxy.restore()  # pool_pre_ping replaces the dead connections; no restart needed
            wait_for(lambda: client.get("/healthz").status_code == 200 and client.get("/readyz").status_code == 200)
            assert counts(runtime) == before  # the refused write left neither a row nor an index task
            assert client.get("/api/v1/practices", params={"q": "storing"}).status_code == 200
            assert client.post("/api/v1/practices", json=practice_body(title="Na de storing")).status_code == 201
    finally:
        proxy.cut()
        runtime.close()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mount)], capture_output=True, check=False
    )
    if done.returncode != 0:
        why = f"cannot mount a size-limited tmpfs as uid {os.geteuid()}: {done.stderr.decode().strip()}"
        if os.geteuid() == 0 or os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(f"{why}; the full-disk drill must run in CI and as root (CI runs as root)")
        pytest.skip(f"{why} (the drill needs root; it runs in CI)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.skipif(BACKEND != "sqlite", reason="the data folder holds the database only with SQLite")
def test_full_disk_refuses_writes_clearly_and_corrupts_nothing(
    small_disk: Path, embedder: Embedder, cross_embedder: Embedder | None
) -> None:
    settings = make_settings(small_disk / "data", f"sqlite:///{small_disk / 'data' / 'praktijkbank.sqlite3'}")
    runtime = Runtime.build(settings, embedder=embedder, cross=cross_embedder)
    try:
        token = make_account(runtime, "beheer@test.nl", "Beheer", admin=True)
        with TestClient(create_app(settings, runtime=runtime), headers=bearer(token)) as client:
            kept = [
                client.post("/api/v1/practices", json=practice_body(title=f"Voor de volle schijf {n}"))
                for n in range(3)
            ]
            assert all(r.status_code == 201 for r in kept)
            runtime.worker.drain()
            filler = small_disk / "filler"
            with filler.open("wb", buffering=0) as out:  # fill the disk to the last byte
                try:
                    while True:
                        out.write(b"\0" * 65536)
                        out.flush()
                except OSError:
                    pass
                try:
                    while True:
                        out.write(b"\0" * 512)
                        out.flush()
                except OSError:
                    pass

            answers = [
                client.post(
                    "/api/v1/practices", json=practice_body(title=f"Op de volle schijf {n}", approach="x" * 4000)
                )
                for n in range(40)
            ]
            statuses = {r.status_code for r in answers}
            assert statuses <= {201, 507}, statuses  # acknowledged or clearly refused; never a 500
            assert 507 in statuses
            assert_problem(next(r for r in answers if r.status_code == 507), 507, "insufficient-storage")
            acknowledged = [r.json()["id"] for r in answers if r.status_code == 201]

            filler.unlink()  # the operator makes room
            after = client.post("/api/v1/practices", json=practice_body(title="Na het opruimen"))
            assert after.status_code == 201
            for practice_id in [r.json()["id"] for r in kept] + acknowledged:
                assert client.get(f"/api/v1/practices/{practice_id}").status_code == 200
            runtime.worker.drain()
            assert counts(runtime)[1] == 0
            total = counts(runtime)[0]
            assert total == len(kept) + len(acknowledged) + 1  # refused writes left nothing behind
            assert client.get("/readyz").json()["indexed_practices"] >= total
    finally:
        runtime.close()
    with sqlite3.connect(small_disk / "data" / "praktijkbank.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    shutil.rmtree(small_disk / "data", ignore_errors=True)
