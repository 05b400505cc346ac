"""Page render latency beside the API calls the pages wrap, in one run of the real service (loopback HTTP).

Starts ``praktijkbank serve`` on a data dir (default: a new one seeded with ``seed_practices/`` at first start),
waits until the index has caught up, then sends the requests of each pair interleaved, one at a time, so both
sides see the same machine load:

  results page    GET /?q=...                       (search of the best 50, facet counts, one page of 10)
  API search      GET /api/v1/search?q=...&limit=50 (the same search, as JSON)
  API search 10   GET /api/v1/search?q=...          (the API's default page of 10)
  practice page   GET /praktijken/{slug}            (practice, similar, applied, feedback, versions)
  API practice    GET /api/v1/practices/{slug}
  API similar     GET /api/v1/practices/{slug}/similar

The network panel beside the results is a separate request (``/netwerk?q=``, loaded by htmx after the page);
it is measured on its own row beside ``POST /api/v1/ask``, which it wraps.

    python benchmarks/page_render.py                       # seed data, 60 requests per row
    python benchmarks/page_render.py --data-dir /tmp/pb-10k --requests 100
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import table  # noqa: E402
from benchmarks.search_latency import HOST, QUESTIONS, free_port, percentile, serve, stop, wait_ready  # noqa: E402

Request = Callable[[httpx.Client, int], httpx.Response]


def rows_for(slugs: list[str]) -> list[tuple[str, Request]]:
    def q(i: int) -> str:
        return QUESTIONS[i % len(QUESTIONS)]

    def slug(i: int) -> str:
        return slugs[i % len(slugs)]

    return [
        ("results page  GET /?q=", lambda c, i: c.get("/", params={"q": q(i)})),
        ("API search    limit=50", lambda c, i: c.get("/api/v1/search", params={"q": q(i), "limit": 50})),
        ("API search    limit=10", lambda c, i: c.get("/api/v1/search", params={"q": q(i)})),
        ("practice page GET /praktijken/{slug}", lambda c, i: c.get(f"/praktijken/{slug(i)}")),
        ("API practice  GET /api/v1/practices/{slug}", lambda c, i: c.get(f"/api/v1/practices/{slug(i)}")),
        ("API similar   GET .../{slug}/similar", lambda c, i: c.get(f"/api/v1/practices/{slug(i)}/similar")),
        ("network panel GET /netwerk?q=", lambda c, i: c.get("/netwerk", params={"q": q(i)})),
        ("API ask       POST /api/v1/ask", lambda c, i: c.post("/api/v1/ask", json={"question": q(i), "limit": 4})),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, help="a filled data dir to reuse; default: a new one with the seeds")
    parser.add_argument("--requests", "-m", type=int, default=60, help="measured requests per row (default 60)")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured requests per row first (default 5)")
    parser.add_argument("--ready-timeout", type=float, default=900.0)
    args = parser.parse_args()

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="praktijkbank-pages-"))
    port = free_port()
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false"}
    env["PRAKTIJKBANK_SEED_ON_FIRST_START"] = "false" if args.data_dir else "true"
    log_path = Path(tempfile.gettempdir()) / f"praktijkbank-pages-{port}.log"
    with log_path.open("wb") as log:
        proc = serve(port, data_dir, env, log)
        try:
            with httpx.Client(base_url=f"http://{HOST}:{port}", timeout=60) as client:
                ready = wait_ready(client, proc, args.ready_timeout)
                print(f"service on port {port}: {ready['practices']} practices, data dir {data_dir}", flush=True)
                listed = client.get("/api/v1/practices", params={"limit": 50}).raise_for_status().json()["items"]
                slugs = [p["slug"] for p in listed if p["status"] == "published"]
                rows = rows_for(slugs)
                latencies: dict[str, list[float]] = {name: [] for name, _ in rows}
                for i in range(args.warmup + args.requests):
                    for name, send in rows:  # interleaved: each pair sees the same load
                        start = time.perf_counter()
                        response = send(client, i)
                        elapsed = (time.perf_counter() - start) * 1000
                        if response.status_code != 200:
                            raise SystemExit(f"{name}: {response.status_code} {response.text[:300]}")
                        if i >= args.warmup:
                            latencies[name].append(elapsed)
        finally:
            stop(proc)
    out = [
        [name, str(len(v)), f"{percentile(v, 50):.1f}", f"{percentile(v, 95):.1f}", f"{statistics.fmean(v):.1f}"]
        for name, v in latencies.items()
    ]
    print(table(["request", "n", "p50 ms", "p95 ms", "mean ms"], out))


if __name__ == "__main__":
    main()
