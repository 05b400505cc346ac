"""``reindex --model``: a new index is built beside the live one while the service answers, then the service
switches to it. Searches throughout never fail and never come back empty; writes made meanwhile are not lost."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from core.profiles import BUNDLED_MODEL
from core.settings import Settings
from indexing.embedder import Embedder
from schemas.practices import PracticeCreate, PracticeUpdate
from services import practices as practice_service
from services.access import SYSTEM, AccessPolicy
from services.rebuild import rebuild
from services.runtime import Runtime
from storage.database import Database, unit_of_work
from tests.conftest import TEST_MODEL, PgDatabases, bearer, make_account, make_database_url, make_settings, seed
from tests.factories import practice_body

PACE_SECONDS = 0.5  # between two writes: steady through the rebuild, few enough for the live worker to keep up
SETTLE_SECONDS = 120  # the catch-up after the switch embeds every write of the rebuild again, on two shared cores


class LockedClient:
    """qdrant-client's in-memory mode is not thread-safe (a search during an upsert can fail inside numpy); a
    server is. The test serialises calls so that it checks the switch, not the stand-in."""

    def __init__(self, client: object) -> None:
        self._client = client
        self._lock = threading.RLock()

    def __getattr__(self, name: str) -> object:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        def locked(*args: object, **kwargs: object) -> object:
            with self._lock:
                return attribute(*args, **kwargs)

        return locked


# Embedded: to another model of another dimension (384 against 512), nothing of the old index fits. Server (the
# in-memory stand-in is slow): a rebuild with the same model, through the alias switch. Each runs with the database
# of its deployment: the embedded default with SQLite, a Qdrant server with PostgreSQL (the SQL of a rebuild is the
# same in both).
CASES = {"embedded": BUNDLED_MODEL, "server": TEST_MODEL}
PASSES = {"embedded": pytest.mark.sqlite_pass, "server": pytest.mark.postgresql_pass}


@pytest.fixture(params=[pytest.param(case, marks=PASSES[case]) for case in CASES])
def serving(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    pg_databases: PgDatabases | None,
    embedder: Embedder,
    cross_embedder: Embedder | None,
) -> Iterator[tuple[Settings, Runtime, object]]:
    client = None
    # One torch thread for the new model: its thread pool spinning against the live worker's models on two cores
    # slowed the rebuild tenfold.
    overrides: dict[str, object] = {"worker_poll_seconds": 0.2, "torch_threads": 1}
    if request.param == "server":
        from qdrant_client import QdrantClient

        client = LockedClient(QdrantClient(location=":memory:"))  # one process: service and rebuild share it
        overrides["qdrant_url"] = ":memory:"
    settings = make_settings(tmp_path / "data", make_database_url(tmp_path / "db", pg_databases), **overrides)
    runtime = Runtime.build(settings, embedder=embedder, cross=cross_embedder, qdrant_client=client)
    runtime.retire_after = 0.5
    seed(runtime)
    runtime.start_worker()
    yield settings, runtime, CASES[request.param]
    runtime.close()


@dataclass
class Writer:
    """Writes practices through the service layer, one unit of work each. A write is acknowledged once its
    transaction committed: then its practice and version are recorded. ``run`` creates and updates until stopped;
    only it updates, so a practice's versions are acknowledged in order."""

    runtime: Runtime
    acknowledged: dict[uuid.UUID, int] = field(default_factory=dict)  # practice -> its last acknowledged version
    at: list[float] = field(default_factory=list)  # when each write was acknowledged (monotonic)
    errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    _numbers: Iterator[int] = field(default_factory=itertools.count)  # one title (and slug) per write
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def write(self, *, update: bool = False) -> tuple[uuid.UUID, int]:
        with self._lock:
            n = next(self._numbers)
            targets = list(self.acknowledged)
        with unit_of_work(self.runtime.sessions) as session:
            policy = AccessPolicy(SYSTEM)
            if update:  # a new version of one written before, in turn
                change = PracticeUpdate(summary=f"Bijgewerkt tijdens de herindexering, schrijfronde {n}.")
                target = targets[n % len(targets)]
                practice = practice_service.update(session, target, change, if_match="*", policy=policy)
            else:
                title = f"Budgetcursus {n} tijdens de herindexering"
                body = practice_body(title=title, summary=f"{title}: jongeren leren een begroting maken.")
                practice = practice_service.create(session, PracticeCreate(**body), policy=policy)
            written = practice.id, practice.version
        with self._lock:
            self.acknowledged[written[0]] = written[1]
            self.at.append(time.monotonic())
        self.runtime.worker.wake()  # what the API does after a write's commit
        return written

    def run(self) -> None:
        turn = 0
        while not self.stop.is_set():
            try:
                self.write(update=turn % 2 == 1)
            except Exception as exc:  # the test fails on it; the writer must not die silently
                self.errors.append(f"{type(exc).__name__}: {exc}")
                return
            turn += 1
            self.stop.wait(PACE_SECONDS)

    def between(self, start: float, end: float) -> int:
        assert not self.errors, self.errors
        with self._lock:
            return sum(start < t < end for t in self.at)


def wait_until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_searches_never_fail_and_no_acknowledged_write_is_lost_during_a_model_change(
    serving: tuple[Settings, Runtime, str],
) -> None:
    settings, runtime, new_model = serving
    client = getattr(runtime, "_client", None)
    old_name = runtime.live.name
    app = create_app(settings, runtime=runtime)
    token = make_account(runtime, "redacteur@test.nl", "Redacteur", admin=True)
    failures: list[str] = []
    answered: list[int] = []
    stop_searching = threading.Event()
    search_deadline = time.monotonic() + 600  # a hung switch fails the test instead of hanging it
    writer = Writer(runtime)
    with TestClient(app, raise_server_exceptions=False, headers=bearer(token)) as http:

        def search_all_the_time() -> None:
            while not stop_searching.is_set() and time.monotonic() < search_deadline:
                response = http.get("/api/v1/search", params={"q": "schulden voorkomen bij jongeren"})
                hits = response.json().get("hits", []) if response.status_code == 200 else []
                if response.status_code != 200 or not hits:
                    failures.append(f"{response.status_code} {response.text[:300]}")
                answered.append(len(hits))

        def write_and_see_it_live(_batch: int) -> None:
            """After each batch of each pass (so after the last pass read SQL too): a write the live generation
            indexes, which the new index can only get from the switch re-queuing what changed."""
            doc, version = writer.write()
            wait_until(lambda: dict(runtime.index.versions()).get(doc) == version, 60, "the live worker lags")

        searcher = threading.Thread(target=search_all_the_time)
        writing = threading.Thread(target=writer.run)
        searcher.start()
        writing.start()
        try:
            wait_until(lambda: len(answered) >= 3 and len(writer.at) >= 3, 60, "no searches or writes before")
            started = time.monotonic()
            database = Database.open(settings.sqlalchemy_url)
            try:
                done = rebuild(settings, database, new_model, client=client, progress=write_and_see_it_live)
            finally:
                database.close()
            finished = time.monotonic()
            wait_until(lambda: runtime.live.name == done.name, 60, "the service did not follow the switch")
            followed = time.monotonic()
            switched_at = len(answered)
            wait_until(
                lambda: len(answered) >= switched_at + 5 and writer.between(followed, time.monotonic()) >= 3,
                60,
                "no searches or writes after the switch",
            )
        finally:
            writer.stop.set()
            writing.join(60)
            stop_searching.set()
            searcher.join(60)
        assert not writing.is_alive() and not searcher.is_alive()

        def missing() -> dict[uuid.UUID, tuple[int, int | None]]:
            held = dict(runtime.index.versions())
            return {doc: (v, held.get(doc)) for doc, v in writer.acknowledged.items() if held.get(doc) != v}

        # Once the worker has drained, every acknowledged write is in the new index at the version acknowledged.
        deadline = time.monotonic() + SETTLE_SECONDS
        while missing() and time.monotonic() < deadline:
            time.sleep(0.2)
        lost = missing()

    assert not writer.errors, writer.errors
    assert not failures, failures[:3]
    assert len(answered) > 10
    assert writer.between(started, finished) >= 5, "the writes must go on while the rebuild runs"
    assert not lost, f"{len(lost)} of {len(writer.acknowledged)} acknowledged writes not in the index: {lost}"
    assert runtime.live.name == done.name
    if new_model == BUNDLED_MODEL:
        assert runtime.embedder.name == BUNDLED_MODEL and runtime.embedder.dimension == 384
    assert done.previous == old_name != done.name
    if settings.uses_embedded_index:
        wait_until(lambda: not (settings.data_dir / old_name).exists(), 10, "the old index folder stayed")
