"""Two ``praktijkbank worker`` processes on one PostgreSQL queue: every task is claimed and indexed exactly once,
and both processes take part (SKIP LOCKED lets them pass each other's rows)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT
from core.vocab import DocKind
from services.seeding import import_path
from storage.database import Database
from storage.repositories import index_tasks
from tests.conftest import SEED_DIR, PgDatabases, make_database_url

pytestmark = pytest.mark.postgresql_pass  # several workers need PostgreSQL (SKIP LOCKED)
GONE = 300  # tasks for documents that no longer exist: the worker removes their points


def test_two_worker_processes_index_every_task_exactly_once(tmp_path: Path, pg_databases: PgDatabases | None) -> None:
    url = make_database_url(tmp_path / "db", pg_databases)
    database = Database.open(url)
    logs = tmp_path / "logs"
    logs.mkdir()
    env = {
        **os.environ,
        "PRAKTIJKBANK_DATABASE_URL": url,
        "PRAKTIJKBANK_DATA_DIR": str(tmp_path / "data"),
        "PRAKTIJKBANK_QDRANT_URL": ":memory:",
        "PRAKTIJKBANK_WORKER_BATCH_SIZE": "5",
        "PRAKTIJKBANK_WORKER_POLL_SECONDS": "0.2",
    }
    command = [sys.executable, "-m", "tests.indexing.recording_worker", str(logs)]
    workers = [subprocess.Popen(command, env=env, cwd=PROJECT_ROOT) for _ in range(2)]
    try:
        deadline = time.monotonic() + 120
        while len([p for p in logs.glob("*.log") if p.read_text().startswith("ready")]) < 2:
            assert all(w.poll() is None for w in workers), "a worker exited"
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.2)
        gone = [uuid.uuid4() for _ in range(GONE)]
        with database.unit_of_work() as session:
            import_path(session, SEED_DIR)  # queues a task per practice and question, in the same transaction
            index_tasks.enqueue(session, DocKind.PRACTICE, gone)
            queued = index_tasks.backlog(session).pending
        while True:
            with database.unit_of_work() as session:
                if index_tasks.backlog(session).pending == 0:
                    break
            assert time.monotonic() < deadline, "the queue did not drain"
            time.sleep(0.2)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            assert worker.wait(30) == 0
        database.close()

    per_process = {path.stem: path.read_text().splitlines()[1:] for path in logs.glob("*.log")}
    assert len(per_process) == 2
    done = Counter(line for lines in per_process.values() for line in lines)
    assert all(n == 1 for n in done.values()), [line for line, n in done.items() if n > 1]
    assert {line.split()[1] for line in done if line.startswith("remove")} == {str(g) for g in gone}
    assert len([line for line in done if line.startswith("upsert")]) == queued - GONE > 60
    assert all(len(lines) > 0 for lines in per_process.values()), {p: len(v) for p, v in per_process.items()}
