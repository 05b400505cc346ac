"""``praktijkbank worker`` with the vector index replaced by a recorder (for the two-worker test).

The embedded index belongs to one process by design and the in-memory Qdrant cannot be shared between processes,
so this runs the real worker command (real PostgreSQL queue, real claim and lease) and writes what each process
indexed to its own log: one line per document upserted or removed. The model is a stand-in too: the test is
about who claims which task, not about vectors.

    python -m tests.indexing.recording_worker LOG_DIR
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from indexing.index import DENSE, IndexFilter, IndexHit, IndexMeta, IndexPoint, IndexQuery


class RecordingIndex:
    name = "recording"

    def __init__(self, meta: IndexMeta, log: Path) -> None:
        self.meta = meta
        self._log = log.open("a", buffering=1)
        self._log.write("ready\n")

    def upsert(self, points: Sequence[IndexPoint]) -> None:
        time.sleep(0.01)  # a little work per batch, so the two processes interleave
        for point in points:
            if point.payload["head"]:
                self._log.write(f"upsert {point.payload['doc_id']} {point.payload['version']}\n")

    def remove(self, doc_id: uuid.UUID, *, keep_version: int | None = None) -> None:
        if keep_version is None:
            self._log.write(f"remove {doc_id}\n")

    def query(self, query: IndexQuery) -> list[IndexHit]:
        return []

    def count(self, flt: IndexFilter | None = None, *, heads_only: bool = True) -> int:
        return 0

    def documents(self) -> int:
        return 0

    def vectors_of(self, doc_id: uuid.UUID, using: str = DENSE) -> list[list[float]]:
        return []

    def versions(self) -> Iterator[tuple[uuid.UUID, int]]:
        return iter(())

    def optimize(self) -> None:
        pass

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self._log.close()


class TinyEmbedder:
    name, dimension, max_tokens, multilingual = "tiny", 4, 256, False

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [[1.0, 0.0, 0.0, 0.0] for _ in texts]

    def embed_query(self, text: str) -> list[float]:
        return [1.0, 0.0, 0.0, 0.0]

    def count_tokens(self, texts: list[str]) -> list[int]:
        return [len(t.split()) for t in texts]


def main() -> None:
    from services import runtime

    log = Path(sys.argv[1]) / f"{os.getpid()}.log"

    def recording_index(_settings: Any, meta: IndexMeta, **_kw: Any) -> RecordingIndex:
        return RecordingIndex(meta, log)

    setattr(runtime, "open_index", recording_index)  # noqa: B010 (mypy: not an exported name)
    setattr(runtime, "load_model", lambda _settings, _model: TinyEmbedder())  # noqa: B010
    from cli.main import main as cli

    sys.argv = ["praktijkbank", "worker"]
    cli()


if __name__ == "__main__":
    main()
