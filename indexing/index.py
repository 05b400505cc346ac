"""The narrow interface both Qdrant adapters implement, and the engine-neutral types it speaks."""

from __future__ import annotations

import contextlib
import math
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from indexing.lexical import LEXICAL_SCHEME, SparseVec

DENSE = "dense"
CROSS = "cross"  # an optional second dense vector, from a second model that bridges languages
LEXICAL = "bm25"
PAYLOAD_LAYOUT = "v2"  # bump when payload fields or their indexes change

# Payload fields with an index in the engine: every field a filter names. Lists hold several values (a practice has
# several themes). `section` and `chunk` are read from hits but never filtered on: no index (each would cost memory
# for every point); an older index that has them keeps them, which is harmless.
KEYWORD_FIELDS: tuple[str, ...] = (
    "doc_id",
    "doc_type",
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
INTEGER_FIELDS: tuple[str, ...] = ("version", "head")  # head: 1 on the first point of a document
# What a query hit carries: enough to group chunks per document. Fetching every payload field of hundreds of
# candidate chunks cost more than the search itself.
HIT_FIELDS: tuple[str, ...] = ("doc_id", "section", "chunk", "language")


@dataclass(frozen=True)
class IndexMeta:
    """What built the index: every model (the primary one, and the cross one when configured) and dimension. A
    change in any of them means the index must be rebuilt."""

    model: str
    dimension: int
    lexical: str = LEXICAL_SCHEME
    layout: str = PAYLOAD_LAYOUT
    cross_model: str = ""  # empty: a one-model index, points carry no cross vector
    cross_dimension: int = 0

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "model": self.model,
            "dimension": self.dimension,
            "lexical": self.lexical,
            "layout": self.layout,
        }
        if self.cross_model:  # a one-model index keeps the meta it always had
            data.update(cross_model=self.cross_model, cross_dimension=self.cross_dimension)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IndexMeta:
        return cls(
            str(data["model"]),
            int(data["dimension"]),
            str(data.get("lexical", "")),
            str(data.get("layout", "")),
            str(data.get("cross_model", "")),
            int(data.get("cross_dimension", 0)),
        )


@dataclass(frozen=True)
class IndexPoint:
    id: uuid.UUID
    dense: list[float]
    sparse: SparseVec
    payload: dict[str, Any]
    cross: list[float] | None = None  # the second model's vector of the same chunk, in a two-model index


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
    """One leg: nearest chunks by a dense vector (``using``: the primary one or the cross one), or documents by the
    lexical one (only head points carry it). The legs are fused per document by the searcher, not in the engine."""

    dense: list[float] | None
    sparse: SparseVec | None
    filter: IndexFilter
    limit: int
    using: str = DENSE

    def __post_init__(self) -> None:
        if (self.dense is None) == (self.sparse is None):
            raise ValueError("an index query has exactly one leg: dense or sparse")
        if self.using not in (DENSE, CROSS):
            raise ValueError(f"no dense vector called {self.using!r}")


@dataclass(frozen=True)
class IndexHit:
    point_id: uuid.UUID | str | int  # the engine's own id object: hits are many, and nothing here parses it
    score: float
    payload: dict[str, Any] = field(default_factory=dict)


def dense_of(vector: dict[str, Any], using: str = DENSE) -> list[float]:
    """One dense part (``using``) of a named-vector record, as plain floats."""
    values = vector.get(using)
    if not isinstance(values, list):
        raise ValueError(f"record has no {using} vector")
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

    @contextlib.contextmanager
    def changing(self) -> Iterator[None]:
        """Around a write: forgotten when the write is done (a count taken while it was under way may miss it)."""
        try:
            yield
        finally:
            self.forget()


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

    def vectors_of(self, doc_id: uuid.UUID, using: str = DENSE) -> list[list[float]]:
        """The dense vectors stored for one document (for 'more like this'): the primary ones unless ``using``."""

    def versions(self) -> Iterator[tuple[uuid.UUID, int]]:
        """(document, version) of every document in the index: what a rebuild compares with SQL."""

    def optimize(self) -> None: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...
