"""Build a large data dir (e.g. 100k practices) from an encoded smaller one, reusing its chunk vectors.

Encoding 100k practices (~1M chunks) takes the model about an hour on this machine; its speed is measured on its own
by ``ingest.py``. This script measures what the rest costs at scale, and makes the data dir that
``search_latency.py --data-dir`` measures searches, RSS and cold start on:

1. read every chunk vector of ``--source`` (a data dir that ``ingest.py --keep`` built) and the text it was made
   from (the source's practices, chunked again exactly as the worker chunks them);
2. import ``--jsonl`` (the source's practices) ``--copies`` times into a fresh ``--data-dir``, each copy with its
   own slugs, as ``praktijkbank import`` does: real SQL rows, one index task each;
3. drain the queue with the service's own worker (chunking, words, payloads, upserts, SQL), whose model is
   replaced by the table of step 1: a chunk text found there gets its stored vector, any other is encoded by the
   real model (the script prints how many were);
4. optimize the index (HNSW, and int8 storage with ``--quantization int8``).

Copies share their texts, so a search lists a practice and its copies side by side: a fair load for latency and
memory (the engine sees 10x the points, every SQL table 10x the rows), not for search quality.

    python benchmarks/scale.py --source /tmp/pb-10k --jsonl /tmp/pb-10k-practices.jsonl --copies 10 \\
        --data-dir /tmp/pb-100k --quantization int8

A two-model source (the default profile, e5 with USE as the cross model) gives both vectors of every chunk; name
the profile it was built with when it is not the configured one (``--model use-multilingual``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import CpuMonitor, proc_status_mib  # noqa: E402


class ReusedVectors:
    """The worker's model, answering from a table of vectors already encoded for the same texts."""

    def __init__(self, model: Any, table: dict[str, list[float]]) -> None:
        self._model = model
        self._table = table
        self.name = model.name
        self.dimension = model.dimension
        self.max_tokens = model.max_tokens
        self.multilingual = model.multilingual
        self.reused = 0
        self.encoded = 0

    def count_tokens(self, texts: list[str]) -> list[int]:
        return self._model.count_tokens(texts)  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        return self._model.embed_query(text)  # type: ignore[no-any-return]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        missing = [t for t in texts if t not in self._table]
        if missing:
            self.encoded += len(missing)
            self._table.update(zip(missing, self._model.embed_documents(missing), strict=True))
        self.reused += len(texts) - len(missing)
        return [self._table[t] for t in texts]


def vector_tables(source: Path, settings_for: Any, usings: list[str]) -> dict[str, dict[str, list[float]]]:
    """Per vector name in ``usings`` (``dense``, and ``cross`` for a two-model index's second one): chunk text -> its
    stored vector, for every chunk of the source data dir."""
    from core.vocab import DocKind
    from indexing.documents import chunk_document
    from indexing.worker import ClaimedTask
    from services.runtime import Runtime
    from storage.database import unit_of_work
    from storage.repositories import practices as repo

    runtime = Runtime.build(settings_for(source))
    try:
        shard = runtime.index._shard  # type: ignore[attr-defined]  # the embedded engine: read its points directly
        model = runtime.embedder
        tables: dict[str, dict[str, list[float]]] = {using: {} for using in usings}
        with unit_of_work(runtime.sessions) as session:
            ids = repo.all_ids(session)
        # Read as the worker reads them (SqlDocumentSource.load), so the texts are the ones it embeds.
        reader = runtime.worker.source
        documents: list[Any] = []
        for start in range(0, len(ids), 500):
            tasks = [ClaimedTask(0, DocKind.PRACTICE, i) for i in ids[start : start + 500]]
            documents.extend(reader.load(tasks).values())
        for start in range(0, len(documents), 200):
            chunks = [
                chunk
                for doc in documents[start : start + 200]
                for chunk in chunk_document(doc, model.count_tokens, model.max_tokens)
            ]
            records = shard.retrieve([str(c.point_id) for c in chunks], with_payload=False, with_vector=usings)
            vectors = {str(r.id): r.vector for r in records if isinstance(r.vector, dict)}
            for chunk in chunks:
                stored = vectors.get(str(chunk.point_id))
                if stored is None:
                    continue
                for using in usings:
                    tables[using][chunk.embed_text] = stored[using]
        return tables
    finally:
        runtime.close()


def copies_of(jsonl: Path, copies: int) -> Iterator[tuple[int, list[tuple[str, dict[str, Any]]]]]:
    """The records of ``jsonl`` as ``read_records`` gives them, once per copy, with slugs of that copy."""
    from services.transfer import read_records

    records = list(read_records(jsonl))
    for copy in range(copies):
        renamed = []
        for where, record in records:
            record = {key: value for key, value in record.items() if key != "id"}
            if copy:
                record["slug"] = f"{record['slug']}-x{copy}"
            renamed.append((f"{where} (copy {copy + 1})", record))
        yield copy, renamed


def folder_mib(path: Path) -> float:
    """Disk space taken (the engine preallocates sparse files: their apparent size says little)."""
    return sum(p.stat().st_blocks * 512 for p in path.rglob("*") if p.is_file()) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, required=True, help="an encoded data dir (ingest.py --keep)")
    parser.add_argument("--jsonl", type=Path, required=True, help="the practices that source was built from")
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--data-dir", type=Path, required=True, help="a new, empty data dir")
    parser.add_argument("--quantization", choices=["none", "int8"], default="int8")
    parser.add_argument("--source-quantization", choices=["none", "int8"], default="none")
    parser.add_argument(
        "--model", default=None, help="the source's model profile (default: PRAKTIJKBANK_EMBEDDING_MODEL)"
    )
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from core.settings import Settings
    from services.runtime import Runtime
    from services.transfer import import_records
    from storage.database import unit_of_work

    if args.data_dir.exists() and any(args.data_dir.iterdir()):
        raise SystemExit(f"{args.data_dir} is not empty")

    def settings_for(data_dir: Path, quantization: str = args.quantization) -> Settings:
        return Settings(
            data_dir=data_dir,
            seed_on_first_start=False,
            run_worker=False,
            qdrant_url=None,
            qdrant_quantization=quantization,  # type: ignore[arg-type]
            **({"embedding_model": args.model} if args.model else {}),  # type: ignore[arg-type]
        )

    start = time.perf_counter()
    cross_model = settings_for(args.data_dir).profile.cross
    usings = ["dense", "cross"] if cross_model else ["dense"]
    tables = vector_tables(args.source, lambda d: settings_for(d, args.source_quantization), usings)
    table, crossing = tables["dense"], tables.get("cross", {})
    print(
        f"read {len(table)} chunk vectors with their texts from {args.source}"
        + (f", and {len(crossing)} cross vectors ({cross_model})" if cross_model else "")
        + f" ({time.perf_counter() - start:.1f} s)"
    )

    runtime = Runtime.build(settings_for(args.data_dir))
    reused = ReusedVectors(runtime.embedder, table)
    runtime.worker.embedder = reused
    reused_cross = None
    if runtime.worker.cross is not None:
        reused_cross = runtime.worker.cross = ReusedVectors(runtime.worker.cross, crossing)
    try:
        cpu = CpuMonitor()
        start = time.perf_counter()
        for copy, records in copies_of(args.jsonl, args.copies):
            with unit_of_work(runtime.sessions) as session:
                report = import_records(session, records)
            if report.errors:
                raise SystemExit(f"copy {copy}: {report.errors[:3]}")
            print(f"  import copy {copy + 1}/{args.copies}: {report.created} practices", flush=True)
        import_s = time.perf_counter() - start
        print(f"import: {import_s:.1f} s; {cpu.describe()}", flush=True)

        cpu = CpuMonitor()
        start = time.perf_counter()
        done = 0

        def progress(n: int) -> None:
            nonlocal done
            done += n
            if done % 5000 < n:
                print(f"  drain {done} tasks, {done / (time.perf_counter() - start):.0f}/s", flush=True)

        runtime.worker.drain(progress=progress)
        drain_s = time.perf_counter() - start
        print(
            f"drain: {done} tasks in {drain_s:.1f} s; chunk vectors reused {reused.reused}, encoded by the model "
            f"{reused.encoded}"
            + (f"; cross vectors reused {reused_cross.reused}, encoded {reused_cross.encoded}" if reused_cross else "")
            + f"; {cpu.describe()}",
            flush=True,
        )
        start = time.perf_counter()
        runtime.index.optimize()
        print(f"optimize: {time.perf_counter() - start:.1f} s", flush=True)
        points = runtime.index.count(heads_only=False)
        practices = runtime.index.count()
        print(f"index: {practices} documents, {points} points; builder VmRSS {proc_status_mib():.0f} MiB")
    finally:
        runtime.close()
    index_dir = args.data_dir / "index"
    print(
        f"data dir {args.data_dir}: {folder_mib(args.data_dir):.0f} MiB "
        f"(index {folder_mib(index_dir) if index_dir.exists() else 0:.0f} MiB); "
        f"the chunk vectors were encoded for {args.source}, not by this run"
    )


if __name__ == "__main__":
    main()
