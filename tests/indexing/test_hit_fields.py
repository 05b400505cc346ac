"""The embedded adapter's memory of hit fields: bounded, never the reason a hit goes missing, full from the start,
and right while searches and writes run at once."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
import qdrant_edge as qe

from core.settings import Settings
from indexing.edge_index import EdgeIndex, HitFields
from indexing.embedder import Embedder
from indexing.index import HIT_FIELDS, IndexFilter, IndexMeta, IndexPoint, IndexQuery
from indexing.lexical import LexicalEncoder, SparseVec
from services.runtime import Runtime

pytestmark = pytest.mark.sqlite_pass


A, B, C, D, GONE = (uuid.uuid4() for _ in range(5))  # as qdrant-edge gives ids: uuid.UUID objects


class Reader:
    def __init__(self) -> None:
        self.asked: list[list[uuid.UUID]] = []

    def __call__(self, point_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
        self.asked.append(point_ids)
        # The engine's records carry ids of their own: equal, not the same objects.
        return {uuid.UUID(str(p)): {"doc_id": str(p).upper(), "language": "nl"} for p in point_ids if p != GONE}


def docs(found: list[dict[str, Any] | None]) -> list[str | None]:
    return [f["doc_id"] if f else None for f in found]


def test_only_unknown_points_are_read_and_a_full_memory_still_answers_every_hit() -> None:
    read = Reader()
    fields = HitFields(2)
    assert docs(fields.of([A, B], read)) == [str(A).upper(), str(B).upper()]
    # A is the oldest entry: keeping C and D pushes it (and B) out, yet this answer holds all three, in order.
    assert docs(fields.of([A, C, D], read)) == [str(A).upper(), str(C).upper(), str(D).upper()]
    assert read.asked == [[A, B], [C, D]]
    assert docs(fields.of([C, D, A], read)) == [str(C).upper(), str(D).upper(), str(A).upper()]
    assert read.asked[-1] == [A]  # only what had aged out is read again
    assert docs(fields.of([GONE, C], read)) == [None, str(C).upper()]  # removed since the query: no fields


def test_a_write_rewrites_what_is_kept_and_a_zero_limit_keeps_nothing() -> None:
    read = Reader()
    fields = HitFields(10)
    fields.of([A], read)
    fields.rewritten([IndexPoint(A, [1.0], SparseVec([], []), {"doc_id": "X", "language": "en", "text": "t"})])
    assert fields.of([A], read) == [{"doc_id": "X", "language": "en"}]
    assert len(read.asked) == 1

    nothing = HitFields(0)
    assert docs(nothing.of([A], read)) == [str(A).upper()]
    assert docs(nothing.of([A], read)) == [str(A).upper()]
    assert read.asked[-2:] == [[A], [A]]


# --------------------------------------------------------------------------------------------- the embedded index

META = IndexMeta("test-model", 4)


def chunk(doc: uuid.UUID, number: int, language: str = "nl", version: int = 1) -> IndexPoint:
    head = number == 0
    payload = {"doc_id": str(doc), "section": "summary", "chunk": number, "language": language, "version": version}
    payload["head"] = int(head)
    return IndexPoint(uuid.uuid5(doc, f"summary/{number}"), [1.0, number / 10, 0.0, 0.0], SparseVec([], []), payload)


def engine_fields(index: EdgeIndex) -> dict[int, dict[str, Any]]:
    """Every point's hit fields as the engine stores them."""
    records, _ = index._shard.scroll(qe.ScrollRequest(limit=100_000, with_payload=list(HIT_FIELDS)))
    return {uuid.UUID(str(r.id)).int: r.payload or {} for r in records}


class CountingReads:
    """Counts the index's reads of hit fields from the engine."""

    def __init__(self, index: EdgeIndex, monkeypatch: pytest.MonkeyPatch) -> None:
        self.points = 0
        read = index._read_hit_fields

        def counted(point_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
            self.points += len(point_ids)
            return read(point_ids)

        monkeypatch.setattr(index, "_read_hit_fields", counted)


def test_a_filled_index_has_every_hit_field_in_memory_after_its_first_search(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    documents = [uuid.uuid4() for _ in range(30)]
    index = EdgeIndex(tmp_path / "index", META)
    index.upsert([chunk(doc, n, "en" if i % 3 else "nl") for i, doc in enumerate(documents) for n in range(9)])
    index.close()

    reopened = EdgeIndex(tmp_path / "index", META)
    try:
        found = reopened.query(IndexQuery([0.0, 0.0, 1.0, 0.0], None, IndexFilter(), limit=1))  # it starts warming
        assert reopened._warming is not None
        reopened._warming.join(30)
        reads = CountingReads(reopened, monkeypatch)
        hits = reopened.query(IndexQuery([1.0, 0.5, 0.0, 0.0], None, IndexFilter(), limit=270))
        assert len(hits) == 270
        assert reads.points == 0  # a never-seen question reads nothing from the engine
        stored = engine_fields(reopened)
        assert all(hit.payload == stored[uuid.UUID(str(hit.point_id)).int] for hit in hits)
        # A document's points share one string for its id (one the first search did not read a point of).
        other = next(str(doc) for doc in documents if str(doc) != found[0].payload["doc_id"])
        ids = [h.payload["doc_id"] for h in hits if h.payload["doc_id"] == other]
        assert len(ids) == 9 and all(d is ids[0] for d in ids)
    finally:
        reopened.close()


def test_warming_stops_at_the_bound_and_at_close(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index = EdgeIndex(tmp_path / "index", META)
    try:
        index.upsert([chunk(uuid.uuid4(), n) for n in range(9) for _ in range(5)])
        monkeypatch.setattr(index, "_hit_fields", HitFields(20))
        assert index.warm() == 20
        index._closing.set()
        monkeypatch.setattr(index, "_hit_fields", HitFields(100))
        assert index.warm() == 0
    finally:
        index.close()


def test_a_read_overtaken_by_a_write_does_not_bring_back_the_old_fields(tmp_path: Path) -> None:
    """A search reads a point's fields from the engine; before it keeps them, a new version in another language is
    written: the new fields stay."""
    doc = uuid.uuid4()
    index = EdgeIndex(tmp_path / "index", META)
    try:
        index.upsert([chunk(doc, 0, "nl")])
        fields = HitFields(10)
        read = index._read_hit_fields

        def slow_read(point_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
            old = read(point_ids)
            new = [chunk(doc, 0, "en", version=2)]
            index.upsert(new)
            fields.rewritten(new)
            return old

        point_id = chunk(doc, 0).id
        assert fields.of([point_id], slow_read)[0] == {
            "doc_id": str(doc),
            "section": "summary",
            "chunk": 0,
            "language": "nl",
        }  # this search saw the version it found
        assert fields.of([point_id], read)[0] == {
            "doc_id": str(doc),
            "section": "summary",
            "chunk": 0,
            "language": "en",
        }
    finally:
        index.close()


def test_memory_matches_the_engine_after_concurrent_searches_writes_and_removals(tmp_path: Path) -> None:
    """Warming, searches (which keep what they read), upserts (languages flip, versions rise) and removals, all at
    once: afterwards every kept point the engine still has carries the engine's fields, removed documents are
    forgotten, and no search saw a removed point or an error."""
    documents = [uuid.uuid4() for _ in range(40)]
    index = EdgeIndex(tmp_path / "index", META)
    index.upsert([chunk(doc, n) for doc in documents for n in range(6)])
    index.close()
    index = EdgeIndex(tmp_path / "index", META)
    errors: list[BaseException] = []
    stop = threading.Event()

    def searching() -> None:
        try:
            while not stop.is_set():
                for hit in index.query(IndexQuery([1.0, 0.3, 0.0, 0.0], None, IndexFilter(), limit=300)):
                    assert {"doc_id", "section", "chunk", "language"} <= hit.payload.keys()
        except BaseException as exc:
            errors.append(exc)

    def writing() -> None:
        try:
            for round_ in range(2, 8):
                for i, doc in enumerate(documents):
                    if (i + round_) % 5 == 0:
                        index.remove(doc)
                    else:
                        language = "en" if (i + round_) % 2 else "nl"
                        index.upsert([chunk(doc, n, language, round_) for n in range(6 - round_ % 3)])
                        index.remove(doc, keep_version=round_)
        except BaseException as exc:
            errors.append(exc)

    try:
        searchers = [threading.Thread(target=searching) for _ in range(3)]
        warmer = index.warm_in_background()
        writer = threading.Thread(target=writing)
        for thread in [*searchers, writer]:
            thread.start()
        writer.join(120)
        warmer.join(30)
        stop.set()
        for thread in searchers:
            thread.join(30)
        assert not errors
        stored = engine_fields(index)
        kept = index._hit_fields._fields
        assert {key: kept[key] for key in stored if key in kept} == {key: stored[key] for key in stored if key in kept}
        assert stored.keys() <= kept.keys()  # everything the engine has is in memory
        index.remove(documents[1])
        assert not any(k in kept for k in (chunk(documents[1], n).id.int for n in range(6)))
    finally:
        index.close()


def test_a_restarted_service_reads_no_hit_fields_once_warm(
    settings: Settings, embedder: Embedder, cross_embedder: Embedder | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A service (re)started on a filled index answers a never-seen question without reading hit fields from the
    engine, once the warming its first search started is done."""
    runtime = Runtime.build(settings, embedder=embedder, cross=cross_embedder)
    documents = [uuid.uuid4() for _ in range(20)]
    dims, cross_dims = embedder.dimension, cross_embedder.dimension if cross_embedder else 0
    runtime.index.upsert(
        [
            IndexPoint(
                p.id,
                [1.0 / (1 + n + i % 7)] * dims,
                LexicalEncoder().document("schulden voorkomen bij jongeren", "nl") if n == 0 else SparseVec([], []),
                {**p.payload, "status": "published", "doc_type": "practice", "visibility": "public"},
                [0.5 / (1 + n)] * cross_dims if cross_dims else None,
            )
            for i, doc in enumerate(documents)
            for n in range(5)
            for p in [chunk(doc, n)]
        ]
    )
    runtime.close()

    runtime = Runtime.build(settings, embedder=embedder, cross=cross_embedder)
    try:
        index = runtime.index
        assert isinstance(index, EdgeIndex) and index._warming is None  # opening costs nothing
        runtime.searcher.search("eenzaamheid", IndexFilter(), limit=1)  # the first search starts the warming
        assert index._warming is not None
        index._warming.join(30)
        reads = CountingReads(index, monkeypatch)
        hits = runtime.searcher.search("schulden voorkomen bij jongeren", IndexFilter(), limit=None)
        assert {hit.doc_id for hit in hits} == set(documents)
        assert reads.points == 0
    finally:
        runtime.close()
