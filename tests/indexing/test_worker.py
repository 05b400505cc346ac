"""Orchestration of the index worker, with a fake embedder (unit tests only) and the real embedded index."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from core.settings import Settings
from indexing.documents import IndexDocument
from indexing.factory import open_index
from indexing.index import FieldIn, IndexFilter, IndexMeta, IndexPoint, VectorIndex
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
    """The task queue in memory, with leases as SQL has them: a claimed task is held until completed; a failed one
    stays held (its back-off) until ``retry`` gives it back. ``events`` records what happened, in order."""

    def __init__(self) -> None:
        self.docs: dict[uuid.UUID, IndexDocument] = {}
        self.tasks: dict[int, uuid.UUID] = {}
        self.doc_of: dict[int, uuid.UUID] = {}  # every task ever queued, done ones too
        self.held: set[int] = set()
        self.failed: list[tuple[list[int], str]] = []
        self.events: list[tuple[str, tuple[int, ...]]] = []
        self._next = 0
        self._guard = threading.Lock()

    def add_task(self, doc_id: uuid.UUID) -> None:
        self._next += 1
        self.tasks[self._next] = self.doc_of[self._next] = doc_id

    def claim(self, limit: int) -> list[ClaimedTask]:
        with self._guard:
            due = [i for i in self.tasks if i not in self.held][:limit]
            self.held.update(due)
            self.events.append(("claim", tuple(due)))
        return [ClaimedTask(i, "practice", self.tasks[i]) for i in due]

    def load(self, tasks: Sequence[ClaimedTask]) -> dict[uuid.UUID, IndexDocument]:
        return {t.doc_id: self.docs[t.doc_id] for t in tasks if t.doc_id in self.docs}

    def complete(self, task_ids: Sequence[int]) -> None:
        with self._guard:
            assert set(task_ids) <= self.held, "completed a task it did not hold"
            for task_id in task_ids:
                del self.tasks[task_id]
                self.held.discard(task_id)
            self.events.append(("complete", tuple(task_ids)))

    def fail(self, task_ids: Sequence[int], error: str) -> None:
        with self._guard:
            self.failed.append((list(task_ids), error))
            self.events.append(("fail", tuple(task_ids)))

    def retry(self) -> None:
        """The back-off of every failed task is over."""
        self.held.clear()


def make_doc(version: int = 1, approach: str = "Stap een. Stap twee.", number: int = 7) -> IndexDocument:
    return IndexDocument(
        uuid.UUID(int=number),
        version,
        f"Titel {number}",
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


# The pipeline: batch n+1 is encoded while batch n is written. These tests record what happens, in order.


class RecordingEmbedder(FakeEmbedder):
    """Records each encode, by the documents it encodes (their titles are in the chunk texts); ``refuse`` makes
    the encode of that document fail."""

    def __init__(self, events: list[tuple[str, tuple[int, ...]]], refuse: int | None = None) -> None:
        self.events = events
        self.refuse = refuse
        self.encoding = threading.Event()  # set when the second batch starts encoding

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        numbers = tuple(sorted({int(t.split("Titel ")[1].split()[0].strip(".:")) for t in texts}))
        self.events.append(("encode", numbers))
        if sum(name == "encode" for name, _ in self.events) >= 2:
            self.encoding.set()
        if self.refuse in numbers:
            raise RuntimeError("model crashed")
        return super().embed_documents(texts)


class RecordingIndex:
    """The real embedded index, its writes recorded; ``refuse`` makes the upsert of that document fail, and
    ``hold_flush`` is waited for (a few seconds at most) before the first flush ends."""

    def __init__(self, inner: VectorIndex, events: list[tuple[str, tuple[int, ...]]]) -> None:
        self.inner = inner
        self.events = events
        self.refuse: int | None = None
        self.hold_flush: Callable[[], bool] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def upsert(self, points: Sequence[IndexPoint]) -> None:
        numbers = tuple(sorted({uuid.UUID(p.payload["doc_id"]).int for p in points}))
        self.events.append(("upsert", numbers))
        if self.refuse in numbers:
            raise RuntimeError(f"engine refused {self.refuse}")
        self.inner.upsert(points)

    def flush(self) -> None:
        if self.hold_flush is not None:
            deadline = time.monotonic() + 3
            while not self.hold_flush() and time.monotonic() < deadline:
                time.sleep(0.01)
            self.hold_flush = None
        self.inner.flush()
        self.events.append(("flush", ()))


def recording_worker(
    tmp_path: Path, documents: int, batch_size: int = 1, refuse_encode: int | None = None
) -> tuple[IndexWorker, MemorySource, RecordingIndex]:
    source = MemorySource()
    for number in range(1, documents + 1):
        source.docs[make_doc(number=number).id] = make_doc(number=number)
        source.add_task(make_doc(number=number).id)
    index = RecordingIndex(open_index(Settings(data_dir=tmp_path), IndexMeta("fake", 3)), source.events)
    embedder = RecordingEmbedder(source.events, refuse=refuse_encode)
    return IndexWorker(source, index, embedder, LexicalEncoder(), batch_size=batch_size), source, index  # type: ignore[arg-type]


def first(events: list[tuple[str, tuple[int, ...]]], name: str, numbers: tuple[int, ...] = ()) -> int:
    return next(i for i, event in enumerate(events) if event[0] == name and (not numbers or event[1] == numbers))


def test_the_next_batch_is_encoded_while_the_one_before_is_written(tmp_path: Path) -> None:
    w, source, index = recording_worker(tmp_path, 3)
    index.hold_flush = w.embedder.encoding.is_set  # type: ignore[attr-defined]
    assert w.drain() == 3
    events = source.events
    # Batch 2 was claimed and its encode began before batch 1 was flushed and completed.
    assert first(events, "encode", (2,)) < first(events, "flush") < first(events, "complete", (1,))
    assert first(events, "claim", (2,)) < first(events, "upsert", (1,))
    assert source.tasks == {} and index.count() == 3
    index.close()


def completed_after_their_writes(source: MemorySource) -> bool:
    """Each completed task's document was upserted, then flushed, before the task was completed."""
    events = source.events
    for at, (name, tasks) in enumerate(events):
        if name == "complete":
            docs = {source.doc_of[task].int for task in tasks}
            upserts = [i for i, e in enumerate(events[:at]) if e[0] == "upsert" and docs <= set(e[1])]
            if not upserts or not any(e[0] == "flush" for e in events[upserts[-1] : at]):
                return False
    return True


def test_a_failed_write_fails_its_batch_alone_and_nothing_completes_early(tmp_path: Path) -> None:
    w, source, index = recording_worker(tmp_path, 3)
    index.refuse = 2
    assert w.drain() == 2  # batch 3 was encoded while batch 2 was written: it still goes in
    assert [ids for ids, _ in source.failed] == [[2]] and "engine refused 2" in source.failed[0][1]
    assert list(source.tasks) == [2] and completed_after_their_writes(source)
    assert [e for e in source.events if e[0] == "claim"] == [("claim", (1,)), ("claim", (2,)), ("claim", (3,))]

    index.refuse = None
    source.retry()
    assert w.drain() == 1
    assert source.tasks == {} and index.count() == 3 and completed_after_their_writes(source)
    index.close()


def test_a_failed_encode_fails_its_batch_alone_and_the_one_before_is_written(tmp_path: Path) -> None:
    w, source, index = recording_worker(tmp_path, 3, refuse_encode=2)
    assert w.drain() == 1  # after a failure nothing more is claimed
    assert [ids for ids, _ in source.failed] == [[2]] and "model crashed" in source.failed[0][1]
    assert list(source.tasks) == [2, 3] and source.held == {2} and index.count() == 1

    w.embedder.refuse = None  # type: ignore[attr-defined]
    source.retry()
    assert w.drain() == 2
    assert source.tasks == {} and index.count() == 3 and completed_after_their_writes(source)
    index.close()


def test_drain_finishes_everything_and_claims_never_overlap(tmp_path: Path) -> None:
    w, source, index = recording_worker(tmp_path, 10, batch_size=3)
    source.add_task(make_doc(number=4).id)  # a second task for a document, in a later batch
    assert w.drain() == 11
    assert source.tasks == {} and source.held == set() and index.count() == 10
    claimed = [task for name, tasks in source.events if name == "claim" for task in tasks]
    assert sorted(claimed) == list(range(1, 12))  # each task claimed once
    assert completed_after_their_writes(source)
    index.close()


def test_stop_finishes_what_is_in_hand_and_leaves_no_claim_behind(tmp_path: Path) -> None:
    w, source, index = recording_worker(tmp_path, 6)
    index.hold_flush = w._stop.is_set
    w.start(poll_seconds=60)
    deadline = time.monotonic() + 10
    while not any(name == "upsert" for name, _ in source.events):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    w.stop()
    assert w._thread is not None and not w._thread.is_alive()
    assert source.held == set()  # every claimed task was written and completed, none left leased
    assert 0 < len(source.tasks) < 6 and completed_after_their_writes(source)
    index.close()


def test_one_run_at_a_time_in_a_process(tmp_path: Path) -> None:
    """``run_once`` from another thread waits for a whole pipelined run, not only for one of its batches."""
    w, source, index = recording_worker(tmp_path, 3)
    writing = threading.Event()

    def hold() -> bool:  # the first flush is held the full three seconds
        writing.set()
        return False

    index.hold_flush = hold
    drain = threading.Thread(target=w.drain)
    drain.start()
    assert writing.wait(10)
    assert w.run_once() == 0  # it got the lock only after the drain had done all three
    drain.join()
    assert source.tasks == {} and sum(name == "claim" for name, _ in source.events) == 5
    index.close()
