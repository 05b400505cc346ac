"""Rate limits live in a store every service process shares (SQL, or Redis when configured): a second process
counts against the same limit, and concurrent hits never let more through than the limit."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from api.ratelimit import LimitStore, RedisLimitStore, SlidingWindow, SqlLimitStore
from core.errors import TooManyRequests
from storage.database import Database
from tests.conftest import PgDatabases, make_database_url


@pytest.fixture(params=["sql", "redis"])
def two_stores(
    request: pytest.FixtureRequest, tmp_path: Path, pg_databases: PgDatabases | None
) -> Iterator[tuple[LimitStore, LimitStore]]:
    """Two stores as two service processes have them: each its own connection pool (or Redis client). Redis is the one
    at PRAKTIJKBANK_TEST_REDIS_URL or, when none answers there, a throwaway of the suite's own (``redis_url``)."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        prefix = f"test-{uuid.uuid4().hex}:"
        first, second = RedisLimitStore(url, prefix), RedisLimitStore(url, prefix)
        yield first, second
        first.close()
        second.close()
        return
    url = make_database_url(tmp_path / "db", pg_databases)
    one, two = Database.open(url), Database.open(url)
    yield SqlLimitStore(one.sessions), SqlLimitStore(two.sessions)
    one.close()
    two.close()


def test_a_second_process_counts_against_the_same_limit(two_stores: tuple[LimitStore, LimitStore]) -> None:
    first = SlidingWindow(two_stores[0], "write", 3, 60)
    second = SlidingWindow(two_stores[1], "write", 3, 60)
    first.hit("account:a")
    second.hit("account:a")
    first.hit("account:a")
    with pytest.raises(TooManyRequests) as refused:
        second.hit("account:a")
    assert 1 <= refused.value.extra["retry_after"] <= 61
    assert first.blocked("account:a") and second.blocked("account:a")
    second.hit("account:b")  # another key has its own window
    first.reset("account:a")
    assert not second.blocked("account:a")


def test_concurrent_hits_from_two_processes_let_exactly_the_limit_through(
    two_stores: tuple[LimitStore, LimitStore],
) -> None:
    windows = [SlidingWindow(store, "sign-in", 5, 900) for store in two_stores]

    def attempt(i: int) -> bool:
        try:
            windows[i % 2].hit("someone@test.nl|127.0.0.1")
        except TooManyRequests:
            return False
        return True

    with ThreadPoolExecutor(8) as pool:
        passed: list[bool] = list(pool.map(attempt, range(40)))
    assert sum(passed) == 5


def test_the_window_slides(two_stores: tuple[LimitStore, LimitStore]) -> None:
    import time

    window = SlidingWindow(two_stores[0], "write", 2, 1.0)
    window.hit("k")
    window.hit("k")
    with pytest.raises(TooManyRequests):
        window.hit("k")
    time.sleep(1.1)
    window.hit("k")  # the first two fell out of the window
