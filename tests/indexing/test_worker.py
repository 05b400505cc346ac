"""Orchestration of the index worker, with a fake embedder (unit tests only) and the real embedded index."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path

import pytest

from core.settings import Settings
from indexing.documents import IndexDocument
from indexing.factory import open_index
from indexing.index import FieldIn, IndexFilter, IndexMeta
from indexing.lexical import LexicalEncoder
from indexing.worker import ClaimedTask, IndexWorker

pytestmark = pytest.mark.sqlite_pass


class FakeEmbedder:
    name = "fake"
    multilingual = False
    dimension = 3
    max_tokens = 50

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [[1.0, float(len(t) % 7), 0.5] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return [1.0, 0.0, 0.0]

    def count_tokens(self, texts: list[str]) -> list[int]:
        return [len(t.split()) for t in texts]


class MemorySource:
    def __init__(self) -> None:
        self.docs: dict[uuid.UUID, IndexDocument] = {}
        self.tasks: dict[int, uuid.UUID] = {}
        self.failed: list[tuple[list[int], str]] = []
        self._next = 0

    def add_task(self, doc_id: uuid.UUID) -> None:
        self._next += 1
        self.tasks[self._next] = doc_id

    def claim(self, limit: int) -> list[ClaimedTask]:
        return [ClaimedTask(i, "practice", d) for i, d in list(self.tasks.items())[:limit]]

    def load(self, tasks: Sequence[ClaimedTask]) -> dict[uuid.UUID, IndexDocument]:
        return {t.doc_id: self.docs[t.doc_id] for t in tasks if t.doc_id in self.docs}

    def complete(self, task_ids: Sequence[int]) -> None:
        for task_id in task_ids:
            del self.tasks[task_id]

    def fail(self, task_ids: Sequence[int], error: str) -> None:
        self.failed.append((list(task_ids), error))


def make_doc(version: int = 1, approach: str = "Stap een. Stap twee.") -> IndexDocument:
    return IndexDocument(
        uuid.UUID(int=7),
        version,
        "Titel",
        "nl",
        {"summary": "Samenvatting.", "approach": approach},
        {"status": "published"},
    )


def worker(tmp_path: Path, source: MemorySource, batch_size: int = 32) -> IndexWorker:
    index = open_index(Settings(data_dir=tmp_path), IndexMeta("fake", 3))
    return IndexWorker(source, index, FakeEmbedder(), LexicalEncoder(), batch_size=batch_size)  # type: ignore[arg-type]


def test_tasks_for_the_same_document_collapse_and_complete(tmp_path: Path) -> None:
    source = MemorySource()
    source.docs[make_doc().id] = make_doc()
    for _ in range(3):
        source.add_task(make_doc().id)
    w = worker(tmp_path, source)
    assert w.drain() == 3
    assert source.tasks == {}
    assert w.index.count() == 1
    w.index.close()


def test_a_new_version_replaces_all_old_chunks(tmp_path: Path) -> None:
    source = MemorySource()
    long_text = " ".join(f"Zin {n} met woorden." for n in range(40))
    source.docs[make_doc().id] = make_doc(approach=long_text)
    source.add_task(make_doc().id)
    w = worker(tmp_path, source)
    w.drain()
    many = w.index.count(heads_only=False)
    source.docs[make_doc().id] = make_doc(version=2)
    source.add_task(make_doc().id)
    w.drain()
    remaining = w.index.count(heads_only=False)
    assert 0 < remaining < many
    assert w.index.count(IndexFilter(all_of=(FieldIn("version", (2,)),)), heads_only=False) == remaining
    w.index.close()


def test_missing_document_means_removed(tmp_path: Path) -> None:
    source = MemorySource()
    source.docs[make_doc().id] = make_doc()
    source.add_task(make_doc().id)
    w = worker(tmp_path, source)
    w.drain()
    del source.docs[make_doc().id]
    source.add_task(make_doc().id)
    w.drain()
    assert w.index.count(heads_only=False) == 0
    w.index.close()


def test_a_failing_batch_is_reported_and_kept_for_retry(tmp_path: Path) -> None:
    source = MemorySource()
    source.docs[make_doc().id] = make_doc()
    source.add_task(make_doc().id)
    w = worker(tmp_path, source)

    def broken(texts: list[str]) -> list[list[float]]:
        raise RuntimeError("model crashed")

    w.embedder.embed_documents = broken  # type: ignore[method-assign]
    assert w.run_once() == 0
    assert source.tasks and "model crashed" in source.failed[0][1]
    assert w.index.count() == 0
    w.index.close()
