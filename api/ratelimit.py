"""In-process sliding-window rate limits for writes and failed sign-ins.

Per process: with several web processes each keeps its own count (a shared store such as Redis would be
the next step); the limits still cap what one process accepts.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from typing import Annotated

from fastapi import Depends, Request

from api.deps import AccountDep
from core.errors import TooManyRequests


class SlidingWindow:
    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        hits = self._hits[key]
        while hits and hits[0] <= now - self.seconds:
            hits.popleft()
        return hits

    def hit(self, key: str) -> None:
        """Count one event; raise 429 when the window is full."""
        with self._lock:
            now = time.monotonic()
            hits = self._recent(key, now)
            if len(hits) >= self.limit:
                retry = int(hits[0] + self.seconds - now) + 1
                raise TooManyRequests(f"too many requests; try again in {retry} s", retry_after=retry)
            hits.append(now)

    def blocked(self, key: str) -> bool:
        with self._lock:
            return len(self._recent(key, time.monotonic())) >= self.limit

    def reset(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)


def client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def limit_writes(request: Request, account: AccountDep) -> None:
    window: SlidingWindow = request.app.state.write_limit
    window.hit(f"account:{account.id}" if account is not None else f"ip:{client_key(request)}")


WriteLimited = Annotated[None, Depends(limit_writes)]
