"""Bounded load on the real service over loopback: 32 clients, mixed reads, searches, asks and writes.

Starts ``praktijkbank serve`` on 127.0.0.1 in a fresh data folder (seed data on first start, SQLite and the
embedded index: the default deployment), waits until the index has caught up, then runs ``--clients``
concurrent clients for ``--seconds``. Each client loops over a weighted mix:

  read    GET a practice list page, a practice, its versions, a person, the communities
  search  GET /api/v1/search?q=…   (hybrid: the model embeds the query)
  ask     POST /api/v1/ask          (search + people + questions)
  write   POST /api/v1/practices (with a made-up word of its own) or POST …/feedback

It then waits for the index worker to drain and checks that no acknowledged write is lost: every 201 practice
is readable (SQL) and is the top lexical hit for its own word (index); every 201 feedback is listed.
Printed: requests and rate per kind, p50/p90/p99/max latency, 5xx and transport errors, lost writes.

    python benchmarks/load.py                        # 32 clients, 10 minutes
    python benchmarks/load.py --seconds 120          # a shorter run on a busy machine
    python benchmarks/load.py --data-dir /tmp/pb-10k-load --clients 16 --seconds 300 --mix search=60,page=30,write=10

``page`` opens what a professional opens in the browser: the results page for a question (half of them), the home
page, a practice page, the questions and the communities. Writes change the data dir: measure on a copy.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import CpuMonitor, table  # noqa: E402
from benchmarks.search_latency import QUESTIONS  # noqa: E402

HOST = "127.0.0.1"  # loopback only: this script must never load anything but a local service
MIX = (("read", 45), ("search", 30), ("ask", 10), ("write", 15))
KINDS = ("read", "page", "search", "ask", "write")


def parse_mix(text: str) -> tuple[tuple[str, int], ...]:
    """``search=60,page=30,write=10`` -> ((kind, weight), ...)."""
    mix = []
    for part in text.split(","):
        kind, _, weight = part.partition("=")
        if kind.strip() not in KINDS or not weight.strip().isdigit():
            raise SystemExit(f"--mix: {part!r} is not KIND=WEIGHT with KIND one of {', '.join(KINDS)}")
        mix.append((kind.strip(), int(weight)))
    return tuple(mix)


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    transport_errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    server_errors: list[str] = field(default_factory=list)
    practices: dict[str, str] = field(default_factory=dict)  # acknowledged id -> its word
    feedback: list[tuple[str, str]] = field(default_factory=list)  # (practice slug, feedback id)


def word_for(n: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return "zorvel" + letters[n // 676 % 26] + letters[n // 26 % 26] + letters[n % 26] + "q"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def admin_token(database_url: str) -> str:
    from services import auth
    from storage.database import make_engine, make_session_factory, unit_of_work
    from storage.migrate import upgrade

    engine = make_engine(database_url)
    upgrade(engine)
    with unit_of_work(make_session_factory(engine)) as session:
        account = auth.create_account(session, email="load@test.nl", name="Load Beheer", password=None, is_admin=True)
        secret = auth.issue_token(session, account, "load", days=1).secret
    engine.dispose()
    return secret


async def wait_indexed(client: httpx.AsyncClient, limit_seconds: float) -> dict[str, object]:
    deadline = time.monotonic() + limit_seconds
    while time.monotonic() < deadline:
        try:
            ready = (await client.get("/readyz")).json()
            if ready.get("index_lag", {}).get("pending_tasks") == 0 and ready.get("practices", 0) > 0:
                return dict(ready)
        except (httpx.TransportError, ValueError):
            pass
        await asyncio.sleep(1)
    raise TimeoutError("the index did not catch up")


async def one_client(
    number: int,
    client: httpx.AsyncClient,
    until: float,
    tally: Tally,
    slugs: list[str],
    counter: list[int],
    mix: tuple[tuple[str, int], ...] = MIX,
) -> None:
    rng = random.Random(number)
    kinds = [k for k, _ in mix]
    weights = [w for _, w in mix]
    while time.monotonic() < until:
        kind = rng.choices(kinds, weights)[0]
        slug = rng.choice(slugs)
        started = time.perf_counter()
        try:
            if kind == "read":
                path = rng.choice(
                    [
                        "/api/v1/practices?limit=20",
                        f"/api/v1/practices/{slug}",
                        f"/api/v1/practices/{slug}/versions",
                        "/api/v1/communities",
                        "/api/v1/people",
                    ]
                )
                response = await client.get(path)
            elif kind == "page":  # what a professional opens in the browser: results, a practice, the lists
                path = rng.choice(["/", f"/praktijken/{slug}", "/vragen", "/gemeenschappen"])
                params = {"q": rng.choice(QUESTIONS)} if rng.random() < 0.5 else None
                response = await client.get("/" if params else path, params=params)
            elif kind == "search":
                response = await client.get("/api/v1/search", params={"q": rng.choice(QUESTIONS), "limit": 10})
            elif kind == "ask":
                response = await client.post("/api/v1/ask", json={"question": rng.choice(QUESTIONS), "limit": 5})
            elif rng.random() < 0.7:
                counter[0] += 1
                word = word_for(counter[0])
                body = {
                    "title": f"Werkwijze {counter[0]} voor gezinnen in de wijk",
                    "summary": f"Een aanpak met het {word} als kern, ontwikkeld door een wijkteam.",
                    "situation": "Gezinnen met meerdere problemen vonden de weg naar hulp niet.",
                    "approach": f"Het team gebruikt het {word} in elk huisbezoek en bespreekt het elke week.",
                    "themes": ["jeugd"],
                    "language": "nl",
                    "status": "published",
                    "visibility": "public",
                }
                response = await client.post("/api/v1/practices", json=body)
                if response.status_code == 201:
                    tally.practices[response.json()["id"]] = word
            else:
                response = await client.post(
                    f"/api/v1/practices/{slug}/feedback", json={"body": f"Toegepast in wijk {number}, werkt goed."}
                )
                if response.status_code == 201:
                    tally.feedback.append((slug, response.json()["id"]))
        except httpx.TransportError as exc:
            tally.transport_errors[kind] += 1
            tally.server_errors.append(f"{kind}: {type(exc).__name__}")
            continue
        tally.latencies[kind].append(time.perf_counter() - started)
        tally.statuses[kind][response.status_code] += 1
        if response.status_code >= 500:
            tally.server_errors.append(
                f"{kind} {response.request.url.path}: {response.status_code} {response.text[:200]}"
            )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def verify(client: httpx.AsyncClient, tally: Tally) -> tuple[int, int]:
    """(lost in SQL, lost in the index) among acknowledged writes."""
    lost_sql = lost_index = 0
    for practice_id, word in tally.practices.items():
        if (await client.get(f"/api/v1/practices/{practice_id}")).status_code != 200:
            lost_sql += 1
            continue
        hits = (await client.get("/api/v1/search", params={"q": word, "mode": "lexical", "limit": 3})).json()["hits"]
        if [h["practice"]["id"] for h in hits][:1] != [practice_id]:
            lost_index += 1
    by_slug: dict[str, set[str]] = defaultdict(set)
    for slug, feedback_id in tally.feedback:
        by_slug[slug].add(feedback_id)
    for slug, ids in by_slug.items():
        listed = {f["id"] for f in (await client.get(f"/api/v1/practices/{slug}/feedback")).json()}
        lost_sql += len(ids - listed)
    return lost_sql, lost_index


async def run(
    url: str, token: str, clients: int, seconds: float, service_pid: int, mix: tuple[tuple[str, int], ...] = MIX
) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120, limits=limits) as client:
        ready = await wait_indexed(client, 1800)
        print(f"ready: {ready['practices']} practices, model {ready['model']}", flush=True)
        page = (await client.get("/api/v1/practices", params={"limit": 100})).json()
        slugs = [p["slug"] for p in page["items"]]
        tally = Tally()
        counter = [0]
        monitor = CpuMonitor(["self", service_pid])
        started = time.monotonic()
        until = started + seconds
        await asyncio.gather(*(one_client(n, client, until, tally, slugs, counter, mix) for n in range(clients)))
        elapsed = time.monotonic() - started
        busy = monitor.describe()
        drain_started = time.monotonic()
        await wait_indexed(client, 1800)
        drained = time.monotonic() - drain_started
        lost_sql, lost_index = await verify(client, tally)

    rows = []
    for kind, _ in mix:
        values = tally.latencies[kind]
        if not values:
            continue
        codes = ", ".join(f"{code}: {n}" for code, n in sorted(tally.statuses[kind].items()))
        rows.append(
            [
                kind,
                str(len(values)),
                f"{len(values) / elapsed:.1f}",
                *(f"{percentile(values, q) * 1000:.0f}" for q in (0.5, 0.9, 0.99)),
                f"{max(values) * 1000:.0f}",
                f"{statistics.fmean(values) * 1000:.0f}",
                codes,
            ]
        )
    all_values = [v for values in tally.latencies.values() for v in values]
    print()
    print(f"{clients} clients for {elapsed:.0f} s; {len(all_values)} requests, {len(all_values) / elapsed:.1f}/s")
    print(table(["kind", "requests", "per s", "p50 ms", "p90 ms", "p99 ms", "max ms", "mean ms", "statuses"], rows))
    fives = sum(n for s in tally.statuses.values() for code, n in s.items() if code >= 500)
    print(f"5xx: {fives}; transport errors: {sum(tally.transport_errors.values())}")
    print(f"acknowledged writes: {len(tally.practices)} practices, {len(tally.feedback)} feedback")
    print(f"index drained {drained:.0f} s after the load; lost writes: {lost_sql} in SQL, {lost_index} in the index")
    print(f"cpu during the load: {busy}")
    for line in tally.server_errors[:20]:
        print("  " + line)
    return 0 if fives == 0 and lost_sql == 0 and lost_index == 0 and not tally.transport_errors else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--data-dir", type=Path, default=None, help="Default: a new temporary folder.")
    parser.add_argument(
        "--mix",
        type=parse_mix,
        default=MIX,
        help="weights per kind, e.g. search=60,page=30,write=10 (default read=45,search=30,ask=10,write=15)",
    )
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="pb-load-"))
    database_url = f"sqlite:///{(data_dir / 'praktijkbank.sqlite3').resolve()}"
    token = admin_token(database_url)  # before the first start, so the seed goes in beside it
    port = free_port()
    env = {
        **os.environ,
        "PRAKTIJKBANK_DATA_DIR": str(data_dir),
        "PRAKTIJKBANK_WRITES_PER_MINUTE": "1000000",  # this measures the service, not its rate limit
        "PRAKTIJKBANK_LOG_FORMAT": "json",
    }
    log = data_dir / "service.log"
    command = [sys.executable, "-c", "from cli.main import main; main()", "serve", "--host", HOST, "--port", str(port)]
    print(f"data: {data_dir}; service log: {log}", flush=True)
    with log.open("ab") as out:
        service = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        code = asyncio.run(run(f"http://{HOST}:{port}", token, args.clients, args.seconds, service.pid, args.mix))
    finally:
        service.terminate()
        service.wait(timeout=60)
    sys.exit(code)


if __name__ == "__main__":
    main()
