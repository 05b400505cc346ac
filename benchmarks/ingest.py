"""Ingest benchmark: raw model encode rate versus the service's end-to-end ingest rate.

Into a fresh data dir (SQLite + embedded qdrant-edge index, as `praktijkbank import` uses):

1. import the generated JSONL with ``services.transfer.import_records`` in one unit of work   (timed: import)
2. read back exactly the documents the worker will index (``SqlDocumentSource.load``), chunk them with
   ``chunk_document`` as ``build_points`` does, and time only ``embed_documents`` of each model of the pair
   (the primary, then the cross model when the profile has one), one call per model for the chunks of each
   ``worker_batch_size`` practices, as the worker calls them                                     (raw encode)
3. drain the index queue with ``runtime.worker.drain`` as the CLI does                         (timed: drain)
4. ``runtime.index.optimize()``                                                               (timed: optimize)

Ingest rate = practices / (import + drain); optimize is reported on its own. The raw rate is chunks over the
summed encode time of both models: what the pair costs one after the other with nothing else to do. The drain is
broken down per step by wrapping the runtime's objects in this process (no project file is changed); the worker
encodes one batch while it writes the one before, so the steps overlap and their shares can sum past 100%.

    python benchmarks/ingest.py --n 1000
    python benchmarks/ingest.py --n 10000 --data-dir /tmp/pb-10k --keep     # reusable by search_latency.py
    python benchmarks/ingest.py --jsonl part2.jsonl --data-dir /tmp/pb-10k --add-to --keep   # grow it in parts
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import platform
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import CpuMonitor, peak_rss_mib, proc_status_mib, table  # noqa: E402
from benchmarks.generate import generate  # noqa: E402
from core.vocab import DocKind  # noqa: E402
from indexing.worker import ClaimedTask  # noqa: E402


class Timers:
    """Wall time and calls per named step; wrappers are installed on instances, not on classes."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.enabled = False

    def wrap(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if not self.enabled:
                return func(*args, **kwargs)
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - start
                self.calls[name] += 1

        return timed

    def patch(self, obj: Any, attr: str, name: str) -> None:
        setattr(obj, attr, self.wrap(name, getattr(obj, attr)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="practices to generate (default 1000; try 10000)")
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--jsonl", type=Path, help="use this JSONL instead of generating one")
    parser.add_argument("--data-dir", type=Path, help="fresh data dir to fill (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the data dir (for search_latency.py --data-dir)")
    parser.add_argument(
        "--add-to",
        action="store_true",
        help="import into a filled --data-dir (building a large index in parts); only the new practices count",
    )
    parser.add_argument("--skip-raw", action="store_true", help="skip the raw encode measurement")
    parser.add_argument(
        "--raw-limit", type=int, default=0, help="raw-encode only the first K chunk texts (0: all, the default)"
    )
    parser.add_argument("--torch-threads", type=int, default=None, help="PRAKTIJKBANK_TORCH_THREADS equivalent")
    args = parser.parse_args()

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    # Imported here so that --help is fast.
    from core.settings import Settings
    from indexing import worker as worker_module
    from indexing.documents import chunk_document
    from services.index_source import SqlDocumentSource
    from services.runtime import Runtime
    from services.transfer import import_records, read_records
    from storage.database import unit_of_work
    from storage.repositories import index_tasks
    from storage.repositories import practices as repo

    own_dir = args.data_dir is None
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix=f"praktijkbank-ingest-{args.n}-"))
    if data_dir.exists() and any(data_dir.iterdir()) and not args.add_to:
        raise SystemExit(f"{data_dir} is not empty: the benchmark needs a fresh data dir (or --add-to)")
    data_dir.mkdir(parents=True, exist_ok=True)

    jsonl = args.jsonl
    if jsonl is None:
        jsonl = data_dir.parent / f"{data_dir.name}-practices.jsonl"
        start = time.perf_counter()
        with jsonl.open("w", encoding="utf-8") as out:
            for record in generate(args.n, args.seed, ROOT / "seed_practices"):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        print(f"generated {args.n} practices -> {jsonl} ({time.perf_counter() - start:.1f} s)", flush=True)

    settings = Settings(
        data_dir=data_dir, seed_on_first_start=False, run_worker=False, torch_threads=args.torch_threads
    )
    start = time.perf_counter()
    runtime = Runtime.build(settings)
    load_s = time.perf_counter() - start
    import torch

    print(
        f"python {platform.python_version()}, torch {torch.__version__} threads {torch.get_num_threads()}, "
        f"cpus {os.cpu_count()}, model {runtime.embedder.name} (max {runtime.embedder.max_tokens} tokens), "
        f"bf16 autocast {getattr(runtime.embedder, '_bf16', 'n/a')}, runtime build {load_s:.1f} s, data dir {data_dir}",
        flush=True,
    )
    embedder = runtime.embedder
    cross = runtime.live.cross
    warm_up = ["Opwarmen van het model: een korte zin om de eerste batch buiten de meting te houden."] * 8
    models = [("primary", embedder), *([("cross", cross)] if cross else [])]
    for _, model in models:
        model.embed_documents(warm_up)
    if cross:
        print(f"cross model {cross.name}", flush=True)

    timers = Timers()
    worker = runtime.worker
    timers.patch(worker.source, "claim", "sql claim")
    timers.patch(worker.source, "load", "sql load")
    timers.patch(worker.source, "complete", "sql complete")
    timers.patch(embedder, "embed_documents", "embed_documents")
    if cross:
        timers.patch(cross, "embed_documents", "cross embed_documents")
    timers.patch(embedder, "count_tokens", "count_tokens (chunking)")
    timers.patch(worker.lexical, "document", "lexical.document")
    timers.patch(worker.index, "upsert", "index.upsert")
    timers.patch(worker.index, "remove", "index.remove")
    timers.patch(worker.index, "flush", "index.flush")
    worker_module.build_points = timers.wrap("build_points (total)", worker_module.build_points)

    try:
        # --- 1. import (as `praktijkbank import`) -------------------------------------------------------------
        with unit_of_work(runtime.sessions) as session:
            before = set(repo.all_ids(session))
        import_cpu = CpuMonitor()
        start = time.perf_counter()
        records = list(read_records(jsonl))
        with unit_of_work(runtime.sessions) as session:
            report = import_records(session, records)
        import_s = time.perf_counter() - start
        with unit_of_work(runtime.sessions) as session:
            pending = index_tasks.backlog(session).pending
            ids = [i for i in repo.all_ids(session) if i not in before]
        if before:
            print(f"the data dir already held {len(before)} practices", flush=True)
        print(
            f"import: {report.created} created, {report.skipped} skipped, {len(report.errors)} errors, "
            f"{pending} index tasks, {import_s:.1f} s; {import_cpu.describe()}",
            flush=True,
        )
        for error in report.errors[:5]:
            print(f"  {error}", file=sys.stderr)
        practices = report.created

        # --- 2. raw encode on exactly the chunk texts the worker will embed ---------------------------------
        source = SqlDocumentSource(runtime.sessions)
        groups: list[list[str]] = []  # the chunk texts of each worker batch of practices
        step = worker.batch_size
        start = time.perf_counter()
        for i in range(0, len(ids), step):
            docs = source.load([ClaimedTask(0, DocKind.PRACTICE, doc_id) for doc_id in ids[i : i + step]])
            groups.append(
                [
                    c.embed_text
                    for doc_id in ids[i : i + step]
                    if doc_id in docs
                    for c in chunk_document(docs[doc_id], embedder.count_tokens, embedder.max_tokens)
                ]
            )
        chunk_s = time.perf_counter() - start
        texts = [text for group in groups for text in group]
        chunks_total = len(texts)
        token_counts = embedder.count_tokens(texts[:2000])
        print(
            f"chunks: {chunks_total} ({chunks_total / max(1, practices):.1f} per practice, mean "
            f"{sum(token_counts) / max(1, len(token_counts)):.0f} word pieces over the first {len(token_counts)}), "
            f"load+chunk {chunk_s:.1f} s",
            flush=True,
        )
        raw_rate = float("nan")
        raw_n = 0
        raw_s = 0.0
        raw_by_model: dict[str, float] = defaultdict(float)
        if not args.skip_raw:
            raw_cpu = CpuMonitor()
            next_report = time.perf_counter() + 60
            for group in groups:
                batch = group[: args.raw_limit - raw_n] if args.raw_limit else group
                if not batch:
                    break
                for label, model in models:
                    start = time.perf_counter()
                    model.embed_documents(batch)
                    raw_by_model[label] += time.perf_counter() - start
                raw_n += len(batch)
                raw_s = sum(raw_by_model.values())
                if time.perf_counter() > next_report:
                    print(f"  raw encode {raw_n}/{chunks_total} ({raw_n / raw_s:.1f} chunks/s)", flush=True)
                    next_report = time.perf_counter() + 60
            raw_rate = raw_n / raw_s
            raw_own, _ = raw_cpu.stop()
            raw_cores = raw_cpu.describe()
            each = ", ".join(f"{label} {raw_n / seconds:.1f} chunks/s" for label, seconds in raw_by_model.items())
            print(
                f"raw encode: {raw_n} chunks in {raw_s:.1f} s = {raw_rate:.1f} chunks/s ({each}); {raw_cores}",
                flush=True,
            )
        del texts, groups

        # --- 3. drain, as the CLI does -------------------------------------------------------------------------
        done = 0
        next_report = time.perf_counter() + 60
        drain_start = time.perf_counter()

        def progress(n: int) -> None:
            nonlocal done, next_report
            done += n
            if time.perf_counter() > next_report:
                elapsed = time.perf_counter() - drain_start
                print(f"  drain {done}/{pending} tasks, {done / elapsed:.1f} practices/s", flush=True)
                next_report = time.perf_counter() + 60

        timers.enabled = True
        drain_cpu = CpuMonitor()
        drained = worker.drain(progress=progress)
        drain_s = time.perf_counter() - drain_start
        drain_own, _ = drain_cpu.stop()
        drain_cores = drain_cpu.describe()
        timers.enabled = False

        # --- 4. optimize ------------------------------------------------------------------------------------------
        start = time.perf_counter()
        runtime.index.optimize()
        optimize_s = time.perf_counter() - start
        points = runtime.index.count(heads_only=False)
        indexed = runtime.index.count()
        with unit_of_work(runtime.sessions) as session:
            backlog = index_tasks.backlog(session)
    finally:
        runtime.close()

    ingest_s = import_s + drain_s
    print()
    print(
        f"drained {drained} tasks; index holds {indexed} practices / {points} points (this run chunked {chunks_total} "
        f"chunks); pending {backlog.pending}, failing {backlog.failing}"
    )
    print()
    headers = [
        "practices",
        "chunks",
        "raw encode chunks/s",
        "ingest practices/s",
        "ingest chunks/s",
        "ratio ingest/raw",
        "raw chunks/CPU-s",
        "drain chunks/CPU-s",
        "import s",
        "drain s",
        "optimize s",
        "peak RSS MiB",
    ]
    row = [
        str(practices),
        str(chunks_total),
        f"{raw_rate:.1f}" + ("" if raw_n in (0, chunks_total) else f" ({raw_n})"),
        f"{practices / ingest_s:.2f}",
        f"{chunks_total / ingest_s:.1f}",
        f"{(chunks_total / ingest_s) / raw_rate:.2f}" if raw_n else "-",
        f"{raw_rate / raw_own:.1f}" if raw_n else "-",
        f"{chunks_total / drain_s / drain_own:.1f}",
        f"{import_s:.1f}",
        f"{drain_s:.1f}",
        f"{optimize_s:.1f}",
        f"{peak_rss_mib():.0f}",
    ]
    print(table(headers, [row]))
    print()
    print("drain breakdown (wall time inside worker.drain; build_points contains count_tokens,")
    print("embed_documents of both models and lexical.document; it runs beside the writes of the batch before)")
    rows = []
    for name in (
        "sql claim",
        "sql load",
        "build_points (total)",
        "count_tokens (chunking)",
        "embed_documents",
        "cross embed_documents",
        "lexical.document",
        "index.upsert",
        "index.remove",
        "index.flush",
        "sql complete",
    ):
        rows.append(
            [
                name,
                str(timers.calls[name]),
                f"{timers.seconds[name]:.1f}",
                f"{100 * timers.seconds[name] / drain_s:.1f}%",
            ]
        )
    accounted = sum(
        timers.seconds[n]
        for n in (
            "sql claim",
            "sql load",
            "build_points (total)",
            "index.upsert",
            "index.remove",
            "index.flush",
            "sql complete",
        )
    )
    rest = drain_s - accounted
    rows.append(["drain - the steps (< 0: overlap)", "", f"{rest:.1f}", f"{100 * rest / drain_s:.1f}%"])
    print(table(["step", "calls", "seconds", "share of drain"], rows))
    encode_s = timers.seconds["embed_documents"] + timers.seconds["cross embed_documents"]
    if encode_s:
        print(
            f"\nencode rate inside the worker: {chunks_total / encode_s:.1f} chunks/s, both models "
            f"(embed_documents called with all chunks of {runtime.worker.batch_size} practices at once)"
        )
    print(f"during drain: {drain_cores}")
    if raw_n:
        print(f"during raw encode: {raw_cores}")
    print(f"peak RSS {peak_rss_mib():.0f} MiB, current RSS {proc_status_mib():.0f} MiB")

    if own_dir and not args.keep:
        shutil.rmtree(data_dir, ignore_errors=True)
        if args.jsonl is None:
            jsonl.unlink(missing_ok=True)
    else:
        print(f"data dir kept: {data_dir}")


if __name__ == "__main__":
    main()
