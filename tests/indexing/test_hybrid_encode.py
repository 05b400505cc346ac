"""A hybrid query's two embeddings (the pair's primary and cross models) run at the same time, with the vectors of
one after the other; the cache, shared model calls, errors and the other modes keep working."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

import numpy as np
import pytest

from indexing.embedder import Embedder
from indexing.index import VectorIndex
from indexing.lexical import LexicalEncoder
from indexing.search import HybridSearcher, SearchMode

pytestmark = pytest.mark.sqlite_pass

QUESTIONS = [
    "Hoe voorkom je dat mensen na een schuldregeling terugvallen in nieuwe schulden?",
    "aanpak huisuitzetting voorkomen bij huurachterstand",
    "vroegsignalering eenzaamheid ouderen na overlijden partner",
    "Housing First results for rough sleepers",
    "jongeren die hun bankpas uitlenen aan criminelen, wat kan school doen",
    "intervisie methode voor leercoaches",
]
NO_INDEX = cast(VectorIndex, object())  # encoding never touches the index


class Recording:
    """A model that takes ``seconds`` per call (sleeping, as a model's kernels release the GIL) and records when."""

    def __init__(self, name: str, seconds: float = 0.05, *, batches: bool = False, fails: bool = False) -> None:
        self.name, self.dimension, self.multilingual = name, 2, True
        self.seconds, self.fails = seconds, fails
        self.calls: list[tuple[float, float, int]] = []  # (start, end, queries)
        self._lock = threading.Lock()
        if batches:
            self.embed_queries = self._embed_many

    def _embed_many(self, texts: list[str]) -> list[list[float]]:
        start = time.perf_counter()
        time.sleep(self.seconds)
        with self._lock:
            self.calls.append((start, time.perf_counter(), len(texts)))
        if self.fails:
            raise ValueError(f"{self.name} failed")
        return [[float(len(t)), float(len(self.name))] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._embed_many([text])[0]


def searcher(primary: Any, cross: Any | None, cache_size: int = 0) -> HybridSearcher:
    return HybridSearcher(NO_INDEX, primary, LexicalEncoder(), cache_size=cache_size, cross=cross)


def test_the_two_embeddings_of_a_hybrid_query_overlap_in_time() -> None:
    primary, cross = Recording("e5"), Recording("use", batches=True)
    start = time.perf_counter()
    vectors = searcher(primary, cross).encode(QUESTIONS[0])
    wall = time.perf_counter() - start
    (p_start, p_end, _), (c_start, c_end, _) = primary.calls[0], cross.calls[0]
    assert p_start < c_end and c_start < p_end  # at the same time
    assert wall < 0.09  # not 0.05 + 0.05
    assert vectors.dense == [float(len(QUESTIONS[0])), 2.0] and vectors.cross == [float(len(QUESTIONS[0])), 3.0]


def test_concurrent_queries_share_the_cross_models_calls() -> None:
    primary, cross = Recording("e5", 0.01), Recording("use", 0.05, batches=True)
    search = searcher(primary, cross)
    barrier = threading.Barrier(8)

    def ask(text: str) -> list[float] | None:
        barrier.wait()
        return search.encode(text).cross

    texts = [f"{q} {i}" for i, q in enumerate(QUESTIONS + QUESTIONS[:2])]
    with ThreadPoolExecutor(8) as pool:
        crossed = list(pool.map(ask, texts))
    assert crossed == [[float(len(t)), 3.0] for t in texts]
    assert sum(n for _, _, n in cross.calls) == 8 and len(cross.calls) < 8
    assert len(primary.calls) == 8  # e5 embeds each query alone


def test_errors_of_either_model_reach_the_caller_and_the_next_query_works() -> None:
    for failing in ("primary", "cross"):
        primary = Recording("e5", 0.01, fails=failing == "primary")
        cross = Recording("use", 0.01, batches=True, fails=failing == "cross")
        search = searcher(primary, cross, cache_size=8)
        with pytest.raises(ValueError, match="failed"):
            search.encode(QUESTIONS[0])
        primary.fails = cross.fails = False
        assert search.encode(QUESTIONS[0]).cross == [float(len(QUESTIONS[0])), 3.0]


def test_modes_cache_and_one_model_profiles_call_only_what_they_need() -> None:
    primary, cross = Recording("e5", 0.01), Recording("use", 0.01, batches=True)
    search = searcher(primary, cross, cache_size=8)
    lexical = search.encode(QUESTIONS[1], SearchMode.LEXICAL)
    assert (lexical.dense, lexical.cross, bool(lexical.sparse)) == (None, None, True)
    dense = search.encode(QUESTIONS[1], SearchMode.DENSE)
    assert (dense.dense is not None, dense.sparse, dense.cross) == (True, None, None)
    assert (len(primary.calls), len(cross.calls)) == (1, 0)
    hybrid = search.encode(QUESTIONS[1])
    assert search.encode(QUESTIONS[1]) is hybrid  # from the cache
    assert (len(primary.calls), len(cross.calls)) == (2, 1)

    alone = Recording("use", 0.01, batches=True)
    single = searcher(alone, None).encode(QUESTIONS[1])
    assert (single.dense, single.cross, len(alone.calls)) == ([float(len(QUESTIONS[1])), 3.0], None, 1)


def test_concurrent_hybrid_queries_get_the_vectors_of_one_model_after_the_other(
    embedder: Embedder, cross_embedder: Embedder | None
) -> None:
    """The real models (unwrapped from the session's memo): every question asked by eight threads at once gets,
    bit for bit, the primary model's vector of that question alone, and the cross model's vector the sequential
    path gives it: alone the same bits, beside others within rounding (USE embeds concurrent queries in one call,
    as it did one model after the other)."""
    if cross_embedder is None:
        pytest.skip("a one-model profile")
    primary: Embedder = getattr(embedder, "model", embedder)
    cross: Embedder = getattr(cross_embedder, "model", cross_embedder)
    alone = {q: (primary.embed_query(q), cross.embed_query(q)) for q in QUESTIONS}
    search = searcher(primary, cross)
    assert {q: (v.dense, v.cross) for q in QUESTIONS for v in [search.encode(q)]} == alone

    barrier = threading.Barrier(len(QUESTIONS))

    def ask(text: str) -> tuple[list[float] | None, list[float] | None]:
        barrier.wait()
        vectors = search.encode(text)
        return vectors.dense, vectors.cross

    for _ in range(3):
        with ThreadPoolExecutor(len(QUESTIONS)) as pool:
            together = dict(zip(QUESTIONS, pool.map(ask, QUESTIONS), strict=True))
        assert {q: v[0] for q, v in together.items()} == {q: v[0] for q, v in alone.items()}  # bit for bit
        for q, (_, crossed) in together.items():  # one shared call: other matrix shapes, a rounding apart
            assert np.allclose(crossed or [], alone[q][1] or [], atol=1e-5)
