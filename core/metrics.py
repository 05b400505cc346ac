"""Prometheus metrics of one process, in a registry of their own (served at ``/metrics`` by api.metrics).

Counters live here, not in the API, because the events happen in services and the index worker.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

REQUEST_SECONDS = Histogram(
    "praktijkbank_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template (never the raw path: ids would explode the series).",
    ["method", "route", "status"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
SEARCHES = Counter(
    "praktijkbank_searches_total",
    "Searches and questions answered, by kind (search, ask).",
    ["kind"],
    registry=REGISTRY,
)
ZERO_RESULTS = Counter(
    "praktijkbank_zero_result_searches_total",
    "Searches that found nothing the caller may see.",
    ["kind"],
    registry=REGISTRY,
)
WEAK_SEARCHES = Counter(
    "praktijkbank_weak_searches_total",
    "Searches whose best hit stayed under the model's knowledge-gap similarity bar.",
    ["kind"],
    registry=REGISTRY,
)
EMBED_SECONDS = Histogram(
    "praktijkbank_embedding_seconds",
    "Time the model took to embed, by call (query: one text; documents: one batch).",
    ["call"],
    registry=REGISTRY,
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
INDEX_QUEUE = Gauge(
    "praktijkbank_index_queue_depth", "Index tasks waiting (read from SQL at scrape time).", registry=REGISTRY
)
INDEX_FAILING = Gauge("praktijkbank_index_queue_failing", "Index tasks whose last attempt failed.", registry=REGISTRY)
INDEX_LAG = Gauge(
    "praktijkbank_index_lag_seconds",
    "Age of the oldest waiting index task; 0 when the index is in step.",
    registry=REGISTRY,
)


@contextmanager
def timed(histogram: Histogram, *labels: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        histogram.labels(*labels).observe(time.perf_counter() - started)


class TimedEmbedder:
    """Wraps an embedder so every call is timed; everything else passes through."""

    def __init__(self, inner: object) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> object:
        value = getattr(self._inner, name)
        if name == "embed_queries":  # optional, batch-first: present only where the inner embedder has it

            def embed_queries(texts: list[str]) -> list[list[float]]:
                with timed(EMBED_SECONDS, "query"):
                    return value(texts)  # type: ignore[no-any-return]

            return embed_queries
        return value

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        with timed(EMBED_SECONDS, "documents"):
            return self._inner.embed_documents(texts)  # type: ignore[attr-defined,no-any-return]

    def embed_query(self, text: str) -> list[float]:
        with timed(EMBED_SECONDS, "query"):
            return self._inner.embed_query(text)  # type: ignore[attr-defined,no-any-return]
