"""Search quality regression guard: a slice of each evaluation collection, imported, indexed and searched through
the service's own path (``services/evaluation.py``, as ``benchmarks/quality.py`` does for the full runs).

The floors catch breakage (a broken stemmer, a leg that returns nothing, fusion that buries the better leg,
ids that no longer map back), not small drifts: each sits well below what the slice scores today (README,
"Search quality"). SciFact and PolicyQA-NL live in the shared evaluation folder beside the project; where a
checkout has no such folder they are skipped, the in-repo Dutch seed set always runs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from benchmarks.evaluation import Indexed, index_collection, load_beir, run_queries, score
from core.profiles import BUNDLED_MODEL, E5
from core.settings import PROJECT_ROOT
from indexing.embedder import Embedder, load_embedder
from indexing.search import SearchMode
from services.runtime import Runtime
from tests.conftest import SEED_DIR, TEST_PROFILE, PgDatabases, make_database_url, make_settings

# Ranking does not depend on the SQL backend: measured once, on the SQLite run of the suite.
pytestmark = pytest.mark.sqlite_pass
# Least share of questions on which the fused top 10 differs from each leg's top 10 (today's figures are printed).
MIN_DIFFERENT = 0.25
SHARED_EVAL = Path(os.environ.get("PRAKTIJKBANK_EVAL_DIR", PROJECT_ROOT.parent / "shared" / "eval"))


@dataclass(frozen=True)
class Slice:
    name: str
    folder: Path
    language: str
    split: str
    floors: dict[SearchMode, float]  # nDCG@10 each leg must reach
    practices: Path | None = None
    limit_queries: int | None = None
    max_docs: int | None = None


SLICES = [
    # All 54 judged questions over the seed practices.
    Slice(
        "seed-nl",
        PROJECT_ROOT / "benchmarks" / "data" / "seed-nl",
        "nl",
        "test",
        {SearchMode.LEXICAL: 0.6, SearchMode.DENSE: 0.6, SearchMode.HYBRID: 0.7},
        practices=SEED_DIR,
    ),
    # The first 30 judged questions against their own answers plus others, 90 documents in all.
    Slice(
        "policyqa-nl",
        SHARED_EVAL / "policyqa-nl",
        "nl",
        "train",
        {SearchMode.LEXICAL: 0.8, SearchMode.DENSE: 0.7, SearchMode.HYBRID: 0.8},
        limit_queries=30,
        max_docs=90,
    ),
    Slice(
        "scifact",
        SHARED_EVAL / "scifact",
        "en",
        "train",
        {SearchMode.LEXICAL: 0.7, SearchMode.DENSE: 0.6, SearchMode.HYBRID: 0.7},
        limit_queries=30,
        max_docs=90,
    ),
]


@pytest.mark.parametrize("spec", SLICES, ids=[s.name for s in SLICES])
def test_each_leg_and_the_fusion_stay_above_their_floor(spec: Slice, runtime: Runtime) -> None:
    check(spec, runtime)


# The bundled English-only model stays a supported choice (and the sentence-transformers path with it).
BUNDLED_SEED = replace(SLICES[0], floors={SearchMode.LEXICAL: 0.6, SearchMode.DENSE: 0.5, SearchMode.HYBRID: 0.65})


def test_the_bundled_english_model_on_the_dutch_seed_set(
    tmp_path: Path, pg_databases: PgDatabases | None, bundled: Embedder
) -> None:
    settings = make_settings(
        tmp_path / "data", make_database_url(tmp_path / "db", pg_databases), embedding_model=BUNDLED_MODEL
    )
    runtime = Runtime.build(settings, embedder=bundled)
    try:
        check(BUNDLED_SEED, runtime)
    finally:
        runtime.close()


@pytest.fixture(scope="module")
def bundled() -> Embedder:
    return load_embedder(BUNDLED_MODEL)


# multilingual-e5-small on onnxruntime measured 0.755 / 0.760 / 0.797 (lexical / dense / hybrid) on all of seed-nl
# (README, "Search quality and the model"): a dense leg that drops or a prefix that goes missing falls below these.
E5_SEED = replace(SLICES[0], floors={SearchMode.LEXICAL: 0.6, SearchMode.DENSE: 0.7, SearchMode.HYBRID: 0.75})
E5_CROSSLINGUAL = replace(
    SLICES[0],
    name="crosslingual",
    folder=PROJECT_ROOT / "benchmarks" / "data" / "crosslingual",
    # measured 0.123 / 0.578 / 0.640: words cannot cross languages, so a lost dense leg falls far below these
    floors={SearchMode.LEXICAL: 0.0, SearchMode.DENSE: 0.5, SearchMode.HYBRID: 0.55},
)


def test_the_e5_model_on_the_dutch_seed_set_and_across_languages(
    tmp_path: Path, pg_databases: PgDatabases | None, embedder: Embedder
) -> None:
    """e5 alone (without the pair's cross leg). Both sets search the seed practices: indexed once."""
    settings = make_settings(tmp_path / "data", make_database_url(tmp_path / "db", pg_databases), embedding_model=E5)
    runtime = Runtime.build(settings, embedder=embedder if TEST_PROFILE.model == E5 else load_embedder(E5))
    try:
        indexed = check(E5_SEED, runtime)
        check(E5_CROSSLINGUAL, runtime, indexed)
    finally:
        runtime.close()


def check(spec: Slice, runtime: Runtime, indexed: Indexed | None = None) -> Indexed:
    """Each leg and the fusion above ``spec``'s floors; ``indexed``: the same corpus, already indexed."""
    if spec.practices is None and not (spec.folder / "queries.jsonl").exists():
        pytest.skip(f"evaluation collection not present: {spec.folder} (set PRAKTIJKBANK_EVAL_DIR)")
    collection = load_beir(
        spec.folder,
        name=spec.name,
        language=spec.language,
        split=spec.split,
        practices=spec.practices,
        limit_queries=spec.limit_queries,
        max_docs=spec.max_docs,
    )
    indexed = indexed or index_collection(runtime, collection, optimize=False)
    assert len(collection.queries) >= (20 if spec.name == "crosslingual" else 30)

    ndcg, runs = {}, {}
    for mode in (SearchMode.LEXICAL, SearchMode.DENSE, SearchMode.HYBRID):
        runs[mode], _ = run_queries(indexed, collection.queries, mode)
        assert all(runs[mode][qid] for qid in collection.queries), f"{mode}: a question found nothing"
        ndcg[mode] = score(runs[mode], collection.qrels).ndcg
    # Share of questions whose hybrid top 10 differs from the leg's own: 0 when fusion drops the other leg.
    differs = {
        leg: sum(runs[SearchMode.HYBRID][qid] != runs[leg][qid] for qid in collection.queries) / len(collection.queries)
        for leg in (SearchMode.LEXICAL, SearchMode.DENSE)
    }

    print(
        f"{spec.name} on {runtime.embedder.name}: nDCG@10 "
        + ", ".join(f"{m}={v:.3f}" for m, v in ndcg.items())
        + "; hybrid top 10 differs from "
        + ", ".join(f"{m}'s on {v:.0%}" for m, v in differs.items())
    )
    failed = {mode.value: round(value, 3) for mode, value in ndcg.items() if value < spec.floors[mode]}
    assert not failed, f"{spec.name} nDCG@10 below the floor: {failed} (all: {ndcg})"
    # Fusion must not bury the better leg (a wrong weight would).
    best_leg = max(ndcg[SearchMode.LEXICAL], ndcg[SearchMode.DENSE])
    assert ndcg[SearchMode.HYBRID] >= best_leg - 0.05, ndcg
    # Both legs must reach the fused list: a leg dropped in fusion leaves hybrid equal to the other leg, which the
    # nDCG check above lets through when the remaining leg is the better one.
    assert all(share >= MIN_DIFFERENT for share in differs.values()), differs
    return indexed
