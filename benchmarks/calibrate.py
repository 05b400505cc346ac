"""Calibrate relevance labels per model: fit P(relevant | dense cosine, lexical score per term) on judged questions.

The seed practices (``seed_practices/``) are imported into a throw-away data folder and indexed with the chosen
model. Every question of the judged seed set (``benchmarks/data/seed-nl``: 54 Dutch questions, grades 0-2) and of
``benchmarks/data/out_of_domain.yaml`` (questions no practice answers: every hit is irrelevant) is searched; each of
its top ``--depth`` hits is a sample (features from both legs, label grade >= 1). A logistic model is fitted by
Newton's method, and three bars are set on its probability:

* ``strong`` ('sterk'): the lowest bar at which at least ``--strong-precision`` of the in-domain hits above it are
  relevant, and above every out-of-domain hit;
* ``possible`` ('mogelijk'): the lowest bar at which at least ``--possible-precision`` of the hits above it are
  relevant, and above every out-of-domain hit (people are suggested only on 'mogelijk' evidence or better);
* ``floor`` (below: left out): the highest bar that keeps ``--keep`` of the relevant hits found in the top 10.

Then the held-out checks: the single-answer questions in ``tests/data/questions_*.yaml`` and the network questions
(their right practice: labelled sterk/mogelijk?), and ``tests/data/out_of_domain.yaml`` (no sterk hit?).

    python benchmarks/calibrate.py                       # the default model, prints the calibration
    python benchmarks/calibrate.py --model bundled --write   # the bundled MiniLM, and store it
    python benchmarks/calibrate.py --model e5 --cross-model use-multilingual --write   # a two-model index

With a cross model, a practice in another language than the question is judged by the cross model's cosine (the
one that bridges languages): the cosine-only fit is made on those samples alone, as the scales of two models'
cosines differ.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.evaluation import read_qrels  # noqa: E402
from core.settings import BUNDLED_MODEL, DEFAULT_MODEL, Settings  # noqa: E402
from indexing.embedder import composite_family, load_embedder  # noqa: E402
from indexing.search import SearchMode  # noqa: E402
from services.access import ANONYMOUS, AccessPolicy  # noqa: E402
from services.confidence import CALIBRATION_FILE, Calibration  # noqa: E402
from services.runtime import Runtime  # noqa: E402
from services.search import evidence, index_filter  # noqa: E402
from services.transfer import import_records, read_records  # noqa: E402
from storage.database import unit_of_work  # noqa: E402
from storage.repositories import practices as practices_repo  # noqa: E402
from storage.repositories.practices import PracticeFilters  # noqa: E402

DATA = ROOT / "benchmarks" / "data"
TESTS = ROOT / "tests" / "data"


def _features(runtime: Runtime, text: str, depth: int) -> list[tuple[str, float, float | None]]:
    """(slug, dense cosine, lexical per term) of the top ``depth`` hybrid hits, as an anonymous visitor."""
    searcher = runtime.searcher
    with unit_of_work(runtime.sessions) as session:
        flt = index_filter(session, PracticeFilters(), AccessPolicy(ANONYMOUS))
        vectors = searcher.encode(text, SearchMode.HYBRID)
        hits = searcher.search(text, flt, limit=depth, vectors=vectors)
        found = evidence(searcher, hits, vectors, text)
        slugs = {
            p.id: p.slug
            for p in practices_repo.get_many(
                session, [h.doc_id for h in hits], AccessPolicy(ANONYMOUS).practice_clause()
            ).values()
        }
    return [(slugs[h.doc_id], *found[h.doc_id]) for h in hits if h.doc_id in slugs]


def fit_logistic(x: np.ndarray, y: np.ndarray, *, l2: float = 1e-3, steps: int = 50) -> np.ndarray:
    """Weights (bias first) of a logistic regression, by Newton's method with a small ridge."""
    design = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(design.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(design @ w)))
        gradient = design.T @ (p - y) + l2 * w
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + l2 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return w


def _lowest_bar(probabilities: np.ndarray, relevant: np.ndarray, precision: float) -> float:
    """The lowest bar (0.01 steps) at which the share of relevant samples at or above it reaches ``precision``,
    for every higher bar too."""
    bar = 1.0
    for t in np.arange(0.99, 0.0, -0.01):
        above = probabilities >= t
        if above.sum() == 0:
            continue
        if relevant[above].mean() < precision:
            break
        bar = float(t)
    return round(bar, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=DEFAULT_MODEL, help="a model name, or `bundled` for the bundled MiniLM")
    parser.add_argument("--cross-model", default="", help="a second model for the cross dense leg")
    parser.add_argument("--depth", type=int, default=20, help="hits per question used as samples")
    parser.add_argument("--strong-precision", type=float, default=0.8)
    parser.add_argument("--possible-precision", type=float, default=0.4)
    parser.add_argument("--keep", type=float, default=0.99, help="share of relevant top-10 hits above the floor")
    parser.add_argument("--write", action="store_true", help=f"store the calibration in {CALIBRATION_FILE.name}")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    embedder = load_embedder(BUNDLED_MODEL if args.model == "bundled" else args.model)
    cross = load_embedder(args.cross_model) if args.cross_model else None
    family = composite_family(embedder.name, cross.name if cross else None)
    with tempfile.TemporaryDirectory(prefix="calibrate-") as folder:
        settings = Settings(data_dir=Path(folder), database_url=None, cross_model=args.cross_model)
        runtime = Runtime.build(settings, embedder=embedder, cross=cross)
        try:
            with unit_of_work(runtime.sessions) as session:
                report = import_records(session, read_records(ROOT / "seed_practices"))
            assert not report.errors, report.errors[:3]
            runtime.worker.drain()
            result = calibrate(runtime, args)
        finally:
            runtime.close()

    model, checks = result
    print(f"\nmodel family: {family}")
    print(json.dumps(model, indent=2))
    print(json.dumps(checks, indent=2, ensure_ascii=False))
    if args.write:
        stored = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8")) if CALIBRATION_FILE.exists() else {}
        stored[family] = {
            "model": model,
            "checks": checks,
            "command": " ".join(["benchmarks/calibrate.py", *sys.argv[1:]]),
        }
        CALIBRATION_FILE.write_text(json.dumps(stored, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"written to {CALIBRATION_FILE}")


def calibrate(runtime: Runtime, args: argparse.Namespace) -> tuple[dict[str, float], dict[str, Any]]:
    queries = {
        q["_id"]: q["text"]
        for q in map(json.loads, (DATA / "seed-nl" / "queries.jsonl").read_text(encoding="utf-8").splitlines())
    }
    qrels = read_qrels(DATA / "seed-nl" / "qrels" / "test.tsv")
    out_of_domain = yaml.safe_load((DATA / "out_of_domain.yaml").read_text(encoding="utf-8"))

    rows: list[tuple[float, float, int, bool, int, bool]] = []  # dense, lexical, grade, in domain, rank, across
    for qid, text in queries.items():
        for rank, (slug, dense, lexical) in enumerate(_features(runtime, text, args.depth)):
            judged = qrels.get(qid, {}).get(slug, 0)
            rows.append((dense, lexical or 0.0, judged, True, rank, lexical is None))
    for text in out_of_domain:
        for rank, (_, dense, lexical) in enumerate(_features(runtime, text, args.depth)):
            rows.append((dense, lexical or 0.0, 0, False, rank, lexical is None))
    data = np.array(rows, dtype=float)
    x, grade, inside, ranks, across = data[:, :2], data[:, 2], data[:, 3] > 0, data[:, 4], data[:, 5] > 0
    relevant = (grade >= 1).astype(float)
    w = fit_logistic(x[~across], relevant[~across])  # words can only count within one language
    # The cosine alone, for documents in another language; in a two-model index that cosine is the cross model's,
    # on its own scale, so only those samples are fitted.
    two_models = runtime.searcher.cross is not None
    cross = fit_logistic(x[across, :1], relevant[across]) if two_models else fit_logistic(x[:, :1], relevant)
    p = np.where(across, 1 / (1 + np.exp(-(cross[0] + x[:, 0] * cross[1]))), 1 / (1 + np.exp(-(w[0] + x @ w[1:]))))
    log_loss = float(-np.mean(relevant * np.log(p + 1e-12) + (1 - relevant) * np.log(1 - p + 1e-12)))

    ood_max = float(p[~inside].max()) if (~inside).any() else 0.0
    strong = max(_lowest_bar(p[inside], relevant[inside], args.strong_precision), math.ceil(ood_max * 100 + 1) / 100)
    possible = min(strong, max(_lowest_bar(p, relevant, args.possible_precision), math.ceil(ood_max * 100 + 1) / 100))
    found = p[(relevant > 0) & (ranks < 10)]
    floor = min(possible, math.floor(float(np.quantile(found, 1 - args.keep)) * 1000) / 1000) if found.size else 0.0
    calibration = Calibration(
        float(w[0]), float(w[1]), float(w[2]), strong, possible, floor, float(cross[0]), float(cross[1])
    )
    model = {k: round(v, 4) for k, v in calibration.__dict__.items()}

    def share(mask: np.ndarray) -> str:
        return f"{int(mask.sum())}/{mask.size}"

    checks: dict[str, Any] = {
        "fit": {
            "samples": len(rows),
            "samples_across_languages": int(across.sum()),
            "relevant": int(relevant.sum()),
            "out_of_domain_samples": int((~inside).sum()),
            "log_loss": round(log_loss, 4),
            "out_of_domain_max_p": round(ood_max, 4),
            "relevant_top10_kept_by_floor": share(found >= floor),
            "out_of_domain_hits_left_out_by_floor": share(p[~inside] < floor),
            "in_domain_hits_above_strong_relevant": share(relevant[inside & (p >= strong)] > 0),
        },
        "held_out": held_out(runtime, calibration, args.depth),
    }
    return model, checks


def held_out(runtime: Runtime, calibration: Calibration, depth: int) -> dict[str, Any]:
    """The right practice of single-answer and network questions: its label; out-of-domain: the best label."""
    answers: list[tuple[str, str]] = []
    for name in ("questions_a.yaml", "questions_b.yaml", "questions_c.yaml"):
        answers += [(q["question"], q["slug"]) for q in yaml.safe_load((TESTS / name).read_text(encoding="utf-8"))]
    network = yaml.safe_load((TESTS / "network_questions.yaml").read_text(encoding="utf-8"))
    answers += [(q["question"], q["practices"][0]) for q in network if q.get("practices")]
    labels: dict[str, int] = {}
    top_strong = 0
    for text, slug in answers:
        hits = _features(runtime, text, depth)
        label = next((calibration.label(calibration.relevance(d, lx)) for s, d, lx in hits if s == slug), None)
        labels[str(label or "niet gevonden/onder de vloer")] = (
            labels.get(str(label or "niet gevonden/onder de vloer"), 0) + 1
        )
        top_strong += bool(hits) and calibration.label(calibration.relevance(hits[0][1], hits[0][2])) == "sterk"
    outside = yaml.safe_load((TESTS / "out_of_domain.yaml").read_text(encoding="utf-8"))
    best: dict[str, int] = {}
    for text in outside:
        hits = _features(runtime, text, depth)
        ps = [calibration.relevance(d, lx) for _, d, lx in hits]
        label = calibration.label(max(ps)) if ps else None
        best[str(label or "niets boven de vloer")] = best.get(str(label or "niets boven de vloer"), 0) + 1
    return {
        "right_practice_label": dict(sorted(labels.items())),
        "questions": len(answers),
        "top_hit_sterk": top_strong,
        "out_of_domain_best_label": dict(sorted(best.items())),
        "out_of_domain_questions": len(outside),
    }


if __name__ == "__main__":
    main()
