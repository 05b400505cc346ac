"""Sliding-window rate limits for writes and failed sign-ins, in a store every service process shares: the SQL
database by default, Redis when ``PRAKTIJKBANK_REDIS_URL`` is set. A limit holds however many processes serve."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import Annotated, Protocol

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from api.deps import AccountDep
from core.errors import TooManyRequests
from storage.base import utcnow
from storage.database import unit_of_work
from storage.repositories import rate_limits


class LimitStore(Protocol):
    def hit(self, key: str, limit: int, seconds: float) -> float | None:
        """Count one event unless ``limit`` events fall in the last ``seconds``; else the seconds to wait."""

    def count(self, key: str, seconds: float) -> int: ...

    def reset(self, key: str) -> None: ...


class SqlLimitStore:
    """Counts in the SQL database, each in its own short transaction: a request that fails still counted."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def hit(self, key: str, limit: int, seconds: float) -> float | None:
        with unit_of_work(self._sessions) as session:
            return rate_limits.hit(session, key, limit, timedelta(seconds=seconds), utcnow())

    def count(self, key: str, seconds: float) -> int:
        with unit_of_work(self._sessions) as session:
            return rate_limits.count(session, key, timedelta(seconds=seconds), utcnow())

    def reset(self, key: str) -> None:
        with unit_of_work(self._sessions) as session:
            rate_limits.reset(session, key)


# Trim, count and add in one step on the Redis server: two processes cannot both take the last place.
_HIT = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return tostring(tonumber(oldest[2]) + window - now)
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(window))
return false
"""


class RedisLimitStore:
    """Counts in Redis sorted sets (one per key, the event times as scores), expiring with their window."""

    def __init__(self, url: str, prefix: str = "praktijkbank:limit:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix
        self._hit = self._redis.register_script(_HIT)

    def hit(self, key: str, limit: int, seconds: float) -> float | None:
        wait = self._hit(keys=[self._prefix + key], args=[time.time(), seconds, limit, uuid.uuid4().hex])
        return None if wait is None else float(wait)

    def count(self, key: str, seconds: float) -> int:
        return int(self._redis.zcount(self._prefix + key, time.time() - seconds, "+inf"))

    def reset(self, key: str) -> None:
        self._redis.delete(self._prefix + key)

    def close(self) -> None:
        self._redis.close()


class SlidingWindow:
    """One limit (``limit`` events per ``seconds``) under a name, over a shared store."""

    def __init__(self, store: LimitStore, name: str, limit: int, seconds: float) -> None:
        self.store = store
        self.name = name
        self.limit = limit
        self.seconds = seconds

    def hit(self, key: str) -> None:
        """Count one event; raise 429 when the window is full."""
        wait = self.store.hit(f"{self.name}:{key}", self.limit, self.seconds)
        if wait is not None:
            retry = int(wait) + 1
            raise TooManyRequests(f"too many requests; try again in {retry} s", retry_after=retry)

    def blocked(self, key: str) -> bool:
        return self.store.count(f"{self.name}:{key}", self.seconds) >= self.limit

    def reset(self, key: str) -> None:
        self.store.reset(f"{self.name}:{key}")


def client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def limit_writes(request: Request, account: AccountDep) -> None:
    window: SlidingWindow = request.app.state.write_limit
    window.hit(f"account:{account.id}" if account is not None else f"ip:{client_key(request)}")


WriteLimited = Annotated[None, Depends(limit_writes)]


def limit_form_writes(request: Request, account: AccountDep) -> None:
    """A page form that writes counts against the same window as an API write (sign-in has a limiter of its own).
    On a page router: reading a page is not a write."""
    if request.method == "POST":
        limit_writes(request, account)
