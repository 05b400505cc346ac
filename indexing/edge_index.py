"""The embedded default: Qdrant's in-process engine (qdrant-edge), one shard directory in the data folder."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, cast

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
# Points whose hit fields (HIT_FIELDS) are kept in memory: reading a hit's payload from the engine costs several
# times the search itself (docs/capacity.md). The bound, every point of 20k practices, keeps the memory small.
HIT_CACHE_POINTS = 200_000
WARM_PAGE = 100  # points per scroll when every point's hit fields are read (``EdgeIndex.warm``)
WARM_PAUSE = 0.001  # seconds between two pages
STORAGE_KEY = "storage"  # how the vectors are stored: not part of IndexMeta, a change needs no rebuild to answer


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


Quantization = Literal["none", "int8"]


class EdgeIndex:
    def __init__(
        self, path: Path, meta: IndexMeta, *, recreate: bool = False, quantization: Quantization = "none"
    ) -> None:
        """``quantization`` applies when the shard is created (`reindex` to change an existing one): ``int8`` keeps
        scalar-quantised dense vectors in RAM (a quarter of the size) and the originals on disk, read only to
        rescore the best candidates."""
        self.path = path
        self.name = path.name
        self.meta = meta
        self.quantization = quantization
        self._documents = DocumentCount(self.count)  # only this process writes an embedded index
        self._hit_fields = HitFields(HIT_CACHE_POINTS)
        self._closing = threading.Event()
        self._warming: threading.Thread | None = None  # started by the first search that reads hit fields
        self._warm_lock = threading.Lock()
        self._lock_fd = _lock(path)
        try:
            # No meta file means a creation that died half-way: nothing in it can be trusted.
            if path.exists() and (recreate or not (path / META_FILE).exists()):
                shutil.rmtree(path)
            self._shard, built = self._open(path, meta, quantization)
        except BaseException:
            os.close(self._lock_fd)
            raise
        # int8 candidates, twice as many as asked, rescored on the originals: as good as the float index
        # (tests/indexing/test_quantization.py); without oversampling, int8's rounding costs recall.
        self._params = (
            qe.SearchParams(quantization=qe.QuantizationSearchParams(rescore=True, oversampling=2.0))
            if built == "int8"
            else None
        )

    @staticmethod
    def _open(path: Path, meta: IndexMeta, quantization: Quantization) -> tuple[qe.EdgeShard, str]:
        """The shard, and the quantization its vectors were stored with."""
        meta_path = path / META_FILE
        if meta_path.exists():
            written = json.loads(meta_path.read_text())
            stored = IndexMeta.from_dict(written)
            if stored != meta:
                raise IndexMismatch(
                    f"the index in {path} was built with {stored.as_dict()}; the service is configured for "
                    f"{meta.as_dict()}. Run `praktijkbank reindex` to rebuild it."
                )
            built = written.get(STORAGE_KEY, {}).get("quantization", "none")
            if built != quantization:  # the same vectors, stored otherwise: it answers, but say so
                logger.warning(
                    "the index in %s stores its vectors with quantization %r, configured is %r: run `praktijkbank "
                    "reindex` to apply it",
                    path,
                    built,
                    quantization,
                )
            return qe.EdgeShard.load(str(path)), built
        path.mkdir(parents=True, exist_ok=True)
        shard = qe.EdgeShard.create(str(path), EdgeIndex._config(meta, quantization))
        for name, schema in _field_indexes(quantization):
            shard.update(qe.UpdateOperation.create_field_index(name, schema))
        shard.flush()
        # Written last: a shard without this file is an unfinished creation and is made anew.
        meta_path.write_text(json.dumps({**meta.as_dict(), STORAGE_KEY: {"quantization": quantization}}))
        return shard, quantization

    @staticmethod
    def _config(meta: IndexMeta, quantization: Quantization = "none") -> qe.EdgeConfig:
        quantized = quantization == "int8"
        # Quantised: the originals are read from disk only to rescore the best candidates.
        memory = qe.Memory.Cold if quantized else None
        vectors = {DENSE: qe.EdgeVectorParams(size=meta.dimension, distance=qe.Distance.Cosine, memory=memory)}
        if meta.cross_model:
            vectors[CROSS] = qe.EdgeVectorParams(size=meta.cross_dimension, distance=qe.Distance.Cosine, memory=memory)
        return qe.EdgeConfig(
            vectors=vectors,
            sparse_vectors={LEXICAL: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
            quantization_config=(
                qe.ScalarQuantizationConfig(qe.ScalarType.Int8, quantile=0.99, memory=qe.Memory.Pinned)
                if quantized
                else None
            ),
        )

    def upsert(self, points: Sequence[IndexPoint]) -> None:
        if not points:
            return
        edge_points = [qe.Point(id=str(p.id), vector=_vectors(p), payload=p.payload) for p in points]
        with self._documents.changing():
            self._shard.update(qe.UpdateOperation.upsert_points(edge_points))
        self._hit_fields.rewritten(points)

    def remove(self, doc_id: uuid.UUID, *, keep_version: int | None = None) -> None:
        flt = IndexFilter(all_of=(FieldIn("doc_id", (str(doc_id),)),))
        if keep_version is not None:
            flt = flt.excluding(FieldIn("version", (keep_version,)))
        edge_filter = to_edge_filter(flt)
        assert edge_filter is not None
        removed = self._point_ids(edge_filter)
        with self._documents.changing():
            self._shard.update(qe.UpdateOperation.delete_points_by_filter(edge_filter))
        self._hit_fields.forget(removed)

    def query(self, query: IndexQuery) -> list[IndexHit]:
        if query.dense is not None:
            nearest = qe.Query.Nearest(query.dense, using=query.using)
        elif query.sparse:
            nearest = qe.Query.Nearest(qe.SparseVector(query.sparse.indices, query.sparse.values), using=LEXICAL)
        else:
            return []  # a query without words
        request = qe.QueryRequest(
            limit=query.limit, query=nearest, filter=to_edge_filter(query.filter), with_payload=False
        )
        # The engine gives each id as a uuid.UUID: kept as it comes, as making text of each is work on every hit.
        points = self._shard.query(request)
        ids = cast(list[uuid.UUID], [point.id for point in points])  # every id this adapter writes is a UUID
        fields = self._hit_fields.of(ids, self._read_hit_fields)
        # A point removed between the query and the read of its fields is left out, as if found a moment later.
        return [
            IndexHit(point_id, point.score, found)
            for point_id, point, found in zip(ids, points, fields, strict=True)
            if found is not None
        ]

    def _read_hit_fields(self, point_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
        if self._warming is None:  # the first search that needs them: read every point's, in the background
            self.warm_in_background()
        wanted: list[int | uuid.UUID | str] = list(point_ids)
        records = self._shard.retrieve(wanted, with_payload=list(HIT_FIELDS), with_vector=False)
        strings: dict[str, str] = {}
        return {_uuid(r.id): _shared(r.payload or {}, strings) for r in records}

    def _point_ids(self, edge_filter: qe.Filter) -> list[uuid.UUID]:
        ids: list[uuid.UUID] = []
        offset: Any = None
        while True:
            records, offset = self._shard.scroll(
                qe.ScrollRequest(limit=1000, offset=offset, filter=edge_filter, with_payload=False, with_vector=False)
            )
            ids.extend(_uuid(record.id) for record in records)
            if offset is None:
                return ids

    def warm(self) -> int:
        """Read every point's hit fields into memory (up to ``HIT_CACHE_POINTS``), so that no search pays for
        reading them; stops early when the index closes. Returns how many are kept. A few seconds of one core at
        the bound: run it in the background (``warm_in_background``)."""
        shared: dict[str, str] = {}  # one string per document id, section and language (a document has ~10 points)
        offset: Any = None
        while not self._closing.is_set() and not self._hit_fields.full:
            records, offset = self._shard.scroll(
                qe.ScrollRequest(limit=WARM_PAGE, offset=offset, with_payload=list(HIT_FIELDS), with_vector=False)
            )
            self._hit_fields.add(((_uuid(r.id).int, _shared(r.payload or {}, shared)) for r in records), evict=False)
            if offset is None:
                break
            self._closing.wait(WARM_PAUSE)  # searches first: they get the GIL (and the engine) between pages
        return len(self._hit_fields)

    def warm_in_background(self) -> threading.Thread:
        """``warm`` on a thread of its own, once; ``close`` stops it. The first search that reads hit fields starts
        it, not the opening: a process that never searches (an import, a worker) never pays for it, and a service's
        start is not slowed (the warming thread and the start would share the GIL)."""
        with self._warm_lock:
            if self._warming is None:
                self._warming = threading.Thread(target=self._warm_logged, name=f"warm-{self.name}", daemon=True)
                self._warming.start()
            return self._warming

    def _warm_logged(self) -> None:
        try:
            kept = self.warm()
        except Exception:  # searches still work: they read what is not kept
            logger.exception("could not read the hit fields of %s into memory", self.path)
            return
        logger.info("hit fields of %d points of %s in memory", kept, self.name)

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
        self._closing.set()
        if self._warming is not None:
            self._warming.join()
        self._shard.flush()
        self._shard.close()
        os.close(self._lock_fd)


def _field_indexes(quantization: Quantization) -> list[tuple[str, Any]]:
    """The payload indexes of a new shard. A quantised (large) index keeps them on disk, read through the page
    cache: in RAM they would be a large share of its memory and of its start (docs/capacity.md)."""
    if quantization == "none":
        keyword: Any = qe.PayloadSchemaType.Keyword
        integer: Any = qe.PayloadSchemaType.Integer
    else:
        keyword = qe.KeywordIndexParams(memory=qe.Memory.Cold)
        integer = qe.IntegerIndexParams(lookup=True, range=False, memory=qe.Memory.Cold)
    return [(name, keyword) for name in KEYWORD_FIELDS] + [(name, integer) for name in INTEGER_FIELDS]


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


def _shared(payload: dict[str, Any], strings: dict[str, str]) -> dict[str, Any]:
    """The hit fields of ``payload``, keyed by this module's names (the engine makes new key strings for every
    record: four strings a point) and each string value replaced by an equal one already kept, if any."""
    return {
        name: strings.setdefault(value, value) if isinstance(value, str) else value
        for name in HIT_FIELDS
        if (value := payload.get(name, _MISSING)) is not _MISSING
    }


_MISSING = object()


def _uuid(point_id: object) -> uuid.UUID:
    return point_id if isinstance(point_id, uuid.UUID) else uuid.UUID(str(point_id))


class HitFields:
    """The hit fields of points, by point id, at most ``limit`` of them (oldest out first): filled from the first
    search on (``EdgeIndex.warm``, in the background), by every write of this process (the only writer of an
    embedded index), and by any point a search finds that is not kept yet (one beyond the limit).

    A point's id is made from its document, section and chunk number (``Chunk.point_id``), so those fields never
    change for an id; its language can, with a new version of the document. A write replaces what is kept of its
    points; what the engine was read for (warming, or for a search) is only added where nothing is kept yet, so
    a read that a concurrent write overtook never brings back the older fields. A removed point's entry goes with
    it (``forget``); one that slips back (read just before its removal) is never asked for: the engine no longer
    returns its id.

    Kept by the id's 128-bit number: a ``uuid.UUID`` hashes in Python, an int in C, and a search looks up hundreds
    of ids. Searches read without the lock (one dict lookup each); writers take it, as making room iterates the dict
    and another writer's change would break that iteration."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._fields: dict[int, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._fields)

    @property
    def full(self) -> bool:
        return len(self._fields) >= self._limit

    def of(
        self, point_ids: list[uuid.UUID], read: Callable[[list[uuid.UUID]], dict[uuid.UUID, dict[str, Any]]]
    ) -> list[dict[str, Any] | None]:
        """The fields of each point, in order; None for a point ``read`` no longer finds."""
        kept = self._fields
        found = [kept.get(point_id.int) for point_id in point_ids]
        missing = [point_id for point_id, fields in zip(point_ids, found, strict=True) if fields is None]
        if not missing:
            return found
        read_now = read(missing)
        self.add(((point_id.int, fields) for point_id, fields in read_now.items()), wait=False)
        return [
            fields if fields is not None else read_now.get(point_id)
            for point_id, fields in zip(point_ids, found, strict=True)
        ]

    def add(self, read: Iterable[tuple[int, dict[str, Any]]], *, evict: bool = True, wait: bool = True) -> None:
        """Fields read from the engine, where nothing is kept for the point yet. ``evict``: make room by dropping
        the oldest entries (a search's points); otherwise stop when full (warming). ``wait`` False (a search): keep
        nothing if a writer holds the memory rather than wait for it (the warming holds it page after page)."""
        if self._limit <= 0:
            return
        if not self._lock.acquire(blocking=wait):
            return
        try:
            self._add(read, evict)
        finally:
            self._lock.release()

    def _add(self, read: Iterable[tuple[int, dict[str, Any]]], evict: bool) -> None:
        fields = self._fields
        for key, value in read:
            if key in fields:
                continue
            if len(fields) >= self._limit:
                if not evict:
                    return
                del fields[next(iter(fields))]
            fields[key] = value

    def rewritten(self, points: Sequence[IndexPoint]) -> None:
        """Points just written: their fields replace what was kept."""
        if self._limit <= 0:
            return
        strings: dict[str, str] = {}
        with self._lock:
            fields = self._fields
            for point in points:
                key = point.id.int
                fields.pop(key, None)  # re-added last: the newest entry
                if len(fields) >= self._limit:
                    del fields[next(iter(fields))]
                fields[key] = _shared(point.payload, strings)

    def forget(self, point_ids: Iterable[uuid.UUID]) -> None:
        with self._lock:
            for point_id in point_ids:
                self._fields.pop(point_id.int, None)
