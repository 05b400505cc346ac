"""Concurrent query embeddings share model calls and give the same vectors as one query at a time."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from indexing.embedder import Embedder
from indexing.query_encoder import LruCache, QueryBatcher

pytestmark = pytest.mark.sqlite_pass

QUESTIONS = [
    "schulden voorkomen bij jongeren",
    "eenzaamheid onder ouderen",
    "thuiszitters terug naar school",
    "Housing First results for rough sleepers",
] * 8


@pytest.fixture
def batching(embedder: Embedder, cross_embedder: Embedder | None) -> Embedder:
    """The default profile's model that embeds several queries in one call (USE; e5 quantises activations per
    batch, so it embeds each query alone)."""
    models = [m for m in (embedder, cross_embedder) if m is not None and getattr(m, "embed_queries", None)]
    assert models, "a model of the default profile embeds several queries in one call"
    return models[0]


def test_concurrent_queries_are_embedded_together_with_the_same_vectors(batching: Embedder) -> None:
    embedder = batching
    calls: list[int] = []
    lock = threading.Lock()
    many: Callable[[list[str]], list[list[float]]] | None = getattr(embedder, "embed_queries", None)
    assert many is not None
    embed_many: Callable[[list[str]], list[list[float]]] = many

    class Counting:
        def __getattr__(self, name: str) -> object:
            return getattr(embedder, name)

        def embed_queries(self, texts: list[str]) -> list[list[float]]:
            with lock:
                calls.append(len(texts))
            return embed_many(texts)

    batcher = QueryBatcher(Counting())  # type: ignore[arg-type]
    barrier = threading.Barrier(len(QUESTIONS))

    def ask(text: str) -> list[float]:
        barrier.wait()
        return batcher.embed(text)

    with ThreadPoolExecutor(len(QUESTIONS)) as pool:
        vectors = list(pool.map(ask, QUESTIONS))
    assert sum(calls) <= len(QUESTIONS) and len(calls) < len(QUESTIONS)  # fewer model calls than queries
    for text, vector in zip(QUESTIONS, vectors, strict=True):
        assert np.allclose(vector, embedder.embed_query(text), atol=1e-5)


def test_the_cache_keeps_the_most_recent() -> None:
    cache: LruCache[str, int] = LruCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a is now the most recent
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    off: LruCache[str, int] = LruCache(0)
    off.put("a", 1)
    assert off.get("a") is None
