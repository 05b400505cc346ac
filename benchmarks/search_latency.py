"""Search latency of the real service over HTTP (loopback only).

Starts ``praktijkbank serve --host 127.0.0.1 --port P --data-dir D`` as a subprocess (with
``PRAKTIJKBANK_SEED_ON_FIRST_START=false``), waits until ``/readyz`` answers with ``index_lag.pending_tasks == 0``,
then sends requests with httpx and reports p50/p95/p99/mean latency per scenario:

  hybrid          GET /api/v1/search?q=...                  (dense + lexical, RRF in the engine)
  lexical         GET /api/v1/search?q=...&mode=lexical
  dense           GET /api/v1/search?q=...&mode=dense
  hybrid+filter   GET /api/v1/search?q=...&theme=jeugd ...  (rotating filters)
  similar         GET /api/v1/practices/{id}/similar

  ask             POST /api/v1/ask
  web             GET {--web-path}?q=...                     (the results page; default ``/``)

The floor, in the same run: before the service starts, this process opens the same index and model and times,
on the same questions, the query embedding alone (``HybridSearcher.encode``: both models of a pair at once, as the
service runs them, and the words) and the engine queries alone (the dense and the lexical leg
with the anonymous access filter, as the searcher asks them); for ``similar`` the stored vectors plus the legs.
Each row then shows the service's p50 as a multiple of that floor (search, ask and web against the search floor).

Passes: ``--clients 1,8,32`` (client threads at once). ``--warmup`` requests per scenario and pass are sent
first and not counted. ``--query-cache`` sets the service's query-embedding cache (default 0: every request pays
its embedding, as distinct questions would; the questions repeat every 45 requests).

The data dir: ``--data-dir D`` reuses a filled one (e.g. from ``ingest.py --keep``). Without it, ``--n``
practices are generated and imported with ``praktijkbank import`` (which drains the index queue and runs
optimize()) into a new data dir, which is kept for the next run.

    python benchmarks/search_latency.py --data-dir /tmp/pb-10k
    python benchmarks/search_latency.py --n 10000          # builds the data dir first (slow: model-bound)
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import CpuMonitor, proc_status_mib, table  # noqa: E402

HOST = "127.0.0.1"
CLI = str(Path(sys.executable).with_name("praktijkbank"))

# What professionals in the Dutch social domain type: keywords, questions, and whole case descriptions.
QUESTIONS: tuple[str, ...] = (
    "Hoe voorkom je dat mensen na een schuldregeling terugvallen in nieuwe schulden?",
    "aanpak huisuitzetting voorkomen bij huurachterstand",
    "Welke ervaringen zijn er met een vaste GGZ-consulent in het wijkteam?",
    "Hoe organiseer je casuïstiekoverleg zodat vastgelopen dossiers tot een besluit leiden?",
    "jongeren die hun bankpas uitlenen aan criminelen, wat kan school doen",
    "vroegsignalering eenzaamheid ouderen na overlijden partner",
    "Hoe betrek je inwoners die weinig Nederlands spreken bij het keukentafelgesprek Wmo?",
    "statushouders sneller aan het werk met taalles op de werkvloer",
    "Wat werkt bij thuiszitters met angstklachten om weer naar school te gaan?",
    "beschermd wonen uitstroom naar zelfstandige woning met begeleiding",
    "Hoe kun je een ondertoezichtstelling voorkomen door samenwerking met jeugdbescherming?",
    "intervisie methode voor leercoaches",
    "inwerken van nieuwe jeugdconsulenten zonder dat ze meteen een volle caseload krijgen",
    "hulpmiddelen zoals rolstoelen sneller leveren via een eigen depot met hergebruik",
    "huishoudelijke hulp resultaatgericht indiceren met een normenkader",
    "Welke praktijken zijn er voor kwetsbare zwangeren en huisbezoeken door de wijkverpleegkundige?",
    "handhaving bijstand met menselijke maat: eerst het gesprek",
    "één gezin één plan één regisseur bij multiprobleemgezinnen",
    "ronselen van tieners voor de drugshandel tegengaan met jongerenwerk en school",
    "lichte dagbesteding zonder indicatie in de buurt",
    "dementie signaleren bij alleenwonende ouderen via buren en wijkverpleging",
    "collegiale feedback op opgenomen gesprekken met cliënten",
    "beschut werk bij een gewone werkgever in plaats van de sociale werkplaats",
    "Hoe zetten we een leergemeenschap op binnen onze eigen organisatie?",
    "mantelzorgers ontlasten met respijtzorg",
    "overbrugging wachtlijst specialistische jeugd-ggz",
    "Welke aanpak helpt jongeren zonder startkwalificatie die tussen wal en schip vallen?",
    "energiearmoede bij huishoudens met betalingsachterstanden",
    "budgetbeheer afbouwen en zelfredzaamheid met geld vergroten",
    "samenwerking huisarts en sociaal wijkteam bij psychosociale klachten",
    "verwarde personen: politie en ggz samen op straat",
    "dak- en thuislozen direct een woning geven zonder voorwaarden",
    "schoolmaatschappelijk werk en wijkteam in het voortgezet onderwijs",
    "Hoe meten we de effecten van onze aanpak als er geen vergelijkingsgroep is?",
    "een gesprek over geld in het eerste contact met gezinnen",
    "vrijwillige maatjes na afronding van een traject",
    "wat doe je als een cliënt met een licht verstandelijke beperking steeds opnieuw schulden maakt via achteraf "
    "betalen en abonnementen",
    "Wij hebben in onze gemeente een groep gezinnen met zowel schulden als opvoedproblemen, waar soms zes of zeven "
    "hulpverleners tegelijk betrokken zijn. Ouders raken het overzicht kwijt en haken af zodra één traject stopt. "
    "Zijn er praktijken waarin één regisseur de regie houdt en de schuldhulp niet meteen stopt bij een gemiste "
    "afspraak?",
    "Een alleenstaande moeder van drie kinderen heeft een huurachterstand van vier maanden, de energieleverancier "
    "dreigt af te sluiten en de oudste zoon van vijftien gaat nauwelijks meer naar school. Het wijkteam is betrokken "
    "maar de hulp is versnipperd. Welke aanpak is effectief gebleken om dit soort situaties integraal op te pakken?",
    "Onze Wmo-consulenten merken dat keukentafelgesprekken met oudere migranten vaak via de kinderen worden "
    "vertaald, waardoor de eigenlijke hulpvraag over persoonlijke verzorging niet op tafel komt. Hoe hebben andere "
    "gemeenten het inzetten van tolken en beeldmateriaal georganiseerd en wat kostte dat?",
    "Een jongen van zestien is al drie maanden thuiszitter vanwege angstklachten. School, leerplicht en de jeugdarts "
    "hebben overleg gehad maar er is geen plan. Ouders zijn uitgeput. We zoeken een aanpak met een geleidelijke "
    "terugkeer naar school en betrokkenheid van de ggz.",
    "In een nieuwbouwwijk met veel sociale huur zien we toenemende eenzaamheid onder ouderen en weinig contact "
    "tussen buren. Huisartsen verwijzen steeds vaker mensen met vage klachten door. Welke voorbeelden zijn er van "
    "welzijn op recept of buurtverbinders die mensen de eerste keer begeleiden naar een activiteit?",
    "Wij willen als gemeente de uitstroom uit beschermd wonen verbeteren, maar de corporaties hebben lange "
    "wachtlijsten en cliënten blijven daardoor veel langer in de instelling dan nodig. Hoe maak je afspraken over "
    "een contingent woningen en zorg je dat de begeleiding meeverhuist?",
    "Nieuwe collega's in het jeugdteam krijgen direct een volle caseload en vallen binnen een jaar uit. Hoe richten "
    "andere organisaties het inwerken in, met begeleiding op de werkvloer en tijd om te leren?",
    "Tijdens huisbezoeken in het kader van de bijstand stuiten handhavers regelmatig op situaties waarin iemand uit "
    "schaamte informatie heeft achtergehouden. We willen eerst het gesprek aangaan voordat we een onderzoek "
    "starten. Welke praktijken zijn er en hoe gaan die om met terugvordering?",
    "How can a link worker help isolated older residents to join community activities?",
    "Housing First results for long-term rough sleepers",
    "mental health nurse joining police calls for people in distress",
)

ENGINE_ROUNDS = 1  # the floor: every question this many times, after one unmeasured round


@dataclass
class Floor:
    embed_ms: list[float] = field(default_factory=list)
    engine_ms: list[float] = field(default_factory=list)
    search_ms: list[float] = field(default_factory=list)  # embedding + engine, per question
    similar_ms: list[float] = field(default_factory=list)  # stored vectors + engine
    chunks: int = 0


def measure_floor(data_dir: Path, similar_refs: int = 100) -> Floor:
    """The query embedding alone and the engine queries alone, in this process, on the service's own index."""
    from sqlalchemy import select

    from core.profiles import profile_for
    from core.settings import Settings
    from indexing.factory import index_meta, live_index, load_cross_model, open_index
    from indexing.index import CROSS, FieldIn, IndexQuery
    from indexing.search import HybridSearcher, _normalized_mean
    from services.access import ANONYMOUS, AccessPolicy
    from services.runtime import load_model, make_lexical
    from services.search import index_filter
    from storage.database import Database
    from storage.models import Practice
    from storage.repositories.practices import PracticeFilters

    settings = Settings(data_dir=data_dir)
    live = live_index(settings)
    profile = profile_for(live.model or settings.profile.name)
    embedder = load_model(settings, profile.model)
    cross = load_cross_model(settings, profile)  # a two-model profile: both queries are timed
    lexical = make_lexical(settings)
    index = open_index(settings, index_meta(embedder, lexical.scheme, cross), name=live.name)
    database = Database.open(settings.sqlalchemy_url)
    searcher = HybridSearcher(index, embedder, lexical, cache_size=0, cross=cross)
    chunk_limit = searcher._candidates * searcher._chunks_per_document
    floor = Floor(chunks=index.count(heads_only=False))
    try:
        with database.unit_of_work() as session:
            flt = index_filter(session, PracticeFilters(), AccessPolicy(ANONYMOUS))
            refs = list(session.scalars(select(Practice.id).where(Practice.status == "published").limit(similar_refs)))
        # One unmeasured round first: the service is measured warm (after its own warm-up requests), and a just
        # opened index answers its first queries several times slower (pages not yet in memory).
        for measured in [False] + [True] * ENGINE_ROUNDS:
            for text in QUESTIONS:
                start = time.perf_counter()
                encoded = searcher.encode(text)
                embedded = legs = time.perf_counter()
                dense, sparse, crossing = encoded.dense, encoded.sparse, encoded.cross
                assert dense is not None and sparse is not None
                index.query(IndexQuery(dense, None, flt, limit=chunk_limit))
                index.query(IndexQuery(None, sparse, flt, limit=searcher._candidates))
                if crossing is not None:
                    index.query(IndexQuery(crossing, None, flt, limit=chunk_limit, using=CROSS))
                done = time.perf_counter()
                if not measured:
                    continue
                floor.embed_ms.append((embedded - start) * 1000)
                floor.engine_ms.append((done - legs) * 1000)
                floor.search_ms.append((embedded - start + done - legs) * 1000)
        for ref in refs:
            practice_text = QUESTIONS[hash(ref) % len(QUESTIONS)]
            sparse = lexical.query(practice_text, "nl")
            start = time.perf_counter()
            dense = _normalized_mean(index.vectors_of(ref))
            own = flt.excluding(FieldIn("doc_id", (str(ref),)))
            index.query(IndexQuery(dense, None, own, limit=chunk_limit))
            index.query(IndexQuery(None, sparse, own, limit=searcher._candidates))
            floor.similar_ms.append((time.perf_counter() - start) * 1000)
    finally:
        index.close()
        database.close()
    return floor


FILTERS: tuple[tuple[tuple[str, str], ...], ...] = (
    (("theme", "jeugd"),),
    (("theme", "schuldhulp"),),
    (("theme", "wmo"),),
    (("theme", "wonen"), ("theme", "zorg_en_gezondheid")),
    (("recognition_level", "effectief"), ("recognition_level", "goed_onderbouwd")),
    (("legal_frame", "jeugdwet"),),
    (("language", "nl"), ("theme", "werk_en_inkomen")),
)


@dataclass
class Result:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    hits: int = 0
    wall_s: float = 0.0
    first_error: str = ""


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def build_data_dir(n: int, seed: int, timeout: float) -> Path:
    from benchmarks.generate import generate

    data_dir = Path(tempfile.mkdtemp(prefix=f"praktijkbank-search-{n}-"))
    jsonl = data_dir.parent / f"{data_dir.name}-practices.jsonl"
    with jsonl.open("w", encoding="utf-8") as out:
        for record in generate(n, seed, ROOT / "seed_practices"):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"building {data_dir}: praktijkbank import {jsonl} (timeout {timeout:.0f} s)", flush=True)
    start = time.perf_counter()
    subprocess.run([CLI, "import", str(jsonl), "--data-dir", str(data_dir)], check=True, timeout=timeout)
    print(f"built in {time.perf_counter() - start:.0f} s; reuse with --data-dir {data_dir}", flush=True)
    return data_dir


def serve(port: int, data_dir: Path, env: dict[str, str], log: IO[bytes]) -> subprocess.Popen[bytes]:
    """`praktijkbank serve` on ``port`` and ``data_dir`` in a process of its own, its output in ``log``."""
    command = [CLI, "serve", "--host", HOST, "--port", str(port), "--data-dir", str(data_dir)]
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)


def wait_ready(client: httpx.Client, proc: subprocess.Popen[bytes], timeout: float) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the service exited with code {proc.returncode} before it was ready")
        try:
            response = client.get("/readyz", timeout=10)
            last = response.text
            if response.status_code == 200:
                body = response.json()
                if body["index_lag"]["pending_tasks"] == 0:
                    return dict(body)
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(1.0)
    raise SystemExit(f"not ready after {timeout:.0f} s; last answer: {last}")


def practice_refs(client: httpx.Client, wanted: int) -> list[str]:
    refs: list[str] = []
    cursor = None
    for _ in range(20):  # bounded: at most 20 pages
        params: dict[str, str | int] = {"limit": 100}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/v1/practices", params=params).raise_for_status().json()
        refs += [item["id"] for item in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor or len(refs) >= wanted:
            break
    return refs[:wanted]


Request = tuple[str, list[tuple[str, str]]]


def scenarios(refs: list[str], web_path: str = "/") -> dict[str, Callable[[int], Request]]:
    def search(extra: list[tuple[str, str]]) -> Callable[[int], Request]:
        return lambda i: ("/api/v1/search", [("q", QUESTIONS[i % len(QUESTIONS)]), *extra])

    def filtered(i: int) -> Request:
        return "/api/v1/search", [("q", QUESTIONS[i % len(QUESTIONS)]), *FILTERS[i % len(FILTERS)]]

    def similar(i: int) -> Request:
        return f"/api/v1/practices/{refs[(i * 7) % len(refs)]}/similar", []

    def ask(i: int) -> Request:  # POST /ask with the question as JSON body
        return "POST /api/v1/ask", [("question", QUESTIONS[i % len(QUESTIONS)])]

    def web(i: int) -> Request:  # the results page, HTML
        return f"WEB {web_path}", [("q", QUESTIONS[i % len(QUESTIONS)])]

    return {
        "web": web,
        "hybrid": search([]),
        "lexical": search([("mode", "lexical")]),
        "dense": search([("mode", "dense")]),
        "hybrid+filter": filtered,
        "similar": similar,
        "ask": ask,
    }


def run(base_url: str, make: Callable[[int], Request], count: int, warmup: int, concurrency: int) -> Result:
    result = Result()
    lock = threading.Lock()
    local = threading.local()
    clients: list[httpx.Client] = []

    def client() -> httpx.Client:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base_url, timeout=120)
            with lock:
                clients.append(local.client)
        return local.client  # type: ignore[no-any-return]

    def one(i: int, record: bool) -> None:
        path, params = make(i)
        start = time.perf_counter()
        try:
            if path.startswith("POST "):
                response = client().post(path[5:], json={"question": params[0][1], "limit": 5})
            elif path.startswith("WEB "):
                response = client().get(path[4:], params=params)
            else:
                response = client().get(path, params=params)
            elapsed = (time.perf_counter() - start) * 1000
            ok = response.status_code == 200
            body = response.json() if ok and not path.startswith("WEB ") else None
        except httpx.HTTPError as exc:
            elapsed, ok, body = (time.perf_counter() - start) * 1000, False, None
            response = None
            error = repr(exc)
        else:
            error = "" if ok else f"{response.status_code} {response.text[:200]}"
        if not record:
            return
        with lock:
            if ok:
                result.latencies_ms.append(elapsed)
                if isinstance(body, dict):
                    result.hits += len(body["hits"] if "hits" in body else body["practices"])
                elif isinstance(body, list):
                    result.hits += len(body)
            else:
                result.errors += 1
                result.first_error = result.first_error or error

    try:
        # Warm-up uses other questions than the measured ones start with (offset), and is not counted.
        with ThreadPoolExecutor(max(1, concurrency)) as pool:
            list(pool.map(lambda i: one(i, False), range(1000, 1000 + warmup)))
            start = time.perf_counter()
            if concurrency <= 1:
                for i in range(count):
                    one(i, True)
            else:
                list(pool.map(lambda i: one(i, True), range(count)))
            result.wall_s = time.perf_counter() - start
    finally:
        for c in clients:
            c.close()
    return result


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)  # uvicorn shuts down gracefully on SIGINT/SIGTERM
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def floor_for(scenario: str, floor: Floor) -> float | None:
    if scenario == "similar":
        return percentile(floor.similar_ms, 50) if floor.similar_ms else None
    if scenario in ("hybrid", "hybrid+filter", "ask", "web"):
        return percentile(floor.search_ms, 50)
    if scenario == "dense":
        return percentile(floor.search_ms, 50)  # the lexical leg is cheap; close enough for dense
    if scenario == "lexical":
        return percentile(floor.engine_ms, 50)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, help="a filled data dir to reuse (from ingest.py --keep)")
    parser.add_argument("--n", type=int, default=10000, help="practices to build when no --data-dir is given")
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--requests", "-m", type=int, default=300, help="measured requests per scenario and pass")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured requests first (default 20)")
    parser.add_argument("--clients", default="1,8,32", help="passes: this many client threads at once")
    parser.add_argument("--port", type=int, default=0, help="default: a free port on 127.0.0.1")
    parser.add_argument("--scenarios", default="hybrid,similar,ask,web")
    parser.add_argument("--web-path", default="/", help="the results page (GET PATH?q=...)")
    parser.add_argument("--query-cache", type=int, default=0, help="PRAKTIJKBANK_QUERY_CACHE_SIZE of the service")
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=None,
        help="set PRAKTIJKBANK_TORCH_THREADS for the service (default: unset)",
    )
    parser.add_argument("--ready-timeout", type=float, default=900.0)
    parser.add_argument("--build-timeout", type=float, default=4 * 3600.0)
    args = parser.parse_args()

    data_dir = args.data_dir or build_data_dir(args.n, args.seed, args.build_timeout)
    if not (data_dir / "praktijkbank.sqlite3").exists():
        raise SystemExit(f"{data_dir} holds no praktijkbank.sqlite3")
    load_before = os.getloadavg()
    floor = measure_floor(data_dir)
    print(
        f"floor ({ENGINE_ROUNDS} x {len(QUESTIONS)} questions, {floor.chunks} points): query embedding p50 "
        f"{percentile(floor.embed_ms, 50):.2f} ms, engine queries (2 legs) p50 {percentile(floor.engine_ms, 50):.2f} "
        f"ms, both p50 {percentile(floor.search_ms, 50):.2f} ms; similar (vectors + legs) p50 "
        f"{percentile(floor.similar_ms, 50) if floor.similar_ms else float('nan'):.2f} ms",
        flush=True,
    )
    port = args.port or free_port()
    base_url = f"http://{HOST}:{port}"
    env = {
        **os.environ,
        "PRAKTIJKBANK_SEED_ON_FIRST_START": "false",
        "TOKENIZERS_PARALLELISM": "false",
        "PRAKTIJKBANK_QUERY_CACHE_SIZE": str(args.query_cache),
    }
    if args.torch_threads:
        env["PRAKTIJKBANK_TORCH_THREADS"] = str(args.torch_threads)
    log_path = Path(tempfile.gettempdir()) / f"praktijkbank-serve-{port}.log"
    rows: list[list[str]] = []
    rss: list[tuple[str, float, float]] = []
    cpu_notes: list[str] = []
    with log_path.open("wb") as log:
        start = time.perf_counter()
        proc = serve(port, data_dir, env, log)
        try:
            with httpx.Client(base_url=base_url, timeout=30) as client:
                ready = wait_ready(client, proc, args.ready_timeout)
                print(
                    f"service pid {proc.pid} on {base_url} ready in {time.perf_counter() - start:.1f} s (cold start: "
                    f"process, model, index, first /readyz): {ready['practices']} practices, "
                    f"{ready['indexed_practices']} indexed, lag {ready['index_lag']}; query cache {args.query_cache}; "
                    f"log {log_path}",
                    flush=True,
                )
                rss.append(("ready (idle)", proc_status_mib(proc.pid), proc_status_mib(proc.pid, "VmHWM")))
                refs = practice_refs(client, 300)
            chosen = [s.strip() for s in args.scenarios.split(",") if s.strip()]
            table_of = scenarios(refs, args.web_path)
            for clients in [int(c) for c in args.clients.split(",") if c.strip()]:
                pass_name = f"{clients} client{'s' if clients > 1 else ''}"
                monitor = CpuMonitor([proc.pid, "self"])
                for name in chosen:
                    result = run(base_url, table_of[name], args.requests, args.warmup, clients)
                    lat = result.latencies_ms
                    base = floor_for(name, floor)
                    p50 = percentile(lat, 50) if lat else None
                    rows.append(
                        [
                            pass_name,
                            name,
                            str(len(lat)),
                            str(result.errors),
                            f"{result.hits / max(1, len(lat)):.1f}",
                            f"{p50:.1f}" if p50 is not None else "-",
                            f"{percentile(lat, 95):.1f}" if lat else "-",
                            f"{percentile(lat, 99):.1f}" if lat else "-",
                            f"{len(lat) / result.wall_s:.1f}" if result.wall_s else "-",
                            f"{base:.2f}" if base else "-",
                            f"{p50 / base:.1f}x" if base and p50 is not None else "-",
                        ]
                    )
                    print("  " + " | ".join(rows[-1]), flush=True)
                    if result.errors:
                        print(f"    first error: {result.first_error}", flush=True)
                cpu_notes.append(f"{pass_name}: {monitor.describe()} (benchmark = service + this client)")
                rss.append((f"after {pass_name}", proc_status_mib(proc.pid), proc_status_mib(proc.pid, "VmHWM")))
        finally:
            stop(proc)
    load_after = os.getloadavg()

    print()
    print(
        f"{ready['practices']} practices ({ready['indexed_practices']} indexed, {floor.chunks} points), "
        f"{len(QUESTIONS)} questions, {args.requests} measured requests per row after {args.warmup} warm-up "
        f"requests; latency in ms; floor = query embedding + engine queries measured in this run"
    )
    print(
        table(
            ["pass", "scenario", "ok", "errors", "hits/req", "p50", "p95", "p99", "req/s", "floor p50", "p50/floor"],
            rows,
        )
    )
    print()
    print(table(["service memory", "VmRSS MiB", "VmHWM (peak) MiB"], [[a, f"{b:.0f}", f"{c:.0f}"] for a, b, c in rss]))
    print()
    for note in cpu_notes:
        print(note)
    print(
        "machine load average (1, 5, 15 min) before: "
        + ", ".join(f"{x:.1f}" for x in load_before)
        + "; after: "
        + ", ".join(f"{x:.1f}" for x in load_after)
        + f" on {os.cpu_count()} cpus"
    )


if __name__ == "__main__":
    main()
