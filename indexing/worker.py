"""The index worker: turns committed index tasks into points, then marks them done.

It asks a ``DocumentSource`` (the SQL side) for work, so it knows nothing of tables or HTTP. Every step is
idempotent: a task that dies half-way is simply done again, and point ids are derived from the document.

A run of batches is a pipeline of two stages: a second thread loads and encodes batch n+1 while this one writes
batch n (upsert, remove, flush, complete). The models are the slow part, so they never wait for SQL or the engine.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from core.background import Background
from indexing.documents import IndexDocument, chunk_document, whole_text
from indexing.embedder import Embedder
from indexing.index import IndexPoint, VectorIndex
from indexing.lexical import LexicalEncoder, SparseVec

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClaimedTask:
    id: int
    kind: str  # the document's doc_type: "practice" or "question"
    doc_id: uuid.UUID


class DocumentSource(Protocol):
    def claim(self, limit: int) -> list[ClaimedTask]: ...

    def load(self, tasks: Sequence[ClaimedTask]) -> dict[uuid.UUID, IndexDocument]:
        """The documents as SQL has them now; a document that is gone is absent (its points are removed)."""

    def complete(self, task_ids: Sequence[int]) -> None: ...

    def fail(self, task_ids: Sequence[int], error: str) -> None: ...


def build_points(
    docs: Sequence[IndexDocument], embedder: Embedder, lexical: LexicalEncoder, cross: Embedder | None = None
) -> list[IndexPoint]:
    """Chunk and embed (one batch for all chunks, per model); the lexical vector of the whole document goes on its
    head point. With a ``cross`` model every chunk also gets that model's vector.

    Words are scored per document, not per chunk: a question's words spread over a practice's sections, and
    chunk-level BM25 ranked worse on all three evaluation sets (``benchmarks/quality.py``; README). The primary
    model's token budget cuts the chunks; the cross model reads the same chunks (USE has no position limit), so
    both vectors of a point describe the same passage."""
    chunks = [(doc, chunk) for doc in docs for chunk in chunk_document(doc, embedder.count_tokens, embedder.max_tokens)]
    texts = [chunk.embed_text for _, chunk in chunks]
    vectors = embedder.embed_documents(texts)
    crossing: list[list[float] | None] = list(cross.embed_documents(texts)) if cross else [None] * len(texts)
    points = []
    seen: set[uuid.UUID] = set()
    for (doc, chunk), vector, cross_vector in zip(chunks, vectors, crossing, strict=True):
        head = doc.id not in seen
        payload = dict(doc.payload)
        payload.update(
            doc_id=str(doc.id), version=doc.version, section=chunk.section, chunk=chunk.number, head=int(head)
        )
        seen.add(doc.id)
        sparse = lexical.document(whole_text(doc), doc.language) if head else SparseVec([], [])
        points.append(IndexPoint(chunk.point_id, vector, sparse, payload, cross_vector))
    return points


@dataclass(frozen=True)
class EncodedBatch:
    """One claimed batch after the first stage: its documents as loaded and their points, or why that failed."""

    tasks: list[ClaimedTask]
    docs: dict[uuid.UUID, IndexDocument]
    points: list[IndexPoint]
    error: str | None = None

    @property
    def task_ids(self) -> list[int]:
        return [t.id for t in self.tasks]

    @property
    def doc_ids(self) -> list[uuid.UUID]:
        return list(dict.fromkeys(t.doc_id for t in self.tasks))


class IndexWorker(Background):
    name = "index-worker"

    def __init__(
        self,
        source: DocumentSource,
        index: VectorIndex,
        embedder: Embedder,
        lexical: LexicalEncoder,
        *,
        batch_size: int = 32,
        cross: Embedder | None = None,
    ) -> None:
        self.source = source
        self.index = index
        self.embedder = embedder
        self.lexical = lexical
        self.cross = cross
        self.batch_size = batch_size
        super().__init__()

    def run_once(self) -> int:
        """Process one batch of tasks; returns how many tasks were completed."""
        with self._lock:
            tasks = self.source.claim(self.batch_size)
            return self.write(self.encode(tasks)) if tasks else 0

    def run_due(self, progress: Callable[[int], object] | None = None, stop: threading.Event | None = None) -> int:
        """Batch after batch, encoding the next while the one before is written. Claims stay in this thread, one
        after the other, so two never race; at most two batches are in hand (one encoding, one writing). After a
        failed batch or ``stop`` nothing more is claimed, and what is in hand is finished."""
        with self._lock:
            tasks = self.source.claim(self.batch_size)
            if not tasks:
                return 0
            total = 0
            halted = False
            with ThreadPoolExecutor(1, thread_name_prefix=f"{self.name}-encode") as encoder:
                encoding: Future[EncodedBatch] | None = encoder.submit(self.encode, tasks)
                while encoding is not None:
                    batch = encoding.result()
                    halted = halted or batch.error is not None or (stop is not None and stop.is_set())
                    tasks = [] if halted else self.source.claim(self.batch_size)
                    encoding = encoder.submit(self.encode, tasks) if tasks else None
                    done = self.write(batch)
                    halted = halted or not done
                    total += done
                    if done and progress:
                        progress(done)
            return total

    def encode(self, tasks: Sequence[ClaimedTask]) -> EncodedBatch:
        """The first stage: the documents as SQL has them now, chunked and embedded. Touches neither the index
        nor the tasks, so it can run beside ``write`` of the batch before."""
        try:
            docs = self.source.load(tasks)
            present = [docs[d] for d in dict.fromkeys(t.doc_id for t in tasks) if d in docs]
            return EncodedBatch(list(tasks), docs, build_points(present, self.embedder, self.lexical, self.cross))
        except Exception as exc:
            logger.exception("encoding %d tasks failed; they will be retried", len(tasks))
            return EncodedBatch(list(tasks), {}, [], f"{type(exc).__name__}: {exc}")

    def write(self, batch: EncodedBatch) -> int:
        """The second stage: the points in, old versions out, flushed; only then are the tasks complete (a failure
        fails this batch's tasks alone). Returns how many tasks were completed."""
        error = batch.error
        if error is None:
            try:
                self.index.upsert(batch.points)
                for doc_id in batch.doc_ids:
                    doc = batch.docs.get(doc_id)
                    # Old chunks go only after the new ones are in: a search never sees a gap.
                    self.index.remove(doc_id, keep_version=doc.version if doc else None)
                self.index.flush()
            except Exception as exc:
                logger.exception("writing %d tasks to the index failed; they will be retried", len(batch.tasks))
                error = f"{type(exc).__name__}: {exc}"
        if error is not None:
            self.source.fail(batch.task_ids, error)
            return 0
        self.source.complete(batch.task_ids)
        return len(batch.tasks)
