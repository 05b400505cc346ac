"""The narrow interface both Qdrant adapters implement, and the engine-neutral types it speaks."""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from indexing.lexical import LEXICAL_SCHEME, SparseVec

DENSE = "dense"
LEXICAL = "bm25"
PAYLOAD_LAYOUT = "v2"  # bump when payload fields or their indexes change

# Payload fields with an index in the engine. Lists hold several values (a practice has several themes).
KEYWORD_FIELDS: tuple[str, ...] = (
    "doc_id",
    "doc_type",
    "section",
    "status",
    "visibility",
    "community_id",
    "organisation_id",
    "language",
    "recognition_level",
    "themes",
    "legal_frames",
    "owner_ids",
)
INTEGER_FIELDS: tuple[str, ...] = ("chunk", "version", "head")  # head: 1 on the first point of a document
# What a query hit carries: enough to group chunks per document. Fetching every payload field of hundreds of
# candidate chunks cost more than the search itself.
HIT_FIELDS: tuple[str, ...] = ("doc_id", "section", "chunk", "language")


@dataclass(frozen=True)
class IndexMeta:
    """What built the index. A different model or dimension means the index must be rebuilt."""

    model: str
    dimension: int
    lexical: str = LEXICAL_SCHEME
    layout: str = PAYLOAD_LAYOUT

    def as_dict(self) -> dict[str, Any]:
        return {"model": self.model, "dimension": self.dimension, "lexical": self.lexical, "layout": self.layout}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IndexMeta:
        return cls(
            str(data["model"]), int(data["dimension"]), str(data.get("lexical", "")), str(data.get("layout", ""))
        )


@dataclass(frozen=True)
class IndexPoint:
    id: uuid.UUID
    dense: list[float]
    sparse: SparseVec
    payload: dict[str, Any]


@dataclass(frozen=True)
class FieldIn:
    """The payload field holds (one of) these values."""

    field: str
    values: tuple[str | int, ...]


@dataclass(frozen=True)
class IndexFilter:
    """``all_of`` AND (any one conjunction of ``any_of``) AND NOT ``none_of``."""

    all_of: tuple[FieldIn, ...] = ()
    any_of: tuple[tuple[FieldIn, ...], ...] = ()
    none_of: tuple[FieldIn, ...] = ()

    def and_(self, *conditions: FieldIn) -> IndexFilter:
        return IndexFilter(self.all_of + conditions, self.any_of, self.none_of)

    def excluding(self, *conditions: FieldIn) -> IndexFilter:
        return IndexFilter(self.all_of, self.any_of, self.none_of + conditions)


@dataclass(frozen=True)
class IndexQuery:
    """One leg: nearest chunks by the dense vector, or documents by the lexical one (only head points carry it).
    The two legs are fused per document by the searcher, not in the engine."""

    dense: list[float] | None
    sparse: SparseVec | None
    filter: IndexFilter
    limit: int

    def __post_init__(self) -> None:
        if (self.dense is None) == (self.sparse is None):
            raise ValueError("an index query has exactly one leg: dense or sparse")


@dataclass(frozen=True)
class IndexHit:
    point_id: str  # the engine's id of the point (a UUID), as text: hits are many, and nothing parses it
    score: float
    payload: dict[str, Any] = field(default_factory=dict)


def dense_of(vector: dict[str, Any]) -> list[float]:
    """The dense part of a named-vector record, as plain floats."""
    values = vector.get(DENSE)
    if not isinstance(values, list):
        raise ValueError("record has no dense vector")
    return [float(x) for x in values]


class DocumentCount:
    """How many documents an index holds, remembered between this process's writes: every search's calibrated
    relevance needs it (BM25 grows with the number of documents), and it changes only when something is indexed.
    ``max_age`` bounds how long a count may go unchecked when other processes write (a Qdrant server)."""

    def __init__(self, count: Callable[[], int], *, max_age: float = math.inf) -> None:
        self._count = count
        self._max_age = max_age
        self._known: tuple[int, float] | None = None

    def get(self) -> int:
        known, now = self._known, time.monotonic()
        if known is None or now - known[1] > self._max_age:
            known = self._known = (self._count(), now)
        return known[0]

    def forget(self) -> None:
        self._known = None


class VectorIndex(Protocol):
    meta: IndexMeta

    def upsert(self, points: Sequence[IndexPoint]) -> None: ...

    def remove(self, doc_id: uuid.UUID, *, keep_version: int | None = None) -> None:
        """Remove a document's points, except those of ``keep_version`` when given."""

    def query(self, query: IndexQuery) -> list[IndexHit]: ...

    def count(self, flt: IndexFilter | None = None, *, heads_only: bool = True) -> int:
        """Points matching the filter; with ``heads_only`` one per document."""

    def documents(self) -> int:
        """Every document in the index (``count()``), kept between writes (see DocumentCount)."""

    def vectors_of(self, doc_id: uuid.UUID) -> list[list[float]]:
        """The dense vectors stored for one document (for 'more like this')."""

    def versions(self) -> Iterator[tuple[uuid.UUID, int]]:
        """(document, version) of every document in the index: what a rebuild compares with SQL."""

    def optimize(self) -> None: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...
