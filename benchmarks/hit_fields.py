"""What never-seen questions cost on a just-opened embedded index, with and without its hit fields read into memory
at start (``EdgeIndex.warm``), and what that memory weighs.

    python benchmarks/hit_fields.py --data-dir /tmp/pb-10k

It copies the data dir's live index folder to a temporary folder (an embedded index is one process's: the copy
leaves a running service alone) and, on the copy, with the anonymous access filter and the searcher's own legs:

Each pass first asks every question once with nothing kept (the engine warm, as in a service that has run a while:
a just-opened index answers its first queries slower whatever is kept), then, with the memory of hit fields empty:

1. memory empty: asks every question (each new to the memory), then once more, without warming (before issue 22);
2. the service's way: the same, the first search starting ``warm`` in the background;
3. warmed: ``warm`` first (wall and CPU time), then the same;
4. memory: opens it once more and measures the table ``warm`` builds with tracemalloc (MiB, and bytes a point).

Per pass: search p50 / mean (ms, the query vectors computed beforehand) and the points whose fields were read from
the engine during the searches.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from pathlib import Path
from typing import Any, cast

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import CpuMonitor, table  # noqa: E402
from benchmarks.search_latency import QUESTIONS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True, help="a filled data dir (only read)")
    parser.add_argument("--cold-only", action="store_true", help="only the cold passes (runs on a tree before warm)")
    args = parser.parse_args()

    from core.profiles import profile_for
    from core.settings import Settings
    from indexing.edge_index import HIT_CACHE_POINTS, EdgeIndex, HitFields
    from indexing.factory import LEGACY_FOLDER, index_meta, live_index, load_cross_model
    from indexing.index import FieldIn, VectorIndex
    from indexing.search import HybridSearcher
    from services.access import ANONYMOUS, AccessPolicy
    from services.runtime import load_model, make_lexical

    settings = Settings(data_dir=args.data_dir)
    live = live_index(settings)
    folder = live.name or LEGACY_FOLDER
    profile = profile_for(live.model or settings.profile.name)
    embedder, cross = load_model(settings, profile.model), load_cross_model(settings, profile)
    lexical = make_lexical(settings)
    meta = index_meta(embedder, lexical.scheme, cross)
    flt = (
        AccessPolicy(ANONYMOUS)
        .index_filter()
        .and_(FieldIn("status", ("published",)), FieldIn("doc_type", ("practice",)))
    )
    encoder = HybridSearcher(cast(VectorIndex, None), embedder, lexical, cache_size=0, cross=cross)
    vectors = {q: encoder.encode(q) for q in QUESTIONS}

    def passes(index: EdgeIndex) -> list[tuple[str, float, float, int]]:
        read = index._read_hit_fields
        points = [0]

        def counted(point_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
            points[0] += len(point_ids)
            return read(point_ids)

        index._read_hit_fields = counted  # type: ignore[method-assign]
        searcher = HybridSearcher(index, embedder, lexical, cache_size=0, cross=cross)
        out = []
        for name in ("first", "again"):
            points[0] = 0
            ms = [search_ms(searcher, q, vectors[q], flt) for q in QUESTIONS]
            out.append((name, statistics.median(ms), statistics.fmean(ms), points[0]))
        return out

    def engine_warm(index: EdgeIndex, *, warming: bool) -> None:
        """Every question once, unmeasured, with nothing kept: the engine's pages and structures are warm (as in a
        service that has run a while), the memory of hit fields empty. ``warming``: the next search that reads
        hit fields may start the warming."""
        done = threading.Thread(target=lambda: None)
        done.start()
        index._warming = done  # no warming during this round
        index._hit_fields = HitFields(0)
        searcher = HybridSearcher(index, embedder, lexical, cache_size=0, cross=cross)
        for q in QUESTIONS:
            searcher.search(q, flt, vectors=vectors[q])
        index._hit_fields = HitFields(HIT_CACHE_POINTS)
        index._warming = None if warming else done

    monitor = CpuMonitor()
    rows = []
    with tempfile.TemporaryDirectory(prefix="pb-hit-fields-") as work:
        copy = Path(work) / folder
        shutil.copytree(args.data_dir / folder, copy, ignore=shutil.ignore_patterns("*.lock"))
        index = EdgeIndex(copy, meta)
        points = index.count(heads_only=False)
        engine_warm(index, warming=False)  # as before issue 22: nothing warms the memory
        for name, p50, mean, read in passes(index):
            rows.append((f"memory empty, {name} pass", f"{p50:.2f}", f"{mean:.2f}", str(read)))
        index.close()
        if args.cold_only:
            print(f"{points} points; {len(QUESTIONS)} questions; {monitor.describe()}")
            print(table(("pass", "search p50 ms", "mean ms", "points read from the engine"), rows))
            return

        index = EdgeIndex(copy, meta)  # the service's way: the first search starts the warming in the background
        engine_warm(index, warming=True)
        for name, p50, mean, read in passes(index):
            rows.append((f"first search warms, {name} pass", f"{p50:.2f}", f"{mean:.2f}", str(read)))
        index.close()

        index = EdgeIndex(copy, meta)
        engine_warm(index, warming=False)
        wall, cpu = time.perf_counter(), time.process_time()
        kept = index.warm()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        for name, p50, mean, read in passes(index):
            rows.append((f"warmed, {name} pass", f"{p50:.2f}", f"{mean:.2f}", str(read)))
        index.close()

        index = EdgeIndex(copy, meta)
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        index.warm()
        table_bytes = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        index.close()
    print(
        f"{points} points, {kept} kept by warm in {wall:.2f} s ({cpu:.2f} s CPU); the table: "
        f"{table_bytes / 2**20:.1f} MiB ({table_bytes / max(kept, 1):.0f} B a point); {len(QUESTIONS)} questions; "
        f"{monitor.describe()}"
    )
    print(table(("pass", "search p50 ms", "mean ms", "points read from the engine"), rows))


def search_ms(searcher: Any, text: str, vectors: Any, flt: Any) -> float:
    start = time.perf_counter()
    searcher.search(text, flt, vectors=vectors)
    return (time.perf_counter() - start) * 1000


if __name__ == "__main__":
    main()
