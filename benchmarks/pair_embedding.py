"""What the default pair's two query embeddings cost (e5 on onnxruntime, USE multilingual on numpy): each alone,
one after the other (the service before issue 22), and at the same time in several ways, at one client and at
``--clients`` concurrent client threads, on the questions of benchmarks/search_latency.py.

    python benchmarks/pair_embedding.py [--rounds 3] [--clients 8] [--only "sequential,the service"]

Rows (``e5/N``: e5 with N intra-op threads that sleep between runs, as the service's; ``e5/2spin`` two that spin,
onnxruntime's default and the service's before issue 22; ``e5/adaptive`` two threads for a lone query and one (a
second session) beside others; USE always on one BLAS thread, as the service embeds queries):

- ``alone``: one model; through a ``QueryBatcher`` as in the service, or ``direct`` (each caller runs the model
  on its own thread: e5 cannot batch queries, so the batcher only queues them one after the other);
- ``sequential``: e5, then USE (the service before issue 22);
- ``new thread``: USE on a thread started for the query while e5 runs on the caller's;
- ``helper``: USE queued to one persistent thread that embeds whatever is queued in one call, e5 on the caller's;
- ``submit``: ``QueryBatcher.submit``, the service's way: like ``helper``, on the batcher's own thread;
- ``pool``: USE submitted to a thread pool (one task per query, each through the batcher);
- ``the service``: ``HybridSearcher.encode`` (cache off), the words included.

Per row: wall ms per query and CPU ms per query at one client; at ``--clients``: queries/s, p50 and p95 latency and
CPU ms per query. It also checks, at ``--clients``, that every way gives e5's vectors of one query alone bit for
bit, and how far USE's are from its vectors of one query alone. Run it on a quiet machine: it prints the other
processes' share of the cores.
"""

from __future__ import annotations

import argparse
import os
import queue
import statistics
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import CpuMonitor, table  # noqa: E402
from benchmarks.query_embedding import timed  # noqa: E402
from benchmarks.search_latency import QUESTIONS  # noqa: E402
from indexing.query_encoder import QueryBatcher  # noqa: E402

Vectors = tuple[list[float] | None, list[float] | None]
Encode = Callable[[str], Vectors]


class Helper:
    """One persistent thread that embeds whatever queries are queued in one model call."""

    def __init__(self, many: Callable[[list[str]], list[list[float]]]) -> None:
        self._many = many
        self._queue: queue.SimpleQueue[tuple[str, Future[list[float]]]] = queue.SimpleQueue()
        threading.Thread(target=self._loop, daemon=True).start()

    def submit(self, text: str) -> Future[list[float]]:
        future: Future[list[float]] = Future()
        self._queue.put((text, future))
        return future

    def _loop(self) -> None:
        while True:
            batch = [self._queue.get()]
            while True:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            texts = list(dict.fromkeys(text for text, _ in batch))
            vectors = dict(zip(texts, self._many(texts), strict=True))
            for text, future in batch:
                future.set_result(vectors[text])


def on_new_thread(run: Callable[[str], list[float]], text: str) -> Callable[[], list[float]]:
    out: list[list[float]] = []
    thread = threading.Thread(target=lambda: out.append(run(text)))
    thread.start()

    def result() -> list[float]:
        thread.join()
        return out[0]

    return result


def strategies(e5: dict[str, Any], use: Any) -> dict[str, Encode]:
    """The ways to embed one query with both models, by row name."""
    use_batcher = QueryBatcher(use)
    helper = Helper(use.embed_queries)
    pool = ThreadPoolExecutor(16)
    rows: dict[str, Encode] = {"USE alone": lambda t: (None, use_batcher.embed(t))}
    for name, model in e5.items():
        batcher = QueryBatcher(model)
        e5_batched: Callable[[str], list[float]] = batcher.embed
        e5_direct: Callable[[str], list[float]] = model.embed_query
        rows[f"{name} alone"] = lambda t, e=e5_batched: (e(t), None)  # type: ignore[misc]
        rows[f"{name} alone, direct"] = lambda t, e=e5_direct: (e(t), None)  # type: ignore[misc]
        rows[f"{name} + USE sequential"] = lambda t, e=e5_batched: (e(t), use_batcher.embed(t))  # type: ignore[misc]
        for how, e in (("", e5_batched), (", e5 direct", e5_direct)):

            def new_thread(t: str, e: Callable[[str], list[float]] = e) -> Vectors:
                other = on_new_thread(use_batcher.embed, t)
                return e(t), other()

            def helped(t: str, e: Callable[[str], list[float]] = e) -> Vectors:
                other = helper.submit(t)
                return e(t), other.result()

            def pooled(t: str, e: Callable[[str], list[float]] = e) -> Vectors:
                other = pool.submit(use_batcher.embed, t)
                return e(t), other.result()

            def submitted(t: str, e: Callable[[str], list[float]] = e) -> Vectors:
                other = use_batcher.submit(t)  # the service's way (HybridSearcher.encode)
                return e(t), other.result()

            rows[f"{name} + USE submit{how}"] = submitted
            rows[f"{name} + USE new thread{how}"] = new_thread
            rows[f"{name} + USE helper{how}"] = helped
            rows[f"{name} + USE pool{how}"] = pooled
    return rows


def spinning(model: Any) -> Any:
    """``model`` with a session whose two intra-op threads spin between runs (onnxruntime's default; the service's
    before issue 22)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = 2, 1
    model._session = onnxruntime.InferenceSession(str(model.path), options, providers=["CPUExecutionProvider"])
    return model


def many_clients(encode: Encode, rounds: int, clients: int) -> tuple[float, float, float, float]:
    """(queries/s, p50 ms, p95 ms, CPU ms per query) with ``clients`` threads asking at once, each every question
    ``rounds`` times (each client starting at another question)."""
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def client(offset: int) -> None:
        mine = []
        barrier.wait()
        for i in range(rounds * len(QUESTIONS)):
            start = time.perf_counter()
            encode(QUESTIONS[(offset * 5 + i) % len(QUESTIONS)])
            mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    wall, cpu = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.join()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    ms = sorted(x * 1000 for x in latencies)
    return len(ms) / wall, statistics.median(ms), ms[int(0.95 * (len(ms) - 1))], cpu * 1000 / len(ms)


def agreement(reference: dict[str, Vectors], encode: Encode, clients: int) -> tuple[str, str]:
    """Asked by ``clients`` threads at once: whether ``encode`` gives e5's reference vectors bit for bit, and how far
    USE's are from its vectors of one query alone (concurrent queries share one USE call, whose matrix shapes
    differ from one query's: a rounding apart, as before issue 22)."""
    with ThreadPoolExecutor(clients) as pool:
        got = dict(zip(QUESTIONS, pool.map(encode, QUESTIONS), strict=True))
    e5 = [got[q][0] == reference[q][0] for q in QUESTIONS if got[q][0] is not None]
    use = [
        max(abs(a - b) for a, b in zip(mine, reference[q][1] or [], strict=True))
        for q in QUESTIONS
        if (mine := got[q][1]) is not None
    ]
    return (str(all(e5)) if e5 else "-"), (f"{max(use):.1e}" if use else "-")


class Adaptive:
    """e5 on two intra-op threads while it embeds one query, on one thread (a second session) beside others."""

    def __init__(self, two: Any, one: Any) -> None:
        self._two, self._one = two, one
        self._lock = threading.Lock()
        self._busy = 0

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            model = self._two if self._busy == 0 else self._one
            self._busy += 1
        try:
            return model.embed_query(text)  # type: ignore[no-any-return]
        finally:
            with self._lock:
                self._busy -= 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="times every question is embedded per row and client")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads of the second pass")
    parser.add_argument("--only", default="", help="comma-separated words: only rows whose name holds one")
    args = parser.parse_args()

    from indexing.e5_embedder import E5Embedder
    from indexing.index import VectorIndex
    from indexing.lexical import LexicalEncoder
    from indexing.search import HybridSearcher
    from indexing.use_embedder import UseEmbedder

    e5 = {"e5/2": E5Embedder(threads=2), "e5/1": E5Embedder(threads=1), "e5/2spin": spinning(E5Embedder())}
    e5["e5/adaptive"] = Adaptive(e5["e5/2"], e5["e5/1"])
    use = UseEmbedder()
    rows = strategies(e5, use)
    service = HybridSearcher(cast(VectorIndex, None), e5["e5/2"], LexicalEncoder(), cache_size=0, cross=use)
    rows["e5/2 + USE: the service (HybridSearcher.encode)"] = lambda t: (lambda v: (v.dense, v.cross))(
        service.encode(t)
    )
    wanted = [w for w in args.only.split(",") if w]
    use_vectors = {q: use.embed_query(q) for q in QUESTIONS}
    references = {n: {q: (m.embed_query(q), use_vectors[q]) for q in QUESTIONS} for n, m in e5.items()}
    one_thread = references["e5/1"] == references["e5/2"] == references["e5/2spin"]
    out = []
    monitor = CpuMonitor()
    for name, encode in rows.items():
        if wanted and not any(w in name for w in wanted):
            continue
        for q in QUESTIONS[:4]:  # unmeasured: first calls, threads started
            encode(q)
        wall, cpu = timed(encode, args.rounds)  # one question at a time
        rate, p50, p95, cpu_many = many_clients(encode, args.rounds, args.clients)
        same, use_diff = agreement(
            references[name.split()[0] if name.startswith("e5") else "e5/2"], encode, args.clients
        )
        numbers = (f"{wall:.2f}", f"{cpu:.2f}", f"{rate:.1f}", f"{p50:.1f}", f"{p95:.1f}", f"{cpu_many:.2f}")
        out.append((name, *numbers, same, use_diff))
        print(f"  {name}: done ({monitor.describe()})", file=sys.stderr, flush=True)
    print(
        f"{len(QUESTIONS)} questions x {args.rounds} rounds; {monitor.describe()}; "
        f"e5 on 1 thread, on 2 and on 2 spinning gives the same vectors bit for bit: {one_thread}"
    )
    headers = (
        "way",
        "1 client wall ms",
        "CPU ms/q",
        f"{args.clients} clients q/s",
        "p50 ms",
        "p95 ms",
        "CPU ms/q",
        "e5 same bits",
        "USE max diff",
    )
    print(table(headers, out))


if __name__ == "__main__":
    main()
