"""The hybrid searcher on the real bundled model and the embedded engine: words are scored per document, and the
two legs are fused per document."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import Settings
from indexing import search as search_module
from indexing.documents import IndexDocument
from indexing.embedder import Embedder
from indexing.factory import open_index
from indexing.index import IndexFilter, IndexMeta, IndexQuery, VectorIndex
from indexing.lexical import LexicalEncoder
from indexing.search import FusionWeights, HybridSearcher, Leg, LegHit, LegWeight, SearchMode, _fuse
from indexing.worker import build_points

pytestmark = pytest.mark.sqlite_pass

LEXICAL = LexicalEncoder()
PAYLOAD = {"doc_type": "practice", "status": "published", "visibility": "public", "community_id": ""}


def doc(number: int, title: str, **sections: str) -> IndexDocument:
    return IndexDocument(uuid.UUID(int=number), 1, title, "nl", dict(sections), dict(PAYLOAD))


SPREAD = doc(
    1,
    "Ondersteuning tijdens het wachten",
    summary="Inwoners die wachten op hulp krijgen een vast aanspreekpunt.",
    situation="De wachtlijst voor begeleiding liep op tot vier maanden.",
    approach="Tijdens het wachten kunnen inwoners naar de dagbesteding in de buurtkamer.",
)
REPEATED = doc(
    2,
    "Wachtlijstbeheer in het wijkteam",
    summary="Het wijkteam bespreekt de wachtlijst elke week.",
    situation="Een lange wachtlijst maakt inwoners onzeker.",
    approach="De wachtlijst wordt opgeschoond en inwoners worden gebeld.",
)
ONE_WORD = doc(4, "Dagbesteding dichtbij", summary="Dagbesteding in de buurt.")
OTHER = doc(3, "Budgetcoaching aan de keukentafel", summary="Zes sessies over geld en administratie thuis.")


@pytest.fixture
def searcher(tmp_path: Path, embedder: Embedder) -> Iterator[HybridSearcher]:
    index: VectorIndex = open_index(
        Settings(data_dir=tmp_path, qdrant_url=None), IndexMeta(embedder.name, embedder.dimension)
    )
    index.upsert(build_points([SPREAD, REPEATED, ONE_WORD, OTHER], embedder, LEXICAL))
    index.flush()
    yield HybridSearcher(index, embedder, LEXICAL, FusionWeights(default=(1.0, 1.0)))
    index.close()


def test_words_spread_over_sections_count_together(searcher: HybridSearcher) -> None:
    # "wachtlijst" and "dagbesteding" stand in different sections (different chunks) of SPREAD. Scored per
    # chunk, ONE_WORD's short chunk that says "dagbesteding" twice would win; scored per document, SPREAD has both.
    hits = searcher.search("wachtlijst dagbesteding", IndexFilter(), mode=SearchMode.LEXICAL)
    assert hits[0].doc_id == SPREAD.id
    assert {h.doc_id for h in hits} == {SPREAD.id, REPEATED.id, ONE_WORD.id}


def test_the_lexical_leg_returns_one_point_per_document(searcher: HybridSearcher) -> None:
    hits = searcher.index.query(IndexQuery(None, LEXICAL.query("wachtlijst inwoners"), IndexFilter(), limit=50))
    # each document exactly once, though SPREAD's words stand in several of its chunks
    assert sorted(h.payload["doc_id"] for h in hits) == sorted([str(SPREAD.id), str(REPEATED.id)])


def test_hybrid_names_the_chunk_where_the_meaning_is(searcher: HybridSearcher) -> None:
    hits = searcher.search("wachtlijst dagbesteding", IndexFilter(), mode=SearchMode.HYBRID)
    assert {h.doc_id for h in hits} == {SPREAD.id, REPEATED.id, ONE_WORD.id, OTHER.id}  # dense adds what words miss
    spread = next(h for h in hits if h.doc_id == SPREAD.id)
    assert spread.section in spread.sections
    assert {"situation", "approach"} & set(spread.sections)


def _hit(number: int, section: str, language: str = "nl") -> LegHit:
    return LegHit(str(uuid.UUID(int=number)), 0.5, section, 0, language, {section: None})


def test_fusion_is_weighted_reciprocal_rank_per_document() -> None:
    dense = [_hit(1, "approach"), _hit(2, "results")]
    lexical = [_hit(2, "summary"), _hit(3, "summary")]
    fused = _fuse([Leg(LegWeight(1.0, 1.0), "dense", dense), Leg(LegWeight(3.0, 3.0), "lexical", lexical)], rrf_k=10)
    assert [h.doc_id.int for h in fused] == [2, 3, 1]
    assert fused[0].score == pytest.approx(1 / 12 + 3 / 11)
    assert fused[1].score == pytest.approx(3 / 12)
    assert (fused[0].section, fused[0].sections) == ("results", ("results", "summary"))  # the dense leg names it


def test_fusion_makes_hits_of_the_asked_ranks_with_each_legs_evidence() -> None:
    dense = [_hit(1, "approach"), _hit(2, "results")]
    dense[0].score, dense[1].score = 0.61, 0.58
    lexical = [_hit(2, "summary"), _hit(3, "summary")]
    lexical[0].score, lexical[1].score = 7.5, 4.0
    legs = [Leg(LegWeight(1.0, 1.0), "dense", dense), Leg(LegWeight(3.0, 3.0), "lexical", lexical)]
    page = _fuse(legs, rrf_k=10, start=1, stop=3)
    assert [h.doc_id.int for h in page] == [3, 1]
    assert [(h.dense, h.lexical, h.cross) for h in page] == [(None, 4.0, None), (0.61, None, None)]
    assert [(h.dense, h.lexical) for h in _fuse(legs, rrf_k=10, stop=1)] == [(0.58, 7.5)]
    # One leg alone keeps its own scores and order.
    assert [(h.doc_id.int, h.score) for h in _fuse(legs[1:], rrf_k=10)] == [(2, 7.5), (3, 4.0)]


def test_with_a_multilingual_model_the_lexical_weight_carries_documents_in_another_language() -> None:
    # The lexical leg cannot find the English practice for a Dutch question; the multilingual dense leg can.
    dense = [_hit(1, "approach", "en"), _hit(2, "results")]
    lexical = [_hit(2, "summary"), _hit(3, "summary")]
    words = Leg(LegWeight(3.0, 3.0), "lexical", lexical)
    fused = _fuse([Leg(LegWeight(1.0, 1.0), "dense", dense), words], rrf_k=10, language="nl")
    assert [h.doc_id.int for h in fused] == [2, 3, 1]
    fused = _fuse([Leg(LegWeight(1.0, 1.0 + 3.0), "dense", dense), words], rrf_k=10, language="nl")
    assert [h.doc_id.int for h in fused] == [1, 2, 3]
    assert fused[0].score == pytest.approx((1 + 3) / 11)
    assert fused[1].score == pytest.approx(1 / 12 + 3 / 11)  # same-language documents are scored as before


@pytest.mark.parametrize("first_try", [32, 1], ids=["one query", "more chunks than the first query asks for"])
def test_closest_gives_each_documents_best_chunk_cosine(
    searcher: HybridSearcher, first_try: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The evidence of a hit the dense leg did not list: the cosine of its closest chunk, taken from the engine.
    monkeypatch.setattr(search_module, "CLOSEST_CHUNKS_PER_DOCUMENT", first_try)
    query = searcher.encode("dagbesteding tijdens het wachten op hulp").dense
    assert query is not None
    documents = [SPREAD.id, REPEATED.id, ONE_WORD.id, OTHER.id]
    closest = searcher.closest(documents, query)
    for doc_id in documents:
        by_hand = max(sum(a * b for a, b in zip(v, query, strict=True)) for v in searcher.index.vectors_of(doc_id))
        assert closest[doc_id] == pytest.approx(by_hand, abs=1e-4)
    assert len(searcher.index.vectors_of(SPREAD.id)) > 1  # several chunks, so "closest" means a choice
    assert searcher.closest([uuid.UUID(int=99)], query) == {}  # a document without points is left out
    assert searcher.closest([], query) == {}
