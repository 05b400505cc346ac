"""Hybrid search: a dense leg, a lexical leg and (in a two-model index) a cross dense leg, each ranking documents,
fused per document by weighted RRF."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from core.profiles import profile_for
from indexing.embedder import Embedder, composite_family
from indexing.index import CROSS, DENSE, FieldIn, IndexFilter, IndexQuery, VectorIndex
from indexing.lexical import LexicalEncoder, SparseVec, guess_language
from indexing.query_encoder import LruCache, QueryBatcher

# Chunks a practice has at most, as a rule (generated practices: 11; a longer one costs a second query).
CLOSEST_CHUNKS_PER_DOCUMENT = 32


class SearchMode(StrEnum):
    HYBRID = "hybrid"
    DENSE = "dense"
    LEXICAL = "lexical"


@dataclass(frozen=True)
class CrossWeights:
    """How the cross leg (a second model's dense vectors) counts for one query language: its RRF weight for a
    document in the query's language (``same``) and in another language (``other``), and what the primary dense
    leg gets on top of its own weight for a document in another language (``primary_other``)."""

    same: float = 0.0
    other: float = 1.0
    primary_other: float = 0.0


@dataclass(frozen=True)
class FusionWeights:
    """Weights of the (dense, lexical) legs in RRF, per query language, and of the cross leg where there is one;
    chosen by measurement."""

    default: tuple[float, float] = (1.0, 1.0)
    per_language: dict[str, tuple[float, float]] = field(default_factory=dict)
    rrf_k: int = 10
    cross: dict[str, CrossWeights] = field(default_factory=dict)

    def for_language(self, language: str | None) -> tuple[float, float]:
        return self.per_language.get(language or "", self.default)

    def cross_for(self, language: str | None) -> CrossWeights:
        # A query whose language is unclear is treated as Dutch, as for the other legs.
        return self.cross.get(language or "", self.cross.get("nl", CrossWeights()))


def weights_for(
    model: str, configured: dict[str, tuple[float, float]] | None, rrf_k: int, *, cross: str | None = None
) -> FusionWeights:
    """The measured weights of the profile of ``model`` (with the ``cross`` model, when one is configured;
    core/profiles.py), unless the settings name (dense, lexical) weights of their own."""
    profile = profile_for(model, cross or "")
    per_language = configured if configured is not None else profile.weights
    # A query whose language is unclear is treated as Dutch, the language of most content.
    return FusionWeights(
        default=per_language.get("nl", (1.0, 1.0)),
        per_language=dict(per_language),
        rrf_k=rrf_k,
        cross={language: CrossWeights(*w) for language, w in profile.cross_weights.items()} if cross else {},
    )


@dataclass(frozen=True)
class QueryVectors:
    dense: list[float] | None
    sparse: SparseVec | None
    language: str | None = None  # guessed once per query; it picks the stemmer and the fusion weights
    cross: list[float] | None = None  # the cross model's vector (hybrid mode, two-model index)


# Which document of a leg stands for "the rest of the bank" for this query: a hit's evidence relative to it travels
# across queries of every length (a long case lowers every cosine and spreads its words; the margin stays).
REFERENCE_RANK = 10


@dataclass(frozen=True)
class LegStats:
    """One leg's scores for this query: its best document's and its ``REFERENCE_RANK``-th one's (the last listed one's
    when it lists fewer), its last listed one's (a document the leg did not list scores at most this), and the mean
    and standard deviation over every document it listed."""

    best: float
    reference: float
    last: float
    mean: float = 0.0
    spread: float = 0.0

    @classmethod
    def of(cls, scores: list[float]) -> LegStats:
        """``scores``: best first, at least one."""
        mean = sum(scores) / len(scores)
        spread = (sum((s - mean) ** 2 for s in scores) / len(scores)) ** 0.5
        return cls(scores[0], scores[min(REFERENCE_RANK, len(scores)) - 1], scores[-1], mean, spread)


@dataclass(frozen=True)
class QueryStats:
    """Per leg (``dense``, ``lexical``, ``cross``): what the legs found for this query as a whole."""

    legs: dict[str, LegStats] = field(default_factory=dict)

    def of(self, evidence: str) -> LegStats | None:
        return self.legs.get(evidence)


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
    cross: float | None = None  # the cross model's cosine with the closest chunk
    stats: QueryStats = field(default_factory=QueryStats)  # shared by every hit of one search


@dataclass(frozen=True)
class LegWeight:
    """A leg's RRF weight for a document in the query's language (or of unknown language) and in another one."""

    same: float
    other: float


class HybridSearcher:
    def __init__(
        self,
        index: VectorIndex,
        embedder: Embedder,
        lexical: LexicalEncoder,
        weights: FusionWeights | None = None,
        *,
        # 300 chunks name about as many documents as the lexical leg's 100; more chunks hardly change a ranking and
        # cost engine time, as each hit's payload is most of a query's cost.
        chunks_per_document: int = 3,
        candidates: int = 100,
        cache_size: int = 2048,
        cross: Embedder | None = None,
    ) -> None:
        """``cross``: the second model of a two-model index; its leg runs in hybrid mode."""
        self.index = index
        self.embedder = embedder
        self.lexical = lexical
        self.cross = cross
        self.weights = weights or FusionWeights()
        self._chunks_per_document = chunks_per_document
        self._candidates = candidates
        self._queries = QueryBatcher(embedder)
        self._cross_queries = QueryBatcher(cross) if cross else None
        self._encoded: LruCache[tuple[str, SearchMode], QueryVectors] = LruCache(cache_size)

    @property
    def family(self) -> str:
        """The model family (or pair of families) the measured weights and the calibration are kept under."""
        return composite_family(self.embedder.name, self.cross.name if self.cross else None)

    def encode(self, text: str, mode: SearchMode = SearchMode.HYBRID) -> QueryVectors:
        """The query's vectors, to reuse for several searches. Calls the model: run it off the event loop.

        Concurrent queries share one model call; a query asked recently comes from the cache (vectors, words and
        language: everything that depends only on the text). With two models, the cross model embeds on its
        batcher's thread while this one runs the primary model and the words: the two overlap (both release the
        GIL in their kernels), and each model sees the same input as one after the other, so the same vectors."""
        cached = self._encoded.get((text, mode))
        if cached is not None:
            return cached
        crossing = self._cross_queries.submit(text) if self._cross_queries and mode == SearchMode.HYBRID else None
        language = guess_language(text)
        dense = self._queries.embed(text) if mode != SearchMode.LEXICAL else None
        sparse = self.lexical.query(text, language) if mode != SearchMode.DENSE else None
        cross = crossing.result() if crossing is not None else None
        encoded = QueryVectors(dense, sparse, language, cross)
        self._encoded.put((text, mode), encoded)
        return encoded

    def search(
        self,
        text: str,
        flt: IndexFilter,
        *,
        limit: int | None = 10,
        offset: int = 0,
        mode: SearchMode = SearchMode.HYBRID,
        vectors: QueryVectors | None = None,
        depth: int = 0,
    ) -> list[DocumentHit]:
        """Best documents for ``text``; ``limit`` None: every document a leg listed (each leg lists the best
        ``candidates`` documents, or ``depth`` when that is more). Calls the model unless ``vectors`` are given: run
        it off the event loop."""
        encoded = vectors or self.encode(text, mode)
        dense = encoded.dense if mode != SearchMode.LEXICAL else None
        sparse = encoded.sparse if mode != SearchMode.DENSE else None
        language = encoded.language
        hybrid = mode == SearchMode.HYBRID
        weights = self._leg_weights(language) if hybrid else (LegWeight(1.0, 1.0), LegWeight(1.0, 1.0), None)
        cross = encoded.cross if hybrid else None
        return self._run(language, dense, sparse, cross, flt, limit=limit, offset=offset, weights=weights, depth=depth)

    def closest(self, doc_ids: list[uuid.UUID], dense: list[float], using: str = DENSE) -> dict[uuid.UUID, float]:
        """Cosine of the query with each document's closest chunk, in one engine query: the filter leaves so few
        points that the engine compares them all (exact, not approximate). A document without points is left out.
        ``using``: which model's vectors (the cross model's with its query vector)."""
        if not doc_ids:
            return {}
        flt = IndexFilter(all_of=(FieldIn("doc_id", tuple(str(d) for d in doc_ids)),))
        limit = CLOSEST_CHUNKS_PER_DOCUMENT * len(doc_ids)
        hits = self.index.query(IndexQuery(dense, None, flt, limit=limit, using=using))
        if len(hits) == limit:  # perhaps not all of them: the last one may be some document's closest
            hits = self.index.query(
                IndexQuery(dense, None, flt, limit=self.index.count(flt, heads_only=False), using=using)
            )
        closest: dict[uuid.UUID, float] = {}
        for hit in hits:  # best first
            closest.setdefault(uuid.UUID(str(hit.payload.get("doc_id"))), hit.score)
        return closest

    def similar(self, doc_id: uuid.UUID, text: str, flt: IndexFilter, *, limit: int = 5) -> list[DocumentHit]:
        """'More like this': the mean of the document's own chunk vectors (of each model), plus its words, itself
        excluded."""
        vectors = self.index.vectors_of(doc_id)
        dense = _normalized_mean(vectors) if vectors else self.embedder.embed_query(text)
        cross = None
        if self.cross is not None:
            crossing = self.index.vectors_of(doc_id, CROSS)
            cross = _normalized_mean(crossing) if crossing else self.cross.embed_query(text)
        language = guess_language(text)
        sparse = self.lexical.query(text, language)
        flt = flt.excluding(FieldIn("doc_id", (str(doc_id),)))
        return self._run(
            language, dense, sparse, cross, flt, limit=limit, offset=0, weights=self._leg_weights(language)
        )

    def _leg_weights(self, language: str | None) -> tuple[LegWeight, LegWeight, LegWeight | None]:
        """(primary dense, lexical, cross) weights for a hybrid query in ``language``.

        The lexical leg cannot match across languages. With one multilingual model it lends its weight to the
        dense leg for a document in another language than the query, otherwise such a document could never
        outrank one in the query's language that merely shares a few words. With a cross leg, the measured
        ``CrossWeights`` say how much each dense leg counts for those documents."""
        dense, words = self.weights.for_language(language)
        if self.cross is None:
            lent = words if language and self.embedder.multilingual else 0.0
            return LegWeight(dense, dense + lent), LegWeight(words, words), None
        cross = self.weights.cross_for(language)
        if not language:  # no language, no 'other language': the cross leg counts as for the query's language
            return LegWeight(dense, dense), LegWeight(words, words), LegWeight(cross.same, cross.same)
        return (
            LegWeight(dense, dense + cross.primary_other),
            LegWeight(words, words),
            LegWeight(cross.same, cross.other),
        )

    def _run(
        self,
        language: str | None,
        dense: list[float] | None,
        sparse: SparseVec | None,
        cross: list[float] | None,
        flt: IndexFilter,
        *,
        limit: int | None,
        offset: int,
        weights: tuple[LegWeight, LegWeight, LegWeight | None],
        depth: int = 0,
    ) -> list[DocumentHit]:
        """Each leg ranks documents (dense legs: by their best chunk; lexical: the whole document), then weighted
        RRF fuses the document rankings.

        Fusing per document, not per point, matters: a practice's best chunk for the meaning and its words
        (scored on the head point) are different points, and point-level fusion credits neither."""
        wanted = limit + offset if limit is not None else 0
        documents = max(
            self._candidates, wanted, depth
        )  # per leg: RRF credits a document only in the legs that list it
        # Chunks, several per document: ask for enough to list about as many documents as the lexical leg.
        chunk_limit = documents * self._chunks_per_document
        primary, words, crossing = weights
        legs: list[Leg] = []
        if dense is not None and primary.same > 0:
            legs.append(Leg(primary, "dense", self._leg(IndexQuery(dense, None, flt, limit=chunk_limit), documents)))
        if sparse and words.same > 0:
            # Only head points carry the lexical vector: one point per document.
            legs.append(Leg(words, "lexical", self._leg(IndexQuery(None, sparse, flt, limit=documents), documents)))
        if cross is not None and crossing is not None and max(crossing.same, crossing.other) > 0:
            query = IndexQuery(cross, None, flt, limit=chunk_limit, using=CROSS)
            legs.append(Leg(crossing, "cross", self._leg(query, documents)))
        return _fuse(legs, self.weights.rrf_k, language=language, start=offset, stop=wanted or None)

    def _leg(self, query: IndexQuery, documents: int) -> list[LegHit]:
        """One leg's first ``documents`` documents, best first, each scored by its best point (hits arrive best
        first), with every section its points matched."""
        best: dict[str, LegHit] = {}
        full = False
        # ~400 hits a search: every point carries its doc_id and section (worker.build_points), so they are read
        # as they are, without a str()/int() conversion and a .get() each.
        for hit in self.index.query(query):
            payload = hit.payload
            found = best.get(payload["doc_id"])
            if found is not None:
                found.sections[payload["section"]] = None
            elif not full:  # once full, a new document's chunks are skipped; the others' may still name sections
                doc, section = payload["doc_id"], payload["section"]
                chunk, language = payload.get("chunk", 0), payload.get("language", "")
                best[doc] = LegHit(doc, hit.score, section, chunk, language, {section: None})
                full = len(best) == documents
        return list(best.values())


@dataclass(slots=True)
class LegHit:
    """One leg's evidence for one document: its best point's score and place, and every section it matched.

    Legs list about a hundred documents each and a page shows ten: only those become ``DocumentHit``s."""

    doc: str  # the document's id as the index stores it
    score: float
    section: str
    chunk: int
    language: str
    sections: dict[str, None]


@dataclass(frozen=True)
class Leg:
    weight: LegWeight
    evidence: str  # which evidence its score is: "dense", "lexical" or "cross" (see DocumentHit)
    hits: list[LegHit]


def _fuse(
    legs: list[Leg], rrf_k: int, *, language: str | None = None, start: int = 0, stop: int | None = None
) -> list[DocumentHit]:
    """Weighted reciprocal-rank fusion of document rankings, the fused ranks ``start:stop`` made into hits. Where a
    chunk is named (section, chunk number), the first leg that found the document names it: the primary dense
    leg, whose chunks say where the meaning is.

    Each leg weighs a document by its language: ``other`` when both the query's (``language``) and the document's
    are known and differ, else ``same`` (see ``HybridSearcher._leg_weights``). One leg alone keeps its own scores."""
    scores: dict[str, float] = {}
    if len(legs) == 1:
        scores = {hit.doc: hit.score for hit in legs[0].hits}
    else:
        for leg in legs:
            same, other = leg.weight.same, leg.weight.other
            for rank, hit in enumerate(leg.hits):
                weight = other if language and hit.language and hit.language != language else same
                scores[hit.doc] = scores.get(hit.doc, 0.0) + weight / (rrf_k + rank + 1)
    # Stable: documents with equal scores keep the order in which the legs listed them.
    shown = sorted(scores, key=scores.__getitem__, reverse=True)[start:stop]
    by_leg = [(leg.evidence, {hit.doc: hit for hit in leg.hits}) for leg in legs]
    stats = QueryStats({leg.evidence: LegStats.of([hit.score for hit in leg.hits]) for leg in legs if leg.hits})
    fused = []
    for doc in shown:
        found = [(evidence, listed[doc]) for evidence, listed in by_leg if doc in listed]
        first = found[0][1]
        sections: dict[str, None] = {}
        for _, hit in found:
            sections.update(hit.sections)
        evidence: dict[str, float] = {}
        for name, hit in found:
            evidence.setdefault(name, hit.score)
        fused.append(
            DocumentHit(
                uuid.UUID(doc),
                scores[doc],
                first.section,
                first.chunk,
                tuple(sections),
                first.language,
                dense=evidence.get("dense"),
                lexical=evidence.get("lexical"),
                cross=evidence.get("cross"),
                stats=stats,
            )
        )
    return fused


def _normalized_mean(vectors: list[list[float]]) -> list[float]:
    size = len(vectors[0])
    mean = [sum(v[i] for v in vectors) / len(vectors) for i in range(size)]
    norm = sum(x * x for x in mean) ** 0.5 or 1.0
    return [x / norm for x in mean]
