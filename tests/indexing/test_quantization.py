"""`PRAKTIJKBANK_QDRANT_QUANTIZATION=int8` on the embedded engine: int8 vectors in RAM, the originals on disk, and
answers that agree with exact search."""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path
from typing import Literal

import numpy as np
import pytest
import qdrant_edge as qe

from core.settings import Settings
from indexing.edge_index import META_FILE
from indexing.factory import open_index
from indexing.index import (
    INTEGER_FIELDS,
    KEYWORD_FIELDS,
    IndexFilter,
    IndexMeta,
    IndexPoint,
    IndexQuery,
    VectorIndex,
)
from indexing.lexical import SparseVec

# No SQL here: the PostgreSQL pass of the suite would build the same indexes again.
pytestmark = pytest.mark.sqlite_pass

DIMENSION = 512
# Enough points for the engine to build its HNSW graph and quantised storage on optimize(): a smaller segment
# stays a plain (exact, unquantised) one.
POINTS = 12_000
META = IndexMeta("test-model", DIMENSION)


def _clustered(rng: np.random.Generator, count: int) -> np.ndarray:
    """Unit vectors around 200 centres, as text embeddings are: near neighbours exist and must be told apart."""
    centres = rng.normal(size=(200, DIMENSION))
    vectors = centres[rng.integers(0, 200, count)] + 0.6 * rng.normal(size=(count, DIMENSION))
    normalised: np.ndarray = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return normalised


def _build(data_dir: Path, quantization: Literal["none", "int8"], vectors: np.ndarray) -> VectorIndex:
    index = open_index(Settings(data_dir=data_dir, qdrant_url=None, qdrant_quantization=quantization), META)
    empty = SparseVec([], [])
    for start in range(0, len(vectors), 2000):
        index.upsert(
            [
                IndexPoint(uuid.UUID(int=i + 1), vector.tolist(), empty, {"doc_id": str(i), "head": 1})
                for i, vector in enumerate(vectors[start : start + 2000], start)
            ]
        )
    index.optimize()
    return index


def _recall(index: VectorIndex, vectors: np.ndarray, queries: np.ndarray) -> float:
    """Share of the exact top 10 (brute force) that the index returns."""
    found = 0
    for query in queries:
        exact = {str(i) for i in np.argsort(-(vectors @ query))[:10]}
        hits = index.query(IndexQuery(query.tolist(), None, IndexFilter(), limit=10))
        found += len(exact & {str(h.payload["doc_id"]) for h in hits})
    return found / (10 * len(queries))


def test_an_int8_index_stores_quantised_vectors_and_answers_as_the_float_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rng = np.random.default_rng(7)
    vectors = _clustered(rng, POINTS)
    queries = _clustered(rng, 40)
    index = _build(tmp_path / "int8", "int8", vectors)

    folder = tmp_path / "int8" / "index"
    assert json.loads((folder / META_FILE).read_text())["storage"] == {"quantization": "int8"}
    quantised = list(folder.glob("segments/*/vector_storage-dense/quantized.data"))
    # One byte per dimension and a float of offset per vector: a quarter of the float32 originals.
    assert sum(p.stat().st_size for p in quantised) == POINTS * (DIMENSION + 4)
    # Its payload indexes live on disk too (at 1M points they were ~700 MB of RAM), one per filtered field.
    schema = index._shard.info().payload_schema  # type: ignore[attr-defined]
    assert set(schema) == set(KEYWORD_FIELDS) | set(INTEGER_FIELDS) and not {"section", "chunk"} & set(schema)
    assert all(getattr(info.params, "memory", None) == qe.Memory.Cold for info in schema.values())

    # Quantisation (oversampled, rescored on the originals) costs little against the float index: both are
    # approximate (HNSW), and two builds of the same points differ (the engine builds its graph in parallel): on
    # these hard synthetic vectors, under a loaded suite run, by as much as a tenth of the exact top 10. Only a
    # larger loss fails.
    recall = _recall(index, vectors, queries)
    plain = _build(tmp_path / "float", "none", vectors)
    assert not list((tmp_path / "float" / "index").glob("segments/*/vector_storage-dense/quantized.data"))
    assert all(info.params is None for info in plain._shard.info().payload_schema.values())  # type: ignore[attr-defined]
    assert recall >= _recall(plain, vectors, queries) - 0.1
    assert recall >= 0.75
    plain.close()
    index.close()

    # A service configured without quantisation still answers from this index, and says how it is stored.
    with caplog.at_level(logging.WARNING, logger="indexing.edge_index"):
        reopened = open_index(Settings(data_dir=tmp_path / "int8", qdrant_url=None), META)
    assert "quantization 'int8', configured is 'none'" in caplog.text
    assert len(reopened.query(IndexQuery(queries[0].tolist(), None, IndexFilter(), limit=10))) == 10
    reopened.close()
