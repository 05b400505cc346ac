"""The embedded adapter's memory of hit fields: bounded, and never the reason a hit goes missing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from indexing.edge_index import HitFields
from indexing.index import IndexPoint
from indexing.lexical import SparseVec

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
