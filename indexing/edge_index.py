"""The embedded default: Qdrant's in-process engine (qdrant-edge), one shard directory in the data folder."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import qdrant_edge as qe

from core.errors import IndexMismatch, IndexUnavailable
from indexing.index import (
    CROSS,
    DENSE,
    HIT_FIELDS,
    INTEGER_FIELDS,
    KEYWORD_FIELDS,
    LEXICAL,
    DocumentCount,
    FieldIn,
    IndexFilter,
    IndexHit,
    IndexMeta,
    IndexPoint,
    IndexQuery,
    dense_of,
)

logger = logging.getLogger(__name__)
META_FILE = "praktijkbank-index.json"


def _condition(cond: FieldIn) -> qe.FieldCondition:
    values = list(cond.values)
    if len(values) == 1:
        return qe.FieldCondition(key=cond.field, match=qe.MatchValue(values[0]))
    return qe.FieldCondition(key=cond.field, match=qe.MatchAny(any=values))  # type: ignore[arg-type]


def to_edge_filter(flt: IndexFilter) -> qe.Filter | None:
    must: list[Any] = [_condition(c) for c in flt.all_of]
    if flt.any_of:
        must.append(qe.Filter(should=[qe.Filter(must=[_condition(c) for c in conj]) for conj in flt.any_of]))
    must_not: list[Any] = [_condition(c) for c in flt.none_of]
    if not must and not must_not:
        return None
    return qe.Filter(must=must or None, must_not=must_not or None)


class EdgeIndex:
    def __init__(self, path: Path, meta: IndexMeta, *, recreate: bool = False) -> None:
        self.path = path
        self.name = path.name
        self.meta = meta
        self._documents = DocumentCount(self.count)  # only this process writes an embedded index
        self._lock_fd = _lock(path)
        try:
            # No meta file means a creation that died half-way: nothing in it can be trusted.
            if path.exists() and (recreate or not (path / META_FILE).exists()):
                shutil.rmtree(path)
            self._shard = self._open(path, meta)
        except BaseException:
            os.close(self._lock_fd)
            raise

    @staticmethod
    def _open(path: Path, meta: IndexMeta) -> qe.EdgeShard:
        meta_path = path / META_FILE
        if meta_path.exists():
            stored = IndexMeta.from_dict(json.loads(meta_path.read_text()))
            if stored != meta:
                raise IndexMismatch(
                    f"the index in {path} was built with {stored.as_dict()}; the service is configured for "
                    f"{meta.as_dict()}. Run `praktijkbank reindex` to rebuild it."
                )
            return qe.EdgeShard.load(str(path))
        path.mkdir(parents=True, exist_ok=True)
        shard = qe.EdgeShard.create(str(path), EdgeIndex._config(meta))
        for name in KEYWORD_FIELDS:
            shard.update(qe.UpdateOperation.create_field_index(name, qe.PayloadSchemaType.Keyword))
        for name in INTEGER_FIELDS:
            shard.update(qe.UpdateOperation.create_field_index(name, qe.PayloadSchemaType.Integer))
        shard.flush()
        # Written last: a shard without this file is an unfinished creation and is made anew.
        meta_path.write_text(json.dumps(meta.as_dict()))
        return shard

    @staticmethod
    def _config(meta: IndexMeta) -> qe.EdgeConfig:
        vectors = {DENSE: qe.EdgeVectorParams(size=meta.dimension, distance=qe.Distance.Cosine)}
        if meta.cross_model:
            vectors[CROSS] = qe.EdgeVectorParams(size=meta.cross_dimension, distance=qe.Distance.Cosine)
        return qe.EdgeConfig(
            vectors=vectors,
            sparse_vectors={LEXICAL: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        )

    def upsert(self, points: Sequence[IndexPoint]) -> None:
        if not points:
            return
        edge_points = [qe.Point(id=str(p.id), vector=_vectors(p), payload=p.payload) for p in points]
        with self._documents.changing():
            self._shard.update(qe.UpdateOperation.upsert_points(edge_points))

    def remove(self, doc_id: uuid.UUID, *, keep_version: int | None = None) -> None:
        flt = IndexFilter(all_of=(FieldIn("doc_id", (str(doc_id),)),))
        if keep_version is not None:
            flt = flt.excluding(FieldIn("version", (keep_version,)))
        edge_filter = to_edge_filter(flt)
        assert edge_filter is not None
        with self._documents.changing():
            self._shard.update(qe.UpdateOperation.delete_points_by_filter(edge_filter))

    def query(self, query: IndexQuery) -> list[IndexHit]:
        if query.dense is not None:
            nearest = qe.Query.Nearest(query.dense, using=query.using)
        elif query.sparse:
            nearest = qe.Query.Nearest(qe.SparseVector(query.sparse.indices, query.sparse.values), using=LEXICAL)
        else:
            return []  # a query without words
        request = qe.QueryRequest(
            limit=query.limit, query=nearest, filter=to_edge_filter(query.filter), with_payload=list(HIT_FIELDS)
        )
        return [_hit(p.id, p.score, p.payload) for p in self._shard.query(request)]

    def count(self, flt: IndexFilter | None = None, *, heads_only: bool = True) -> int:
        flt = flt or IndexFilter()
        if heads_only:
            flt = flt.and_(FieldIn("head", (1,)))
        return int(self._shard.count(qe.CountRequest(exact=True, filter=to_edge_filter(flt))))

    def documents(self) -> int:
        return self._documents.get()

    def vectors_of(self, doc_id: uuid.UUID, using: str = DENSE) -> list[list[float]]:
        flt = to_edge_filter(IndexFilter(all_of=(FieldIn("doc_id", (str(doc_id),)),)))
        records, _next = self._shard.scroll(qe.ScrollRequest(limit=1000, filter=flt, with_vector=[using]))
        return [dense_of(record.vector, using) for record in records if isinstance(record.vector, dict)]

    def versions(self) -> Iterator[tuple[uuid.UUID, int]]:
        """(document, version) of every document in the index, read from its head point."""
        flt = to_edge_filter(IndexFilter(all_of=(FieldIn("head", (1,)),)))
        offset: Any = None
        while True:
            records, offset = self._shard.scroll(
                qe.ScrollRequest(limit=1000, offset=offset, filter=flt, with_payload=["doc_id", "version"])
            )
            for record in records:
                payload = record.payload or {}
                yield uuid.UUID(str(payload["doc_id"])), int(payload["version"])
            if offset is None:
                return

    def optimize(self) -> None:
        self._shard.optimize()

    def flush(self) -> None:
        self._shard.flush()

    def close(self) -> None:
        self._shard.flush()
        self._shard.close()
        os.close(self._lock_fd)


def _vectors(point: IndexPoint) -> dict[str, Any]:
    """Every point has a dense vector (and a cross one in a two-model index); only a document's head point has
    the lexical one."""
    vectors: dict[str, Any] = {DENSE: point.dense}
    if point.cross is not None:
        vectors[CROSS] = point.cross
    if point.sparse:
        vectors[LEXICAL] = qe.SparseVector(point.sparse.indices, point.sparse.values)
    return vectors


def _lock(path: Path) -> int:
    """One process at a time may own an embedded index; a second gets a clear error, not corruption."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.parent / f".{path.name}.lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise IndexUnavailable(
            f"the index in {path} is in use by another process (is `praktijkbank serve` running?)"
        ) from None
    return fd


def _hit(point_id: Any, score: float, payload: dict[str, Any] | None) -> IndexHit:
    return IndexHit(str(point_id), float(score), payload or {})
