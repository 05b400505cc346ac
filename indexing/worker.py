"""The index worker: turns committed index tasks into points, then marks them done.

It asks a ``DocumentSource`` (the SQL side) for work, so it knows nothing of tables or HTTP. Every step is
idempotent: a task that dies half-way is simply done again, and point ids are derived from the document.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
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
            if not tasks:
                return 0
            task_ids = [t.id for t in tasks]
            try:
                doc_ids = list(dict.fromkeys(t.doc_id for t in tasks))
                docs = self.source.load(tasks)
                present = [docs[d] for d in doc_ids if d in docs]
                self.index.upsert(build_points(present, self.embedder, self.lexical, self.cross))
                for doc_id in doc_ids:
                    doc = docs.get(doc_id)
                    # Old chunks go only after the new ones are in: a search never sees a gap.
                    self.index.remove(doc_id, keep_version=doc.version if doc else None)
                self.index.flush()
            except Exception as exc:
                logger.exception("indexing %d tasks failed; they will be retried", len(tasks))
                self.source.fail(task_ids, f"{type(exc).__name__}: {exc}")
                return 0
            self.source.complete(task_ids)
            return len(tasks)
