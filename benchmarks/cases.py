"""Cases in professionals' own words: ranking, labels and the network, per query length, through the service's path.

The seed practices and their network are imported into a data folder (kept with ``--data-dir``, so a second run
reuses the index) and indexed with the chosen model(s). Every question runs as an anonymous visitor through
``services.search.find`` (what ``GET /api/v1/search`` calls) and ``services.network.ask`` (``POST
/api/v1/ask``). Printed per set and length bucket (≤ 12 words, 13–40, > 40):

- nDCG@10, Recall@10 and MRR@10 (graded judgements: 2 = answers it, 1 = helps);
- top 3: a practice graded 2 among the first three hits;
- labelled: that practice (the best-placed one in the top 3) labelled 'sterk' or 'mogelijk';
- network: an expected person or community among the first five people or communities of ``/ask``;
- out of domain: questions with a 'sterk' hit, and with any person or community suggested.

Sets: ``cases`` (``benchmarks/data/cases``: cases written as professionals write them, split once into a
calibration and a held-out half; ``--split`` picks one), ``seed-nl`` and ``crosslingual`` (judged questions over the
seeds), ``network`` (``tests/data/network_questions.yaml``) and ``ood`` (the held-out out-of-domain cases and
questions).

    python benchmarks/cases.py                                      # the default model, held-out cases
    python benchmarks/cases.py --model use-multilingual --cross-model ''   # one model
    python benchmarks/cases.py --split calibration --sets cases --data-dir /tmp/cases-pair
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.evaluation import read_qrels  # noqa: E402
from core.settings import Settings  # noqa: E402
from indexing.search import SearchMode  # noqa: E402
from services import network as network_service  # noqa: E402
from services import search as search_service  # noqa: E402
from services.access import ANONYMOUS, AccessPolicy  # noqa: E402
from services.runtime import Runtime  # noqa: E402
from services.seeding import import_path  # noqa: E402
from storage.database import unit_of_work  # noqa: E402
from storage.repositories.practices import PracticeFilters  # noqa: E402

DATA = ROOT / "benchmarks" / "data"
CASES = DATA / "cases"
TESTS = ROOT / "tests" / "data"
BUCKETS = (("≤12", 0, 12), ("13-40", 13, 40), (">40", 41, 10_000))
SHOWN = ("sterk", "mogelijk")


@dataclass(frozen=True)
class Question:
    """One judged question: graded practices (empty: out of domain), and the people and communities who know."""

    id: str
    text: str
    grades: dict[str, int] = field(default_factory=dict)
    people: tuple[str, ...] = ()
    communities: tuple[str, ...] = ()
    split: str = "held_out"
    language: str = "nl"
    cross_language: bool = False  # every practice that answers it is in the other language

    @property
    def words(self) -> int:
        return len(self.text.split())

    @property
    def bucket(self) -> str:
        return next(name for name, low, high in BUCKETS if low <= self.words <= high)


def load_cases(split: str) -> list[Question]:
    """The judged cases of ``split`` (``calibration``, ``held_out`` or ``all``), in-domain ones."""
    entries = yaml.safe_load((CASES / "cases.yaml").read_text(encoding="utf-8"))
    return [
        Question(
            e["id"],
            " ".join(e["text"].split()),
            dict(e["practices"]),
            tuple(e.get("people") or ()),
            tuple(e.get("communities") or ()),
            e["split"],
            e["language"],
            bool(e.get("cross_language")),
        )
        for e in entries
        if split == "all" or e["split"] == split
    ]


def load_out_of_domain(split: str) -> list[Question]:
    """Out-of-domain cases of ``split`` (long, ``benchmarks/data/cases``); with the held-out split also the short
    held-out questions of ``tests/data/out_of_domain.yaml``, and with the calibration split the short ones of
    ``benchmarks/data/out_of_domain.yaml``."""
    cases = yaml.safe_load((CASES / "out_of_domain.yaml").read_text(encoding="utf-8"))
    found = [
        Question(e["id"], " ".join(e["text"].split()), split=e["split"], language=e["language"])
        for e in cases
        if split == "all" or e["split"] == split
    ]
    short = []
    if split in ("held_out", "all"):
        short += yaml.safe_load((TESTS / "out_of_domain.yaml").read_text(encoding="utf-8"))
    if split in ("calibration", "all"):
        short += yaml.safe_load((DATA / "out_of_domain.yaml").read_text(encoding="utf-8"))
    return found + [Question(f"s{i:02d}", text) for i, text in enumerate(short)]


def load_beir(name: str) -> list[Question]:
    folder = DATA / name
    qrels = read_qrels(folder / "qrels" / "test.tsv")
    queries = [json.loads(line) for line in (folder / "queries.jsonl").read_text(encoding="utf-8").splitlines()]
    return [Question(q["_id"], q["text"], qrels.get(q["_id"], {})) for q in queries if qrels.get(q["_id"])]


def load_network() -> list[Question]:
    entries = yaml.safe_load((TESTS / "network_questions.yaml").read_text(encoding="utf-8"))
    return [
        Question(
            f"n{i:02d}",
            e["question"],
            {slug: 2 for slug in e["practices"]},
            tuple(e["people"]),
            tuple(e["communities"]),
        )
        for i, e in enumerate(entries)
        if e.get("practices")
    ]


def load_set(name: str, split: str) -> list[Question]:
    if name == "cases":
        return load_cases(split)
    if name == "ood":
        return load_out_of_domain(split)
    if name == "network":
        return load_network()
    return load_beir(name)


# --- running ------------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    question: Question
    ranking: list[str]  # slugs, as shown
    labels: list[str | None]
    people: list[str]
    communities: list[str]
    ms: float


def run(runtime: Runtime, questions: list[Question], *, network: bool = True) -> Iterator[Outcome]:
    policy = AccessPolicy(ANONYMOUS)
    for question in questions:
        with unit_of_work(runtime.sessions) as session:
            start = time.perf_counter()
            response = search_service.find(
                session,
                runtime.searcher,
                policy,
                question.text,
                PracticeFilters(),
                limit=10,
                offset=0,
                mode=SearchMode.HYBRID,
            )
            ms = (time.perf_counter() - start) * 1000
            people: list[str] = []
            communities: list[str] = []
            if network:
                asked = network_service.ask(
                    session, runtime.searcher, policy, question.text, PracticeFilters(), limit=5
                )
                people = [p.person.name for p in asked.people]
                communities = [c.community.name for c in asked.communities]
            session.rollback()  # a benchmark counts no knowledge gaps
        yield Outcome(
            question,
            [h.practice.slug for h in response.hits],
            [str(h.label) if h.label else None for h in response.hits],
            people,
            communities,
            ms,
        )


# --- measures -----------------------------------------------------------------------------------------------------


def ndcg(ranking: list[str], grades: dict[str, int], k: int = 10) -> float:
    dcg = sum((2 ** grades.get(slug, 0) - 1) / math.log2(i + 2) for i, slug in enumerate(ranking[:k]))
    ideal = sorted((g for g in grades.values() if g > 0), reverse=True)[:k]
    return float(dcg / sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal)))


def measures(outcome: Outcome) -> dict[str, float]:
    q, ranking = outcome.question, outcome.ranking
    if not q.grades:  # out of domain
        return {
            "ood_strong": float("sterk" in outcome.labels),
            "ood_network": float(bool(outcome.people or outcome.communities)),
        }
    relevant = {slug for slug, g in q.grades.items() if g > 0}
    answers = {slug for slug, g in q.grades.items() if g >= 2} or relevant
    top3 = next((i for i, slug in enumerate(ranking[:3]) if slug in answers), None)
    expected = set(q.people) | set(q.communities)
    found = set(outcome.people[:5]) | set(outcome.communities[:5])
    return {
        "ndcg": ndcg(ranking, q.grades),
        "recall": len(relevant & set(ranking[:10])) / len(relevant),
        "mrr": next((1 / (i + 1) for i, slug in enumerate(ranking[:10]) if slug in relevant), 0.0),
        "top3": float(top3 is not None),
        "labelled": float(top3 is not None and outcome.labels[top3] in SHOWN),
        **({"network": float(bool(expected & found))} if expected else {}),
    }


def table(name: str, outcomes: list[Outcome]) -> list[dict[str, Any]]:
    rows = []
    groups = [(bucket, [o for o in outcomes if o.question.bucket == bucket]) for bucket, _, _ in BUCKETS]
    for bucket, members in [*groups, ("all", outcomes)]:
        if not members:
            continue
        values = [measures(o) for o in members]
        row: dict[str, Any] = {"set": name, "length": bucket, "n": len(members)}
        for key in ("ndcg", "recall", "mrr", "top3", "labelled", "network", "ood_strong", "ood_network"):
            present = [v[key] for v in values if key in v]
            if present:
                mean = sum(present) / len(present)
                row[key] = (
                    f"{round(mean * len(present))}/{len(present)}"
                    if key not in ("ndcg", "recall", "mrr")
                    else f"{mean:.3f}"
                )
        rows.append(row)
    return rows


def print_rows(rows: list[dict[str, Any]]) -> None:
    keys = ["set", "length", "n", "ndcg", "recall", "mrr", "top3", "labelled", "network", "ood_strong", "ood_network"]
    widths = {k: max(len(k), *(len(str(r.get(k, ""))) for r in rows)) for k in keys}
    print(" | ".join(k.ljust(widths[k]) for k in keys))
    print("-|-".join("-" * widths[k] for k in keys))
    for row in rows:
        print(" | ".join(str(row.get(k, "")).ljust(widths[k]) for k in keys))


def build_runtime(args: argparse.Namespace, folder: Path) -> Runtime:
    settings = Settings(
        data_dir=folder,
        database_url=None,
        embedding_model=args.model,
        cross_model=args.cross_model,
        seed_on_first_start=False,
        run_worker=False,
    )
    runtime = Runtime.build(settings)
    if runtime.index.count() == 0:
        start = time.perf_counter()
        with unit_of_work(runtime.sessions) as session:
            report, _ = import_path(session, settings.seed_dir)
        assert not report.errors, report.errors[:3]
        runtime.worker.drain()
        runtime.index.optimize()
        print(f"indexed the seeds in {time.perf_counter() - start:.1f} s")
    return runtime


def main() -> None:
    defaults = Settings()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=defaults.embedding_model)
    parser.add_argument("--cross-model", default=defaults.cross_model)
    parser.add_argument("--sets", default="cases,ood,seed-nl,crosslingual,network")
    parser.add_argument("--split", default="held_out", choices=("held_out", "calibration", "all"))
    parser.add_argument("--data-dir", type=Path, help="keep the indexed seeds here (reused when it exists)")
    parser.add_argument("--no-network", action="store_true", help="search only, no /ask")
    parser.add_argument("--show", action="store_true", help="print every case's ranking and labels")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    folder = args.data_dir or Path(tempfile.mkdtemp(prefix="cases-"))
    runtime = build_runtime(args, folder)
    print(f"model: {runtime.models}; split: {args.split}")
    rows: list[dict[str, Any]] = []
    latencies: list[float] = []
    try:
        for name in args.sets.split(","):
            outcomes = list(run(runtime, load_set(name, args.split), network=not args.no_network))
            latencies += [o.ms for o in outcomes]
            rows += table(name, outcomes)
            if args.show:
                for o in outcomes:
                    marks = [
                        f"{s}{'*' if o.question.grades.get(s, 0) >= 2 else ''}:{label}"
                        for s, label in zip(o.ranking[:3], o.labels[:3], strict=False)
                    ]
                    network = f"people {o.people[:3]} | {o.communities[:2]}"
                    print(f"{o.question.id} [{o.question.words}w] {' '.join(marks)} | {network}")
    finally:
        runtime.close()
    print_rows(rows)
    latencies.sort()
    print(f"search (in process) p50 {latencies[len(latencies) // 2]:.1f} ms over {len(latencies)} questions")


if __name__ == "__main__":
    main()
