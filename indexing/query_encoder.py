"""Query embeddings for many concurrent searches: concurrent misses are embedded together in one model call
(micro-batches), and recent queries come from a small cache (people repeat searches, pages re-ask them)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from typing import Generic, TypeVar

from indexing.embedder import Embedder

K = TypeVar("K")
V = TypeVar("V")


class LruCache(Generic[K, V]):
    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


class QueryBatcher:
    """``embed(text)`` from many threads; while the model works on one batch, new queries queue, and the thread
    that finished takes the whole queue as the next batch. No timer: a lone query goes straight to the model."""

    def __init__(self, embedder: Embedder, *, max_batch: int = 32) -> None:
        self._embedder = embedder
        self._many: Callable[[list[str]], list[list[float]]] = getattr(embedder, "embed_queries", None) or (
            lambda texts: [embedder.embed_query(t) for t in texts]
        )
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._pending: list[tuple[str, Future[list[float]]]] = []
        self._busy = False

    def embed(self, text: str) -> list[float]:
        future: Future[list[float]] = Future()
        with self._lock:
            self._pending.append((text, future))
            if self._busy:
                lead = False
            else:
                self._busy = lead = True
        if lead:
            self._run()
        return future.result()

    def _run(self) -> None:
        while True:
            with self._lock:
                batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
                if not batch:
                    self._busy = False
                    return
            texts = list(dict.fromkeys(text for text, _ in batch))
            try:
                vectors = dict(zip(texts, self._many(texts), strict=True))
            except BaseException as exc:
                for _, future in batch:
                    future.set_exception(exc)
                continue
            for text, future in batch:
                future.set_result(vectors[text])
