"""Production: a Qdrant server or cluster through qdrant-client (``:memory:`` runs the same code in tests)."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from qdrant_client import QdrantClient
from qdrant_client import models as qm
from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

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


@contextmanager
def _reachable() -> Iterator[None]:
    """A server that is down, restarting or overloaded is 'index unavailable' (503, retried by the worker),
    not an unexpected error; everything else passes through."""
    try:
        yield
    except (ResponseHandlingException, httpx.TransportError) as exc:
        raise IndexUnavailable(f"Qdrant is not reachable: {exc}", retry_after=10) from exc
    except UnexpectedResponse as exc:
        if exc.status_code is not None and exc.status_code >= 500:
            raise IndexUnavailable(f"Qdrant answered {exc.status_code}", retry_after=10) from exc
        raise


def _condition(cond: FieldIn) -> qm.FieldCondition:
    values = list(cond.values)
    if len(values) == 1:
        return qm.FieldCondition(key=cond.field, match=qm.MatchValue(value=values[0]))
    return qm.FieldCondition(key=cond.field, match=qm.MatchAny(any=values))


def to_client_filter(flt: IndexFilter) -> qm.Filter | None:
    must: list[Any] = [_condition(c) for c in flt.all_of]
    if flt.any_of:
        must.append(qm.Filter(should=[qm.Filter(must=[_condition(c) for c in conj]) for conj in flt.any_of]))
    must_not: list[Any] = [_condition(c) for c in flt.none_of]
    if not must and not must_not:
        return None
    return qm.Filter(must=must or None, must_not=must_not or None)


@dataclass(frozen=True)
class CollectionLayout:
    """How a new collection spreads over a cluster (settings ``qdrant_shards`` and the like)."""

    shards: int = 1
    replication_factor: int = 1
    write_consistency: int = 1
    quantization: Literal["none", "int8"] = "none"

    def quantization_config(self) -> qm.ScalarQuantization | None:
        if self.quantization == "none":
            return None
        # int8 copies in RAM for the search, float originals on disk to rescore the best candidates.
        return qm.ScalarQuantization(
            scalar=qm.ScalarQuantizationConfig(type=qm.ScalarType.INT8, quantile=0.99, always_ram=True)
        )


def alias_target(client: QdrantClient, alias: str) -> str | None:
    """The collection an alias points at; None when ``alias`` is no alias."""
    for item in client.get_aliases().aliases:
        if item.alias_name == alias:
            return str(item.collection_name)
    return None


def live_collection(client: QdrantClient, name: str) -> str | None:
    """The collection services search under ``name``: the alias target, or a collection of that name (made before
    aliases were used), or None."""
    try:
        target = alias_target(client, name)
        if target is not None:
            return target
        return name if client.collection_exists(name) else None
    except Exception as exc:  # connection errors come in many types from httpx and grpc
        raise IndexUnavailable(f"Qdrant is not reachable: {exc}") from exc


def new_collection_name(alias: str) -> str:
    return f"{alias}-{time.strftime('%Y%m%d%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:6]}"


def switch_alias(client: QdrantClient, alias: str, collection: str) -> None:
    """Point ``alias`` at ``collection`` in one request: the server applies the operations atomically."""
    operations: list[Any] = []
    if alias_target(client, alias) is not None:
        operations.append(qm.DeleteAliasOperation(delete_alias=qm.DeleteAlias(alias_name=alias)))
    operations.append(
        qm.CreateAliasOperation(create_alias=qm.CreateAlias(collection_name=collection, alias_name=alias))
    )
    client.update_collection_aliases(change_aliases_operations=operations)


def configured_model(client: QdrantClient, collection: str) -> str | None:
    """The settings name of the model a collection was built with (``reindex --model``), when recorded."""
    stored = client.get_collection(collection).config.metadata or {}
    value = stored.get("configured_model")
    return str(value) if value else None


DOCUMENT_COUNT_MAX_AGE = 5.0  # seconds; the count only scales BM25 evidence (ln of the number of documents)


class ServerIndex:
    def __init__(
        self,
        client: QdrantClient,
        collection: str,
        meta: IndexMeta,
        layout: CollectionLayout | None = None,
        *,
        configured_model: str | None = None,
    ) -> None:
        """``collection`` is a real collection (not an alias): a service stays on the collection it opened until
        it follows the alias to a new one, so a search never mixes two models."""
        self._client = client
        self._collection = collection
        self.name = collection
        self.meta = meta
        self._layout = layout or CollectionLayout()
        self._configured_model = configured_model
        # Other processes index into the same collection: a count is trusted for a few seconds at most.
        self._documents = DocumentCount(self.count, max_age=DOCUMENT_COUNT_MAX_AGE)
        try:
            exists = client.collection_exists(collection)
        except Exception as exc:  # connection errors come in many types from httpx and grpc
            raise IndexUnavailable(f"Qdrant is not reachable: {exc}") from exc
        if exists:
            stored = client.get_collection(collection).config.metadata or {}
            if not stored or IndexMeta.from_dict(stored) != meta:
                raise IndexMismatch(
                    f"collection {collection!r} was built with {stored or 'unknown settings'}; the service is "
                    f"configured for {meta.as_dict()}. Run `praktijkbank reindex` to rebuild it."
                )
        else:
            self._create()

    def _create(self) -> None:
        layout = self._layout
        metadata: dict[str, Any] = self.meta.as_dict()
        if self._configured_model:
            metadata["configured_model"] = self._configured_model
        on_disk = True if layout.quantization != "none" else None
        vectors = {DENSE: qm.VectorParams(size=self.meta.dimension, distance=qm.Distance.COSINE, on_disk=on_disk)}
        if self.meta.cross_model:
            vectors[CROSS] = qm.VectorParams(
                size=self.meta.cross_dimension, distance=qm.Distance.COSINE, on_disk=on_disk
            )
        self._client.create_collection(
            self._collection,
            vectors_config=vectors,
            sparse_vectors_config={LEXICAL: qm.SparseVectorParams(modifier=qm.Modifier.IDF)},
            shard_number=layout.shards,
            replication_factor=layout.replication_factor,
            write_consistency_factor=layout.write_consistency,
            quantization_config=layout.quantization_config(),
            metadata=metadata,
        )
        # Every field a filter names gets an index: without one the server scans payloads on each query.
        for name in KEYWORD_FIELDS:
            self._client.create_payload_index(self._collection, name, qm.PayloadSchemaType.KEYWORD)
        for name in INTEGER_FIELDS:
            self._client.create_payload_index(self._collection, name, qm.PayloadSchemaType.INTEGER)

    def upsert(self, points: Sequence[IndexPoint]) -> None:
        if not points:
            return
        with self._documents.changing(), _reachable():
            self._client.upsert(
                self._collection,
                points=[
                    qm.PointStruct(
                        id=str(p.id),
                        vector=_vectors(p),
                        payload=p.payload,
                    )
                    for p in points
                ],
                wait=True,
            )

    def remove(self, doc_id: uuid.UUID, *, keep_version: int | None = None) -> None:
        flt = IndexFilter(all_of=(FieldIn("doc_id", (str(doc_id),)),))
        if keep_version is not None:
            flt = flt.excluding(FieldIn("version", (keep_version,)))
        client_filter = to_client_filter(flt)
        assert client_filter is not None
        with self._documents.changing(), _reachable():
            self._client.delete(self._collection, points_selector=qm.FilterSelector(filter=client_filter), wait=True)

    def query(self, query: IndexQuery) -> list[IndexHit]:
        if query.dense is not None:
            nearest: list[float] | qm.SparseVector = query.dense
            using = query.using
        elif query.sparse:
            nearest, using = qm.SparseVector(indices=query.sparse.indices, values=query.sparse.values), LEXICAL
        else:
            return []  # a query without words
        with _reachable():
            response = self._client.query_points(
                self._collection,
                query=nearest,
                using=using,
                query_filter=to_client_filter(query.filter),
                limit=query.limit,
                with_payload=list(HIT_FIELDS),
            )
        return [IndexHit(str(p.id), float(p.score), p.payload or {}) for p in response.points]

    def count(self, flt: IndexFilter | None = None, *, heads_only: bool = True) -> int:
        flt = flt or IndexFilter()
        if heads_only:
            flt = flt.and_(FieldIn("head", (1,)))
        with _reachable():
            return int(self._client.count(self._collection, count_filter=to_client_filter(flt), exact=True).count)

    def documents(self) -> int:
        return self._documents.get()

    def vectors_of(self, doc_id: uuid.UUID, using: str = DENSE) -> list[list[float]]:
        flt = to_client_filter(IndexFilter(all_of=(FieldIn("doc_id", (str(doc_id),)),)))
        with _reachable():
            records, _ = self._client.scroll(self._collection, scroll_filter=flt, limit=1000, with_vectors=[using])
        return [dense_of(record.vector, using) for record in records if isinstance(record.vector, dict)]

    def versions(self) -> Iterator[tuple[uuid.UUID, int]]:
        """(document, version) of every document in the index, read from its head point."""
        flt = to_client_filter(IndexFilter(all_of=(FieldIn("head", (1,)),)))
        offset: Any = None
        while True:
            records, offset = self._client.scroll(
                self._collection, scroll_filter=flt, limit=1000, offset=offset, with_payload=["doc_id", "version"]
            )
            for record in records:
                payload = record.payload or {}
                yield uuid.UUID(str(payload["doc_id"])), int(payload["version"])
            if offset is None:
                return

    def drop(self) -> None:
        """Delete the collection (an old one, after the alias moved away from it)."""
        self._client.delete_collection(self._collection)

    def optimize(self) -> None:
        """The server optimizes in its own background threads."""

    def flush(self) -> None:
        """Writes are acknowledged with ``wait=True``; the server owns durability."""

    def close(self) -> None:
        self._client.close()


def _vectors(point: IndexPoint) -> dict[str, Any]:
    """Every point has a dense vector (and a cross one in a two-model index); only a document's head point has
    the lexical one."""
    vectors: dict[str, Any] = {DENSE: point.dense}
    if point.cross is not None:
        vectors[CROSS] = point.cross
    if point.sparse:
        vectors[LEXICAL] = qm.SparseVector(indices=point.sparse.indices, values=point.sparse.values)
    return vectors
