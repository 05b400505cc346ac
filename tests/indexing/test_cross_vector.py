"""A two-model index: every point carries a second named dense vector (``cross``), and the meta records both models.
The same calls on both adapters (qdrant-edge, qdrant-client in memory), and a one-model index stays as it was."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from core.errors import IndexMismatch
from core.settings import Settings
from indexing.edge_index import META_FILE
from indexing.factory import open_index
from indexing.index import CROSS, IndexFilter, IndexMeta, IndexPoint, IndexQuery, VectorIndex
from indexing.lexical import LexicalEncoder, SparseVec

pytestmark = pytest.mark.sqlite_pass

ONE_MODEL = IndexMeta("primary-model", 4)
TWO_MODELS = IndexMeta("primary-model", 4, cross_model="cross-model", cross_dimension=3)
LEXICAL = LexicalEncoder()
DOC_A, DOC_B = uuid.UUID(int=1), uuid.UUID(int=2)


def close(index: VectorIndex, client: object) -> None:
    if client is None:  # a server index closes the shared client with it
        index.close()


def point(doc: uuid.UUID, number: int, dense: list[float], cross: list[float] | None) -> IndexPoint:
    payload = {"doc_id": str(doc), "doc_type": "practice", "version": 1, "section": "summary", "chunk": number}
    payload["head"] = int(number == 0)
    sparse = LEXICAL.document("schulden jongeren", "nl") if number == 0 else SparseVec([], [])
    return IndexPoint(uuid.uuid5(doc, str(number)), dense, sparse, payload, cross)


def test_both_vectors_are_stored_and_searched_by_name(backend: tuple[Settings, object]) -> None:
    settings, client = backend
    index = open_index(settings, TWO_MODELS, client=client)  # type: ignore[arg-type]
    # The two models disagree on purpose: A is nearest by the primary vector, B by the cross one.
    index.upsert(
        [
            point(DOC_A, 0, [1, 0, 0, 0], [0, 1, 0]),
            point(DOC_A, 1, [0.9, 0.1, 0, 0], [0, 0.9, 0.1]),
            point(DOC_B, 0, [0, 1, 0, 0], [1, 0, 0]),
        ]
    )
    primary = index.query(IndexQuery([1, 0, 0, 0], None, IndexFilter(), limit=1))
    crossing = index.query(IndexQuery([1, 0, 0], None, IndexFilter(), limit=1, using=CROSS))
    assert primary[0].payload["doc_id"] == str(DOC_A)
    assert crossing[0].payload["doc_id"] == str(DOC_B)
    assert crossing[0].score == pytest.approx(1.0, abs=1e-5)
    # vectors_of keeps answering with the primary vectors; the cross ones are there when asked for.
    assert sorted(len(v) for v in index.vectors_of(DOC_A)) == [4, 4]
    assert sorted(round(v[1], 3) for v in index.vectors_of(DOC_A, CROSS)) == [0.994, 1.0]
    close(index, client)


def test_a_changed_cross_model_is_refused_until_reindex(backend: tuple[Settings, object]) -> None:
    settings, client = backend
    first = open_index(settings, TWO_MODELS, client=client)  # type: ignore[arg-type]
    first.upsert([point(DOC_A, 0, [1, 0, 0, 0], [0, 1, 0])])
    close(first, client)
    for changed in (
        IndexMeta("primary-model", 4, cross_model="another-cross-model", cross_dimension=3),
        IndexMeta("primary-model", 4, cross_model="cross-model", cross_dimension=5),
        ONE_MODEL,  # the cross model taken away
    ):
        with pytest.raises(IndexMismatch, match="reindex"):
            open_index(settings, changed, client=client)  # type: ignore[arg-type]
    again = open_index(settings, TWO_MODELS, client=client)  # type: ignore[arg-type]
    assert again.count() == 1
    close(again, client)


def test_a_one_model_index_refuses_a_cross_model_and_keeps_its_meta(backend: tuple[Settings, object]) -> None:
    settings, client = backend
    first = open_index(settings, ONE_MODEL, client=client)  # type: ignore[arg-type]
    first.upsert([point(DOC_A, 0, [1, 0, 0, 0], None)])
    close(first, client)
    with pytest.raises(IndexMismatch, match="reindex"):
        open_index(settings, TWO_MODELS, client=client)  # type: ignore[arg-type]
    again = open_index(settings, ONE_MODEL, client=client)  # type: ignore[arg-type]
    assert again.count() == 1
    close(again, client)


def test_the_meta_of_an_index_made_before_cross_vectors_still_opens(tmp_path: Path) -> None:
    """A folder whose meta file was written by the one-model code (no cross keys) opens with a one-model setting."""
    settings = Settings(data_dir=tmp_path, qdrant_url=None)
    index = open_index(settings, ONE_MODEL)
    index.upsert([point(DOC_A, 0, [1, 0, 0, 0], None)])
    index.close()
    meta_file = tmp_path / "index" / META_FILE
    old = {"model": "primary-model", "dimension": 4, "lexical": ONE_MODEL.lexical, "layout": ONE_MODEL.layout}
    written = json.loads(meta_file.read_text())
    assert {key: written[key] for key in old} == old and "cross_model" not in written
    meta_file.write_text(json.dumps(old))  # what the one-model code wrote, key for key (no storage key yet)
    reopened = open_index(settings, ONE_MODEL)
    assert reopened.count() == 1
    reopened.close()
