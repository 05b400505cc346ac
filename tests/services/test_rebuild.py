"""``reindex --model``: a new index is built beside the live one while the service answers, then the service
switches to it. Searches throughout never fail and never come back empty; writes made meanwhile are not lost."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from core.profiles import BUNDLED_MODEL
from core.settings import Settings
from indexing.embedder import Embedder
from services.rebuild import rebuild
from services.runtime import Runtime
from storage.database import Database
from tests.conftest import TEST_MODEL, PgDatabases, bearer, make_account, make_database_url, make_settings, seed
from tests.factories import practice_body


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
# same in both; ~20 s each).
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
    overrides: dict[str, object] = {"worker_poll_seconds": 0.2}
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


def test_searches_never_fail_or_come_back_empty_during_a_model_change(
    serving: tuple[Settings, Runtime, str],
) -> None:
    settings, runtime, new_model = serving
    client = getattr(runtime, "_client", None)
    old_name = runtime.live.name
    app = create_app(settings, runtime=runtime)
    token = make_account(runtime, "redacteur@test.nl", "Redacteur", admin=True)
    failures: list[str] = []
    answered: list[int] = []
    stop = threading.Event()
    with TestClient(app, raise_server_exceptions=False, headers=bearer(token)) as http:

        def search_all_the_time() -> None:
            while not stop.is_set():
                response = http.get("/api/v1/search", params={"q": "schulden voorkomen bij jongeren"})
                hits = response.json().get("hits", []) if response.status_code == 200 else []
                if response.status_code != 200 or not hits:
                    failures.append(f"{response.status_code} {response.text[:300]}")
                answered.append(len(hits))

        searcher = threading.Thread(target=search_all_the_time)
        searcher.start()
        try:
            while len(answered) < 3:
                time.sleep(0.05)
            during = _create(http, "Budgetcursus tijdens de herindexering")
            database = Database.open(settings.sqlalchemy_url)
            try:
                done = rebuild(settings, database, new_model, client=client)
            finally:
                database.close()
            deadline = time.monotonic() + 60
            while runtime.live.name != done.name:
                assert time.monotonic() < deadline, "the service did not follow the switch"
                time.sleep(0.1)
            switched_at = len(answered)
            while len(answered) < switched_at + 5:
                time.sleep(0.05)
            after = _create(http, "Budgetcursus na de herindexering")
            deadline = time.monotonic() + 60
            while runtime.index.count() < sum(done.in_sql.values()) + 1:
                assert time.monotonic() < deadline, "writes did not reach the new index"
                time.sleep(0.1)
        finally:
            stop.set()
            searcher.join(60)
        found = {
            hit["practice"]["id"]
            for hit in http.get("/api/v1/search", params={"q": "budgetcursus herindexering"}).json()["hits"]
        }

    assert not failures, failures[:3]
    assert len(answered) > 10
    if new_model == BUNDLED_MODEL:
        assert runtime.embedder.name == BUNDLED_MODEL and runtime.embedder.dimension == 384
    assert done.previous == old_name != done.name
    assert {during, after} <= found  # made during the rebuild and after the switch: both in the new index
    if settings.uses_embedded_index:
        deadline = time.monotonic() + 10
        while (settings.data_dir / old_name).exists():
            assert time.monotonic() < deadline, "the old index folder stayed"
            time.sleep(0.1)


def _create(http: TestClient, title: str) -> str:
    body = practice_body(
        title=title,
        summary=f"{title}: jongeren leren een begroting maken en schulden voorkomen.",
        status="published",
    )
    response = http.post("/api/v1/practices", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])
