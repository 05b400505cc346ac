"""The embedded adapter's memory of hit fields: bounded, and never the reason a hit goes missing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from indexing.edge_index import HitFields, PointKey
from indexing.index import IndexPoint
from indexing.lexical import SparseVec

pytestmark = pytest.mark.sqlite_pass


class Reader:
    def __init__(self) -> None:
        self.asked: list[list[PointKey]] = []

    def __call__(self, point_ids: list[PointKey]) -> dict[PointKey, dict[str, Any]]:
        self.asked.append(point_ids)
        return {p: {"doc_id": str(p).upper(), "language": "nl"} for p in point_ids if p != "gone"}


def test_only_unknown_points_are_read_and_a_full_memory_still_answers_every_hit() -> None:
    read = Reader()
    fields = HitFields(2)
    assert set(fields.of(["a", "b"], read)) == {"a", "b"}
    # 'a' is the oldest entry: keeping 'c' and 'd' pushes it (and 'b') out, yet this answer holds all three.
    assert set(fields.of(["a", "c", "d"], read)) == {"a", "c", "d"}
    assert read.asked == [["a", "b"], ["c", "d"]]
    assert set(fields.of(["c", "d", "a"], read)) == {"a", "c", "d"}
    assert read.asked[-1] == ["a"]  # only what had aged out is read again
    assert set(fields.of(["gone", "c"], read)) == {"c"}  # removed since the query: left out


def test_a_write_rewrites_what_is_kept_and_a_zero_limit_keeps_nothing() -> None:
    read = Reader()
    fields = HitFields(10)
    point = uuid.uuid4()  # as qdrant-edge gives ids: uuid.UUID objects
    fields.of([point], read)
    fields.rewritten([IndexPoint(point, [1.0], SparseVec([], []), {"doc_id": "X", "language": "en", "text": "t"})])
    assert fields.of([point], read)[point] == {"doc_id": "X", "language": "en"}
    assert len(read.asked) == 1

    nothing = HitFields(0)
    assert set(nothing.of(["a"], read)) == {"a"}
    assert set(nothing.of(["a"], read)) == {"a"}
    assert read.asked[-2:] == [["a"], ["a"]]
