"""Hybrid search: a dense leg and a lexical leg fused by RRF inside Qdrant, then grouped per document."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from core.settings import BUNDLED_MODEL, E5, USE_MULTILINGUAL
from indexing.embedder import Embedder, model_family
from indexing.index import FieldIn, IndexFilter, IndexHit, IndexQuery, VectorIndex
from indexing.lexical import LexicalEncoder, SparseVec, guess_language
from indexing.query_encoder import LruCache, QueryBatcher

# Chunks a practice has at most, as a rule (generated practices: 11; a longer one costs a second query).
CLOSEST_CHUNKS_PER_DOCUMENT = 32


class SearchMode(StrEnum):
    HYBRID = "hybrid"
    DENSE = "dense"
    LEXICAL = "lexical"


@dataclass(frozen=True)
class FusionWeights:
    """Weights of the (dense, lexical) legs in RRF, per query language; chosen by measurement."""

    default: tuple[float, float] = (1.0, 1.0)
    per_language: dict[str, tuple[float, float]] = field(default_factory=dict)
    rrf_k: int = 10

    def for_language(self, language: str | None) -> tuple[float, float]:
        return self.per_language.get(language or "", self.default)


# (dense, lexical) weights per model and query language, chosen with `benchmarks/quality.py --sweep` at RRF k=10
# (practice-level fusion, nDCG@10). The figures behind each choice are in the README, "Search quality and the
# model": measurements go stale in comments, so they live there.
MEASURED_WEIGHTS: dict[str, dict[str, tuple[float, float]]] = {
    BUNDLED_MODEL: {"nl": (1.0, 5.0), "en": (1.0, 1.0)},
    USE_MULTILINGUAL: {"nl": (1.0, 3.0), "en": (1.0, 3.0)},
    E5: {"nl": (1.0, 3.0), "en": (1.0, 1.0)},
}


def weights_for(model: str, configured: dict[str, tuple[float, float]] | None, rrf_k: int) -> FusionWeights:
    per_language = configured if configured is not None else MEASURED_WEIGHTS.get(model_family(model), {})
    # A query whose language is unclear is treated as Dutch, the language of most content.
    return FusionWeights(default=per_language.get("nl", (1.0, 1.0)), per_language=dict(per_language), rrf_k=rrf_k)


@dataclass(frozen=True)
class QueryVectors:
    dense: list[float] | None
    sparse: SparseVec | None
    language: str | None = None  # guessed once per query; it picks the stemmer and the fusion weights


@dataclass(frozen=True)
class DocumentHit:
    doc_id: uuid.UUID
    score: float
    section: str
    chunk: int
    sections: tuple[str, ...]  # every section of this document among the hits, best first
    language: str = ""
    # Each leg's own evidence, for calibrated relevance (services/confidence.py); None where that leg did not run
    # or did not list the document. dense: cosine of the query with the closest chunk; lexical: the BM25 score of
    # the whole document (Qdrant's IDF applied).
    dense: float | None = None
    lexical: float | None = None


class HybridSearcher:
    def __init__(
        self,
        index: VectorIndex,
        embedder: Embedder,
        lexical: LexicalEncoder,
        weights: FusionWeights | None = None,
        *,
        # 300 chunks name about as many documents as the lexical leg's 100: measured on 1k generated practices and
        # the benchmark's 48 questions, the same top 3 for every question as with 600 chunks (top 10: 47 of 48
        # identical), at half the engine time: fetching each hit's payload is most of a query's cost.
        chunks_per_document: int = 3,
        candidates: int = 100,
        cache_size: int = 2048,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.lexical = lexical
        self.weights = weights or FusionWeights()
        self._chunks_per_document = chunks_per_document
        self._candidates = candidates
        self._queries = QueryBatcher(embedder)
        self._encoded: LruCache[tuple[str, SearchMode], QueryVectors] = LruCache(cache_size)

    def encode(self, text: str, mode: SearchMode = SearchMode.HYBRID) -> QueryVectors:
        """The query's vectors, to reuse for several searches. Calls the model: run it off the event loop.

        Concurrent queries share one model call; a query asked recently comes from the cache (vectors, words and
        language: everything that depends only on the text)."""
        cached = self._encoded.get((text, mode))
        if cached is not None:
            return cached
        language = guess_language(text)
        dense = self._queries.embed(text) if mode != SearchMode.LEXICAL else None
        sparse = self.lexical.query(text, language) if mode != SearchMode.DENSE else None
        encoded = QueryVectors(dense, sparse, language)
        self._encoded.put((text, mode), encoded)
        return encoded

    def search(
        self,
        text: str,
        flt: IndexFilter,
        *,
        limit: int = 10,
        offset: int = 0,
        mode: SearchMode = SearchMode.HYBRID,
        vectors: QueryVectors | None = None,
    ) -> list[DocumentHit]:
        """Best documents for ``text``. Calls the model unless ``vectors`` are given: run it off the event loop."""
        encoded = vectors or self.encode(text, mode)
        dense = encoded.dense if mode != SearchMode.LEXICAL else None
        sparse = encoded.sparse if mode != SearchMode.DENSE else None
        language = encoded.language
        weights = self.weights.for_language(language) if mode == SearchMode.HYBRID else (1.0, 1.0)
        return self._run(language, dense, sparse, flt, limit=limit, offset=offset, weights=weights)

    def closest(self, doc_ids: list[uuid.UUID], dense: list[float]) -> dict[uuid.UUID, float]:
        """Cosine of the query with each document's closest chunk, in one engine query: the filter leaves so few
        points that the engine compares them all (exact, not approximate). A document without points is left out."""
        if not doc_ids:
            return {}
        flt = IndexFilter(all_of=(FieldIn("doc_id", tuple(str(d) for d in doc_ids)),))
        limit = CLOSEST_CHUNKS_PER_DOCUMENT * len(doc_ids)
        hits = self.index.query(IndexQuery(dense, None, flt, limit=limit))
        if len(hits) == limit:  # perhaps not all of them: the last one may be some document's closest
            hits = self.index.query(IndexQuery(dense, None, flt, limit=self.index.count(flt, heads_only=False)))
        closest: dict[uuid.UUID, float] = {}
        for hit in hits:  # best first
            closest.setdefault(uuid.UUID(str(hit.payload.get("doc_id"))), hit.score)
        return closest

    def similar(self, doc_id: uuid.UUID, text: str, flt: IndexFilter, *, limit: int = 5) -> list[DocumentHit]:
        """'More like this': the mean of the document's own chunk vectors, plus its words, itself excluded."""
        vectors = self.index.vectors_of(doc_id)
        dense = _normalized_mean(vectors) if vectors else self.embedder.embed_query(text)
        language = guess_language(text)
        sparse = self.lexical.query(text, language)
        flt = flt.excluding(FieldIn("doc_id", (str(doc_id),)))
        return self._run(
            language, dense, sparse, flt, limit=limit, offset=0, weights=self.weights.for_language(language)
        )

    def _run(
        self,
        language: str | None,
        dense: list[float] | None,
        sparse: SparseVec | None,
        flt: IndexFilter,
        *,
        limit: int,
        offset: int,
        weights: tuple[float, float],
    ) -> list[DocumentHit]:
        """Each leg ranks documents (dense: by their best chunk; lexical: the whole document), then weighted RRF
        fuses the two document rankings.

        Fusing per document, not per point, matters: a practice's best chunk for the meaning and its words
        (scored on the head point) are different points, and point-level fusion credited neither
        (seed-nl nDCG@10 0.70 against 0.77 here)."""
        wanted = limit + offset
        documents = max(self._candidates, wanted)  # per leg: RRF credits a document only in the legs that list it
        legs: list[tuple[float, list[DocumentHit]]] = []
        if dense is not None and weights[0] > 0:
            # Chunks, several per document: ask for enough to list about as many documents as the lexical leg.
            chunk_limit = documents * self._chunks_per_document
            legs.append((weights[0], self._leg(IndexQuery(dense, None, flt, limit=chunk_limit))[:documents]))
        if sparse and weights[1] > 0:
            # Only head points carry the lexical vector: one point per document.
            legs.append((weights[1], self._leg(IndexQuery(None, sparse, flt, limit=documents))))
        if not legs:
            return []
        if len(legs) == 1:
            return legs[0][1][offset:wanted]
        across = (language, weights[1]) if language and self.embedder.multilingual else None
        return _fuse(legs, self.weights.rrf_k, across=across)[offset:wanted]

    def _leg(self, query: IndexQuery) -> list[DocumentHit]:
        """One leg's documents, best first, each scored by its best point (hits arrive best first); the score is
        also kept as that leg's evidence (dense: the closest chunk's cosine; lexical: the document's BM25)."""
        best: dict[str, IndexHit] = {}
        sections: dict[str, dict[str, None]] = {}
        for hit in self.index.query(query):
            doc = str(hit.payload.get("doc_id"))
            best.setdefault(doc, hit)
            sections.setdefault(doc, {})[str(hit.payload.get("section"))] = None
        dense = query.dense is not None
        return [
            DocumentHit(
                uuid.UUID(doc),
                hit.score,
                str(hit.payload.get("section")),
                int(hit.payload.get("chunk", 0)),
                tuple(sections[doc]),
                str(hit.payload.get("language", "")),
                dense=hit.score if dense else None,
                lexical=None if dense else hit.score,
            )
            for doc, hit in best.items()
        ]


def _fuse(
    legs: list[tuple[float, list[DocumentHit]]], rrf_k: int, *, across: tuple[str, float] | None = None
) -> list[DocumentHit]:
    """Weighted reciprocal-rank fusion of document rankings. Where a chunk is named (section, chunk number),
    the first leg that found the document names it: the dense leg, whose chunks say where the meaning is.

    ``across`` = (query language, weight): in the first (dense) leg, a document in another language than the
    query gets that weight on top. The lexical leg cannot match across languages, so with a multilingual model
    it lends its weight to the leg that can; otherwise such a document could never outrank one in the query's
    language that merely shares a few words."""
    scores: dict[uuid.UUID, float] = {}
    first: dict[uuid.UUID, DocumentHit] = {}
    sections: dict[uuid.UUID, dict[str, None]] = {}
    evidence: dict[uuid.UUID, dict[str, float]] = {}
    for number, (weight, documents) in enumerate(legs):
        for rank, hit in enumerate(documents):
            lent = across[1] if across and number == 0 and hit.language and hit.language != across[0] else 0.0
            scores[hit.doc_id] = scores.get(hit.doc_id, 0.0) + (weight + lent) / (rrf_k + rank + 1)
            first.setdefault(hit.doc_id, hit)
            sections.setdefault(hit.doc_id, {}).update(dict.fromkeys(hit.sections))
            legs_of = evidence.setdefault(hit.doc_id, {})
            for leg, value in (("dense", hit.dense), ("lexical", hit.lexical)):
                if value is not None:
                    legs_of.setdefault(leg, value)
    ordered = sorted(scores, key=lambda doc: -scores[doc])
    return [
        DocumentHit(
            doc,
            scores[doc],
            first[doc].section,
            first[doc].chunk,
            tuple(sections[doc]),
            first[doc].language,
            dense=evidence[doc].get("dense"),
            lexical=evidence[doc].get("lexical"),
        )
        for doc in ordered
    ]


def _normalized_mean(vectors: list[list[float]]) -> list[float]:
    size = len(vectors[0])
    mean = [sum(v[i] for v in vectors) / len(vectors) for i in range(size)]
    norm = sum(x * x for x in mean) ** 0.5 or 1.0
    return [x / norm for x in mean]
