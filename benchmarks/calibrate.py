"""Calibrate relevance labels per model (or pair): fit P(relevant | a hit's evidence) on judged questions of every
length, both languages, in and out of the domain, and check it on held-out ones.

The seed practices are imported into a data folder (``--data-dir`` keeps it for the next run) and indexed with the
chosen model(s). Every calibration question is searched; each of its top ``--depth`` hits is a sample with the
features of ``services.confidence.Evidence`` (cosine, its margin over the question's 10th practice, BM25 per query
term, share of the best BM25, the question's length), labelled relevant when judged >= 1. The calibration
questions:

* ``benchmarks/data/seed-nl`` (54 Dutch questions, short and long) and ``benchmarks/data/crosslingual`` (24
  questions answered in the other language);
* the calibration half of ``benchmarks/data/cases`` (cases as professionals write them, Dutch and English);
* out of the domain (every hit irrelevant): ``benchmarks/data/out_of_domain.yaml`` (short) and the calibration half
  of ``benchmarks/data/cases/out_of_domain.yaml`` (long).

Two logistic models are fitted by Newton's method: one for a practice in the question's language (every feature),
one for a practice in another language (the cosine side only: words cannot match across languages; in a two-model
index that cosine is the cross model's). Three bars are set on the probability:

* ``strong`` ('sterk'): the lowest bar at which at least ``--strong-precision`` of the in-domain hits above it are
  relevant, and above every out-of-domain hit;
* ``possible`` ('mogelijk'): the lowest bar at which at least ``--possible-precision`` of the hits above it are
  relevant, and above every out-of-domain hit (people are suggested only on 'mogelijk' evidence or better);
* ``floor`` (below: left out): the highest bar that keeps ``--keep`` of the relevant hits found in the top 10.

Then the held-out checks, never fitted on: the held-out half of the cases and of the long out-of-domain cases, the
single-answer questions of ``tests/data/questions_*.yaml`` and ``tests/data/out_of_domain.yaml``: how the right
practice in the top 3 is labelled, the best label out of the domain, and a reliability table per length bucket
(predicted probability against the observed share of relevant hits, and the expected calibration error).

    python benchmarks/calibrate.py --data-dir /tmp/cal-pair                 # the default model(s)
    python benchmarks/calibrate.py --model use-multilingual --cross-model '' --write
    python benchmarks/calibrate.py --model bundled --cross-model '' --write   # the bundled English MiniLM
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import math
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.cases import BUCKETS, TESTS, Question, build_runtime, load_beir, load_cases, load_out_of_domain  # noqa: E402
from core.profiles import BUNDLED_MODEL  # noqa: E402
from core.settings import Settings  # noqa: E402
from indexing.search import SearchMode  # noqa: E402
from services.access import ANONYMOUS, AccessPolicy  # noqa: E402
from services.confidence import ACROSS_FEATURES, CALIBRATION_FILE, SAME_FEATURES, Calibration, Evidence  # noqa: E402
from services.runtime import Runtime  # noqa: E402
from services.search import evidence, index_filter  # noqa: E402
from storage.database import unit_of_work  # noqa: E402
from storage.repositories import practices as practices_repo  # noqa: E402
from storage.repositories.practices import PracticeFilters  # noqa: E402


@dataclass(frozen=True)
class Sample:
    question: Question
    slug: str
    rank: int
    evidence: Evidence

    @property
    def relevant(self) -> bool:
        return self.question.grades.get(self.slug, 0) >= 1

    @property
    def across(self) -> bool:
        return self.evidence.lexical is None

    @property
    def in_domain(self) -> bool:
        return bool(self.question.grades)


def samples_of(runtime: Runtime, questions: list[Question], depth: int) -> list[Sample]:
    """The top ``depth`` hybrid hits of each question as an anonymous visitor, with their evidence."""
    searcher, policy = runtime.searcher, AccessPolicy(ANONYMOUS)
    found: list[Sample] = []
    for question in questions:
        with unit_of_work(runtime.sessions) as session:
            flt = index_filter(session, PracticeFilters(), policy)
            vectors = searcher.encode(question.text, SearchMode.HYBRID)
            hits = searcher.search(question.text, flt, limit=depth, vectors=vectors)
            seen = evidence(searcher, hits, vectors, question.text)
            slugs = {
                p.id: p.slug
                for p in practices_repo.get_many(session, [h.doc_id for h in hits], policy.practice_clause()).values()
            }
        found += [
            Sample(question, slugs[h.doc_id], rank, seen[h.doc_id])
            for rank, h in enumerate(hits)
            if h.doc_id in slugs and h.doc_id in seen
        ]
    return found


def fit_logistic(x: np.ndarray, y: np.ndarray, *, l2: float = 1e-2, steps: int = 100) -> np.ndarray:
    """Weights (bias first) of a logistic regression, by Newton's method with a small ridge (not on the bias)."""
    design = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(design.shape[1])
    ridge = l2 * np.eye(len(w))
    ridge[0, 0] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(design @ w)))
        gradient = design.T @ (p - y) + ridge @ w
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + ridge + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return w


def fit(samples: list[Sample], names: tuple[str, ...]) -> dict[str, float]:
    x = np.array([[s.evidence.features().get(n, 0.0) for n in names] for s in samples], dtype=float)
    y = np.array([s.relevant for s in samples], dtype=float)
    w = fit_logistic(x, y)
    return {"bias": float(w[0]), **{n: float(v) for n, v in zip(names, w[1:], strict=True)}}


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


def calibrate(samples: list[Sample], args: argparse.Namespace, two_models: bool) -> Calibration:
    same = fit([s for s in samples if not s.across], SAME_FEATURES)
    across_samples = [s for s in samples if s.across]
    # In a two-model index another language's cosine is the cross model's, on its own scale: fitted on those alone.
    across = fit(across_samples if two_models or len(across_samples) > 50 else samples, ACROSS_FEATURES)
    draft = Calibration(same, across, 1.0, 1.0, 0.0)
    p = np.array([draft.relevance(s.evidence) for s in samples])
    relevant = np.array([s.relevant for s in samples], dtype=float)
    inside = np.array([s.in_domain for s in samples])
    ranks = np.array([s.rank for s in samples])
    ood_bar = math.ceil(float(p[~inside].max()) * 100 + 1) / 100 if (~inside).any() else 0.0
    strong = max(_lowest_bar(p[inside], relevant[inside], args.strong_precision), ood_bar)
    possible = min(strong, max(_lowest_bar(p, relevant, args.possible_precision), ood_bar))
    kept = p[(relevant > 0) & (ranks < 10)]
    floor = min(possible, math.floor(float(np.quantile(kept, 1 - args.keep)) * 1000) / 1000) if kept.size else 0.0
    return Calibration(same, across, strong, possible, floor)


# --- checks -------------------------------------------------------------------------------------------------------


def reliability(calibration: Calibration, samples: list[Sample]) -> dict[str, Any]:
    """Per length bucket: predicted probability in bins against the observed share of relevant hits, and the
    expected calibration error (the bins' gaps weighted by their size)."""
    edges = (0.0, 0.05, 0.2, 0.4, 0.6, 0.8, 1.0001)
    report: dict[str, Any] = {}
    for bucket, _, _ in BUCKETS:
        members = [s for s in samples if s.question.bucket == bucket]
        if not members:
            continue
        p = np.array([calibration.relevance(s.evidence) for s in members])
        y = np.array([s.relevant for s in members], dtype=float)
        rows, ece = [], 0.0
        for low, high in itertools.pairwise(edges):
            inside = (p >= low) & (p < high)
            if inside.any():
                gap = abs(float(p[inside].mean()) - float(y[inside].mean()))
                ece += gap * inside.sum() / len(p)
                n, predicted, observed = int(inside.sum()), float(p[inside].mean()), float(y[inside].mean())
                rows.append(f"{low:.2f}-{min(high, 1):.2f}: n={n} predicted {predicted:.3f} observed {observed:.3f}")
        report[bucket] = {"samples": len(p), "ece": round(ece, 4), "bins": rows}
    return report


def labels_of_right_practice(calibration: Calibration, samples: list[Sample]) -> dict[str, Any]:
    """Per length bucket: the label of the best-placed practice judged 2 when it is in the top 3."""
    report: dict[str, Any] = {}
    by_question: dict[str, list[Sample]] = {}
    for s in samples:
        by_question.setdefault(s.question.id, []).append(s)
    questions = {s.question.id: s.question for s in samples}
    for bucket, _, _ in (*BUCKETS, ("all", 0, 0)):
        counts: dict[str, int] = {}
        for qid, question in questions.items():
            if not question.grades or (bucket != "all" and question.bucket != bucket):
                continue
            answers = {slug for slug, g in question.grades.items() if g >= 2}
            ranked = sorted(by_question[qid], key=lambda s: s.rank)
            relevances = [calibration.relevance(s.evidence) for s in ranked]
            shown = sorted(zip(ranked, relevances, strict=True), key=lambda pair: -pair[1])[:3]  # labels order the list
            right = next((r for s, r in shown if s.slug in answers), None)
            name = "not in top 3" if right is None else str(calibration.label(right) or "below the floor")
            counts[name] = counts.get(name, 0) + 1
        if counts:
            report[bucket] = dict(sorted(counts.items()))
    return report


def out_of_domain(calibration: Calibration, samples: list[Sample]) -> dict[str, int]:
    best: dict[str, float] = {}
    for s in samples:
        if not s.in_domain:
            best[s.question.id] = max(best.get(s.question.id, 0.0), calibration.relevance(s.evidence))
    counts: dict[str, int] = {}
    for p in best.values():
        name = str(calibration.label(p) or "nothing above the floor")
        counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items()))


def main() -> None:
    defaults = Settings()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=defaults.embedding_model, help="a model name; `bundled`: the MiniLM")
    parser.add_argument("--cross-model", default=defaults.cross_model, help="a second model for the cross leg")
    parser.add_argument("--data-dir", type=Path, help="keep the indexed seeds here (reused when it exists)")
    parser.add_argument("--depth", type=int, default=20, help="hits per question used as samples")
    parser.add_argument("--strong-precision", type=float, default=0.8)
    parser.add_argument("--possible-precision", type=float, default=0.4)
    parser.add_argument("--keep", type=float, default=0.99, help="share of relevant top-10 hits above the floor")
    parser.add_argument("--write", action="store_true", help=f"store the calibration in {CALIBRATION_FILE.name}")
    args = parser.parse_args()
    args.model = BUNDLED_MODEL if args.model == "bundled" else args.model
    logging.basicConfig(level=logging.WARNING)

    folder = args.data_dir or Path(tempfile.mkdtemp(prefix="calibrate-"))
    runtime = build_runtime(args, folder)
    try:
        family = runtime.searcher.family
        fitted = samples_of(
            runtime,
            [*load_beir("seed-nl"), *load_beir("crosslingual"), *load_cases("calibration"),
             *load_out_of_domain("calibration")],
            args.depth,
        )  # fmt: skip
        calibration = calibrate(fitted, args, runtime.searcher.cross is not None)
        short = [
            Question(f"{name}-{i}", q["question"], {q["slug"]: 2})
            for name in ("questions_a", "questions_b", "questions_c")
            for i, q in enumerate(yaml.safe_load((TESTS / f"{name}.yaml").read_text(encoding="utf-8")))
        ]
        held = samples_of(runtime, [*load_cases("held_out"), *short, *load_out_of_domain("held_out")], args.depth)
    finally:
        runtime.close()

    relevant = [s for s in fitted if s.relevant]
    checks: dict[str, Any] = {
        "fit": {
            "samples": len(fitted),
            "samples_across_languages": sum(s.across for s in fitted),
            "relevant": len(relevant),
            "out_of_domain_samples": sum(not s.in_domain for s in fitted),
            "right_practice_label": labels_of_right_practice(calibration, fitted),
            "out_of_domain_best_label": out_of_domain(calibration, fitted),
        },
        "held_out": {
            "right_practice_label": labels_of_right_practice(calibration, held),
            "out_of_domain_best_label": out_of_domain(calibration, held),
            "reliability": reliability(calibration, held),
        },
    }
    print(f"\nmodel family: {family}")
    print(json.dumps(calibration.as_dict(), indent=2))
    print(json.dumps(checks, indent=2, ensure_ascii=False))
    if args.write:
        stored = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8")) if CALIBRATION_FILE.exists() else {}
        command = f"benchmarks/calibrate.py --model {args.model} --cross-model '{args.cross_model}' --write"
        stored[family] = {"model": calibration.as_dict(), "checks": checks, "command": command}
        CALIBRATION_FILE.write_text(json.dumps(stored, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"written to {CALIBRATION_FILE}")


if __name__ == "__main__":
    main()
