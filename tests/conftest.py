"""Shared fixtures. The database backend comes from PRAKTIJKBANK_TEST_DB (sqlite, the default, or postgresql);
the suite runs on each, but for the tests marked ``sqlite_pass`` or ``postgresql_pass`` (below). The embedding models
are the real default profile's (PRAKTIJKBANK_TEST_MODEL names another profile), loaded once per session; each text
is encoded once per session (``Memo``): the seeds are indexed by many fixtures, and the model's answer for a text
does not change."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.app import create_app
from core.profiles import profile_for
from core.settings import DEFAULT_MODEL, PROJECT_ROOT, Settings
from indexing.embedder import Embedder, load_embedder
from services.runtime import Runtime
from services.seeding import import_path
from storage.database import unit_of_work
from tests import servers

BACKEND = os.environ.get("PRAKTIJKBANK_TEST_DB", "sqlite")
SEED_DIR = PROJECT_ROOT / "seed_practices"
TEST_MODEL = os.environ.get("PRAKTIJKBANK_TEST_MODEL", DEFAULT_MODEL)  # a model profile (core/profiles.py)
TEST_PROFILE = profile_for(TEST_MODEL)


def pytest_report_header() -> str:
    return f"praktijkbank database backend: {BACKEND}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``sqlite_pass`` check what the SQL backend cannot change (the index engines, the models, ranking,
    what a browser sees of a page): they run once, in the SQLite pass, and the PostgreSQL pass deselects them.
    Tests marked ``postgresql_pass`` check a deployment that needs a database server: the SQLite pass deselects
    them."""
    other = "postgresql_pass" if BACKEND == "sqlite" else "sqlite_pass"
    elsewhere = [item for item in items if item.get_closest_marker(other)]
    if elsewhere:
        config.hook.pytest_deselected(items=elsewhere)
        items[:] = [item for item in items if not item.get_closest_marker(other)]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """In CI a skip fails the test, unless a ``skipif`` marker declares its condition (the database backend, say):
    a skip because the machine lacked something (a server, a package, the evaluation data, a calibration) would be
    a green run that tested less."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if servers.IN_CI and report.skipped and not item.get_closest_marker("skipif"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where a skip must be declared with skipif: {report.longrepr}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    """The same for a whole module skipped while it is collected (``importorskip`` of a missing package)."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if servers.IN_CI and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped in CI: {report.longrepr}"


class PgDatabases:
    """Creates throw-away PostgreSQL databases and drops them at the end of the session."""

    def __init__(self, admin_url: str) -> None:
        self._url = admin_url
        self._admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self._made: list[str] = []

    def fresh(self) -> str:
        name = f"pb_test_{uuid.uuid4().hex[:12]}"
        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self._made.append(name)
        return self._url.rsplit("/", 1)[0] + f"/{name}"

    def drop_all(self) -> None:
        with self._admin.connect() as conn:
            for name in self._made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self._admin.dispose()


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[PgDatabases | None]:
    """In the PostgreSQL pass: the server at PRAKTIJKBANK_TEST_PG_URL, or one of the suite's own (tests/servers.py)."""
    if BACKEND != "postgresql":
        yield None
        return
    with contextlib.ExitStack() as stack:
        answers = servers.pg_answers(servers.PG_URL)
        databases = PgDatabases(servers.PG_URL if answers else stack.enter_context(servers.throwaway_postgres()))
        yield databases
        databases.drop_all()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The Redis at PRAKTIJKBANK_TEST_REDIS_URL, or one of the suite's own (tests/servers.py)."""
    if servers.redis_answers(servers.REDIS_URL):
        yield servers.REDIS_URL
        return
    with servers.throwaway_redis() as url:
        yield url


def make_database_url(folder: Path, pg: PgDatabases | None) -> str:
    if pg is not None:
        return pg.fresh()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'test.sqlite3'}"


class Memo:
    """A real model whose document and query vectors are kept per text for the session; everything else is the
    model's own."""

    def __init__(self, model: Embedder) -> None:
        self.model = model
        self._documents: dict[str, list[float]] = {}
        self._queries: dict[str, list[float]] = {}

    def __getattr__(self, name: str) -> object:
        return getattr(self.model, name)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        missing = [t for t in dict.fromkeys(texts) if t not in self._documents]
        if missing:
            self._documents.update(zip(missing, self.model.embed_documents(missing), strict=True))
        return [self._documents[t] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        if text not in self._queries:
            self._queries[text] = self.model.embed_query(text)
        return self._queries[text]


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The test profile's primary model."""
    return Memo(load_embedder(TEST_PROFILE.model))  # type: ignore[return-value]  # the model's protocol, forwarded


@pytest.fixture(scope="session")
def cross_embedder() -> Embedder | None:
    """The test profile's second model (the cross-language leg), None for a one-model profile."""
    return Memo(load_embedder(TEST_PROFILE.cross)) if TEST_PROFILE.cross else None  # type: ignore[return-value]


@pytest.fixture(scope="session")
def loaded_models(embedder: Embedder, cross_embedder: Embedder | None) -> dict[str, Embedder]:
    """The session's models by name, to which ``shared_models`` adds any other it is asked for."""
    models = {TEST_PROFILE.model: embedder}
    if TEST_PROFILE.cross and cross_embedder is not None:
        models[TEST_PROFILE.cross] = cross_embedder
    return models


@pytest.fixture
def shared_models(monkeypatch: pytest.MonkeyPatch, loaded_models: dict[str, Embedder]) -> None:
    """Code that loads its models by name itself (a CLI command's runtime, an app without a runtime) gets the
    session's: each model loaded once, each text encoded once (``Memo``). The batch size and thread count a
    caller asks for are the real model's business and are not applied to a shared one; a name that fails to load
    fails as before."""
    import indexing.factory
    import services.runtime

    def load(model: str, **_options: object) -> Embedder:
        if model not in loaded_models:
            loaded_models[model] = Memo(load_embedder(model))  # type: ignore[assignment]
        return loaded_models[model]

    monkeypatch.setattr(services.runtime, "load_embedder", load)
    monkeypatch.setattr(indexing.factory, "load_embedder", load)


def make_settings(data_dir: Path, database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "database_url": database_url,
        "seed_on_first_start": False,
        "run_worker": False,
        "qdrant_url": None,
        "embedding_model": TEST_MODEL,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path, pg_databases: PgDatabases | None) -> Settings:
    return make_settings(tmp_path / "data", make_database_url(tmp_path / "db", pg_databases))


@pytest.fixture
def runtime(settings: Settings, embedder: Embedder, cross_embedder: Embedder | None) -> Iterator[Runtime]:
    rt = Runtime.build(settings, embedder=embedder, cross=cross_embedder)
    yield rt
    rt.close()


def make_account(runtime: Runtime, email: str, name: str, *, admin: bool = False, password: str | None = None) -> str:
    """An account with a fresh API token; returns the token."""
    from services import auth

    with unit_of_work(runtime.sessions) as session:
        account = auth.create_account(session, email=email, name=name, password=password, is_admin=admin)
        return auth.issue_token(session, account, "tests").secret


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def app(settings: Settings, runtime: Runtime) -> FastAPI:
    return create_app(settings, runtime=runtime)


@pytest.fixture
def client(app: FastAPI, runtime: Runtime) -> Iterator[TestClient]:
    """Signed in as an admin: most tests are about what practices do, not about who may do it."""
    token = make_account(runtime, "admin@test.nl", "Admin Tester", admin=True)
    with TestClient(app, raise_server_exceptions=False, headers=bearer(token)) as test_client:
        yield test_client


@pytest.fixture
def anon(app: FastAPI) -> Iterator[TestClient]:
    """The same service, asked by nobody in particular."""
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def seed(runtime: Runtime, folder: Path = SEED_DIR) -> int:  # practices and, when present, their network
    with unit_of_work(runtime.sessions) as session:
        report, _network = import_path(session, folder)
    assert not report.errors, report.errors
    runtime.worker.drain()
    return report.created


@contextlib.contextmanager
def runtime_in(
    folder: Path, pg: PgDatabases | None, embedder: Embedder, cross: Embedder | None, **overrides: object
) -> Iterator[Runtime]:
    """A runtime with a database and index of its own in ``folder``, closed at the end."""
    settings = make_settings(folder / "data", make_database_url(folder / "db", pg), **overrides)
    rt = Runtime.build(settings, embedder=embedder, cross=cross)
    try:
        yield rt
    finally:
        rt.close()


RuntimeMaker = Callable[..., contextlib.AbstractContextManager[Runtime]]


@pytest.fixture(scope="module")
def new_runtime(
    tmp_path_factory: pytest.TempPathFactory,
    pg_databases: PgDatabases | None,
    embedder: Embedder,
    cross_embedder: Embedder | None,
) -> RuntimeMaker:
    """Makes runtimes of the test module's own: ``with new_runtime("name", **settings) as rt``."""

    def make(name: str, **overrides: object) -> contextlib.AbstractContextManager[Runtime]:
        return runtime_in(tmp_path_factory.mktemp(name), pg_databases, embedder, cross_embedder, **overrides)

    return make


@pytest.fixture(scope="module")
def module_runtime(new_runtime: RuntimeMaker) -> Iterator[Runtime]:
    """A database and index of the test module's own, for modules that build a small world once
    (``tests.factories.make_world``). Its write limit is out of the way: the limit has tests of its own."""
    with new_runtime("module", writes_per_minute=10_000) as rt:
        yield rt


@pytest.fixture(scope="session")
def seeded_runtime(
    tmp_path_factory: pytest.TempPathFactory,
    pg_databases: PgDatabases | None,
    embedder: Embedder,
    cross_embedder: Embedder | None,
) -> Iterator[Runtime]:
    """One instance with all seed practices indexed, shared by read-only tests."""
    with runtime_in(tmp_path_factory.mktemp("seeded"), pg_databases, embedder, cross_embedder) as rt:
        seed(rt)
        yield rt


@pytest.fixture(scope="session")
def seeded_client(seeded_runtime: Runtime) -> Iterator[TestClient]:
    app = create_app(seeded_runtime.settings, runtime=seeded_runtime)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
