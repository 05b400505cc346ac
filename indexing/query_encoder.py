"""Query embeddings for many concurrent searches: concurrent misses are embedded together in one model call
(micro-batches), and recent queries come from a small cache (people repeat searches, pages re-ask them)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
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
    that finished takes the whole queue as the next batch. No timer: a lone query goes straight to the model. A
    model without ``embed_queries`` is called by each caller itself.

    ``submit(text)`` queues the same way but leaves the model's work to the batcher's own thread, so the caller can
    do something else meanwhile (embed with a second model: HybridSearcher.encode). That thread lives as long as the
    batcher (a thread pool of one, which ends when the batcher is collected)."""

    def __init__(self, embedder: Embedder, *, max_batch: int = 32) -> None:
        self._embedder = embedder
        many: Callable[[list[str]], list[list[float]]] | None = getattr(embedder, "embed_queries", None)
        # A model without ``embed_queries`` embeds one query per call (e5: its vectors would change in a batch):
        # queueing would only make concurrent callers wait in turn, so each caller runs it on its own thread, and
        # concurrent calls run in parallel (onnxruntime releases the GIL).
        self._alone = many is None
        self._many: Callable[[list[str]], list[list[float]]] = many or (
            lambda texts: [embedder.embed_query(t) for t in texts]
        )
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._pending: list[tuple[str, Future[list[float]]]] = []
        self._busy = False
        self._helper: ThreadPoolExecutor | None = None

    def submit(self, text: str) -> Future[list[float]]:
        """``text``'s vector, embedded on the batcher's thread (with other queued queries) or by the thread already
        working on a batch."""
        future: Future[list[float]] = Future()
        with self._lock:
            self._pending.append((text, future))
            if self._busy:
                return future
            self._busy = True
            if self._helper is None:
                self._helper = ThreadPoolExecutor(1, thread_name_prefix="query-embedding")
            helper = self._helper
        try:
            helper.submit(self._run)
        except RuntimeError:  # the interpreter is shutting down: no new threads; the caller embeds it
            self._run()
        return future

    def embed(self, text: str) -> list[float]:
        if self._alone:
            return self._embedder.embed_query(text)
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
