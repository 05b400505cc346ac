"""Two dense legs in one index: e5 for retrieval in the question's language, USE multilingual across languages
(the default profile ``e5+use-multilingual``), both real models over the seed practices, searched through the HTTP
API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from api.app import create_app
from benchmarks.evaluation import Collection, Indexed, index_collection, load_beir, run_queries, score
from core.errors import IndexMismatch
from core.profiles import E5, USE_MULTILINGUAL
from core.settings import PROJECT_ROOT
from indexing.embedder import Embedder
from indexing.index import CROSS
from indexing.search import SearchMode
from services.confidence import calibration_for
from services.runtime import Runtime
from tests.conftest import SEED_DIR, TEST_PROFILE, PgDatabases, make_database_url, make_settings
from tests.crosslingual import language_of

pytestmark = pytest.mark.sqlite_pass
CROSSLINGUAL = PROJECT_ROOT / "benchmarks" / "data" / "crosslingual"


def crosslingual(qid: str) -> str:
    queries = (json.loads(line) for line in (CROSSLINGUAL / "queries.jsonl").read_text(encoding="utf-8").splitlines())
    return next(str(q["text"]) for q in queries if q["_id"] == qid)


@pytest.fixture(scope="module")
def collection() -> Collection:
    return load_beir(CROSSLINGUAL, name="crosslingual", language="nl", split="test", practices=SEED_DIR)


@pytest.fixture(scope="module")
def indexed(
    tmp_path_factory: pytest.TempPathFactory,
    pg_databases: PgDatabases | None,
    embedder: Embedder,
    cross_embedder: Embedder | None,
    collection: Collection,
) -> Iterator[Indexed]:
    """The seed practices imported and indexed with both models."""
    if TEST_PROFILE.name != f"{E5}+{USE_MULTILINGUAL}":
        pytest.skip("the pair e5+use-multilingual is the default test profile")
    folder = tmp_path_factory.mktemp("two-models")
    settings = make_settings(folder / "data", make_database_url(folder / "db", pg_databases))
    runtime = Runtime.build(settings, embedder=embedder, cross=cross_embedder)
    yield index_collection(runtime, collection, optimize=False)
    runtime.close()


@pytest.fixture(scope="module")
def two_models(indexed: Indexed) -> Runtime:
    return indexed.runtime


@pytest.fixture(scope="module")
def api(two_models: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(two_models.settings, runtime=two_models), raise_server_exceptions=False) as client:
        yield client


def top(api: TestClient, question: str, limit: int = 3) -> list[str]:
    response = api.get("/api/v1/search", params={"q": question, "limit": limit})
    assert response.status_code == 200, response.text
    return [hit["practice"]["slug"] for hit in response.json()["hits"]]


def test_every_chunk_carries_both_models_vectors(two_models: Runtime) -> None:
    assert two_models.index.meta.cross_model.startswith(USE_MULTILINGUAL)
    doc = next(doc for doc, _version in two_models.index.versions())
    primary, crossing = two_models.index.vectors_of(doc), two_models.index.vectors_of(doc, CROSS)
    assert len(primary) == len(crossing) > 0
    assert {len(v) for v in primary} == {384} and {len(v) for v in crossing} == {512}


@pytest.mark.parametrize(
    ("question", "slug"),
    [
        # Dutch question, Dutch practice: e5 and the words.
        ("schuldeisers in één keer afbetalen met een lening van de gemeente", "saneringskrediet-via-kredietbank"),
        # Dutch questions, English practices (short and long): the cross leg.
        (crosslingual("x01"), "eastvale-housing-first-rough-sleepers"),
        (crosslingual("x02"), "eastvale-housing-first-rough-sleepers"),
        (crosslingual("x06"), "eastvale-street-triage-mental-health-nurse-police"),
        # English question, Dutch practice.
        (crosslingual("y02"), "saneringskrediet-via-kredietbank"),
    ],
    ids=["nl-nl", "nl-en-short", "nl-en-long", "nl-en-police", "en-nl-long"],
)
def test_the_right_practice_is_in_the_top_3_in_either_language(api: TestClient, question: str, slug: str) -> None:
    assert slug in top(api, question), f"{question!r} gave {top(api, question)}"


def test_the_pairs_span_both_languages() -> None:
    assert language_of("eastvale-housing-first-rough-sleepers") == "en"
    assert language_of("saneringskrediet-via-kredietbank") == "nl"


def test_across_languages_the_two_legs_beat_e5_alone(indexed: Indexed, collection: Collection) -> None:
    """e5 alone scores 0.640 nDCG@10 on the cross-lingual set, USE alone 0.859 (README): the composite must keep
    USE's level."""
    run, _ = run_queries(indexed, collection.queries, SearchMode.HYBRID)
    ndcg = score(run, collection.qrels).ndcg
    print(f"crosslingual hybrid with two dense legs: nDCG@10 {ndcg:.3f}")
    assert ndcg >= 0.85


OUT_OF_DOMAIN: list[str] = yaml.safe_load((Path(__file__).parent / "data" / "out_of_domain.yaml").read_text("utf-8"))


def test_the_pair_has_a_calibration_of_its_own(two_models: Runtime) -> None:
    assert two_models.searcher.family == f"{E5}+{USE_MULTILINGUAL}"
    assert calibration_for(two_models.searcher.family) is not None  # benchmarks/calibrate.py --cross-model ... --write


@pytest.mark.parametrize("question", [*OUT_OF_DOMAIN[:3], *OUT_OF_DOMAIN[-3:], "qwxzyplk"])
def test_out_of_domain_questions_get_no_strong_hit(api: TestClient, question: str) -> None:
    body = api.get("/api/v1/search", params={"q": question}).json()
    assert body["nothing_strong"] is True
    assert all(hit["label"] in ("mogelijk", "zwak") for hit in body["hits"])
    assert len(body["hits"]) < 10


@pytest.mark.parametrize(
    ("question", "slug"),
    [
        ("schuldeisers in één keer afbetalen met een lening van de gemeente", "saneringskrediet-via-kredietbank"),
        # Across languages a practice is judged by USE's cosine alone (no shared words).
        (crosslingual("x06"), "eastvale-street-triage-mental-health-nurse-police"),
        (crosslingual("y02"), "saneringskrediet-via-kredietbank"),
    ],
    ids=["same-language", "nl-en", "en-nl"],
)
def test_the_right_practice_is_labelled_sterk_or_mogelijk(api: TestClient, question: str, slug: str) -> None:
    hits = api.get("/api/v1/search", params={"q": question, "limit": 5}).json()["hits"]
    labels = {hit["practice"]["slug"]: hit["label"] for hit in hits}
    assert labels.get(slug) in ("sterk", "mogelijk"), labels


@pytest.mark.parametrize(
    "setting",
    [{"embedding_model": f"{E5}+{USE_MULTILINGUAL}"}, {"embedding_model": E5, "cross_model": USE_MULTILINGUAL}],
    ids=["profile", "model-and-cross-model"],
)
def test_the_setting_builds_the_cross_leg_and_a_changed_setting_is_refused(
    tmp_path: Path, pg_databases: PgDatabases | None, setting: dict[str, str]
) -> None:
    """The pair's profile (or the primary model and PRAKTIJKBANK_CROSS_MODEL) alone, no model handed in, loads the
    second model into searcher and worker; a service started later with e5 alone, on the same index, refuses until
    `praktijkbank reindex`."""
    database_url = make_database_url(tmp_path / "db", pg_databases)
    settings = make_settings(tmp_path / "data", database_url, **setting)
    runtime = Runtime.build(settings)
    try:
        cross = runtime.live.cross
        assert cross is not None and cross.name.startswith(USE_MULTILINGUAL)
        assert runtime.searcher.cross is cross and runtime.worker.cross is cross
        assert runtime.index.meta.cross_model == cross.name
        assert " + " in runtime.models
    finally:
        runtime.close()
    with pytest.raises(IndexMismatch, match="reindex"):
        Runtime.build(make_settings(tmp_path / "data", database_url, embedding_model=E5))
