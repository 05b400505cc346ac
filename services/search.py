"""Search and 'more like this' for practices: the index proposes, SQL (with the access policy) disposes."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, replace
from functools import cached_property

from sqlalchemy.orm import Session

from core.errors import InvalidInput
from core.vocab import Status
from indexing.documents import INDEXED_SECTIONS
from indexing.highlight import QueryTerms, Snippet, make_snippet
from indexing.index import CROSS, FieldIn, IndexFilter
from indexing.search import DocumentHit, HybridSearcher, QueryVectors, SearchMode
from schemas.practices import PracticeSummary
from schemas.search import Highlight, SearchHit, SearchResponse
from services import practices as practices_service
from services.access import AccessPolicy
from services.confidence import (
    Evidence,
    Judgement,
    Label,
    calibration_for,
    lexical_per_term,
    nothing_strong,
    shown_rank,
)
from services.gaps import count_if_weak
from storage.models import Practice
from storage.repositories import directory
from storage.repositories import practices as repo
from storage.repositories.practices import HitRow, PracticeFilters

APPLIED_BOOST = 0.03  # x log(1 + organisations that applied it): a tie-breaker, not a relevance signal


@dataclass(frozen=True)
class PracticeHit:
    practice: HitRow
    score: float
    found: DocumentHit  # where the index found it
    terms: QueryTerms
    relevance: float | None = None  # calibrated probability of answering the query (services/confidence.py)
    label: Label | None = None

    # The passage to show is worked out when it is shown: a results page ranks and counts facets over 50 hits and
    # shows 10 of them, and the network view shows none.
    @cached_property
    def _shown(self) -> tuple[tuple[str, ...], Snippet]:
        section, snippet = _snippet(self.practice, self.found, self.terms)
        sections = self.found.sections
        return (tuple(dict.fromkeys((section, *sections))) if section != "title" else sections), snippet

    @property
    def sections(self) -> tuple[str, ...]:
        """Every section the query matched, the shown one first."""
        return self._shown[0]

    @property
    def section(self) -> str:
        return self.sections[0]

    @property
    def snippet(self) -> Snippet:
        return self._shown[1]


def evidence(
    searcher: HybridSearcher,
    hits: list[DocumentHit],
    vectors: QueryVectors,
    query: str,
    *,
    bounded: bool = False,
) -> dict[uuid.UUID, Evidence]:
    """Each hit's evidence (services/confidence.py): its cosine and that cosine's margin over the rest of the bank
    for this question, the primary model's z-score for it, its words' BM25 per query term and relative to the best
    match. A document the dense leg did not list still has a closest passage (``bounded``: take the leg's last
    listed cosine instead, an upper bound, without asking the engine); one the lexical leg did not list shares no
    query word; one in another language than the query (multilingual model) could not share any, and in a
    two-model index its cosine is the cross model's (the one that bridges languages)."""
    if vectors.dense is None:
        return {}
    # A question whose every word is scaffolding or a symbol ("¬¡¬", "Wat kan ik doen?") has no words to share:
    # its lexical evidence is none, not unknown.
    terms = len(vectors.sparse.indices) if vectors.sparse else 0
    documents = searcher.index.documents()  # every head point carries words: the population of Qdrant's IDF
    language = vectors.language if searcher.embedder.multilingual or searcher.cross else None
    words = len(query.split())
    by_cross = vectors.cross is not None

    def leg_of(hit: DocumentHit) -> str:
        across = bool(language and hit.language and hit.language != language)
        return "cross" if by_cross and across else "dense"

    closest: dict[str, dict[uuid.UUID, float]] = {"dense": {}, "cross": {}}
    if not bounded:
        closest["dense"] = searcher.closest([h.doc_id for h in hits if h.dense is None], vectors.dense)
        if vectors.cross is not None:
            closest["cross"] = searcher.closest(
                [h.doc_id for h in hits if h.cross is None and leg_of(h) == "cross"], vectors.cross, CROSS
            )

    def cosine_in(name: str, hit: DocumentHit) -> float:
        listed = hit.cross if name == "cross" else hit.dense
        if listed is not None:
            return listed
        leg = hit.stats.of(name)
        return leg.last if bounded and leg else closest[name].get(hit.doc_id, 0.0)

    primary = hits[0].stats.of("dense") if hits else None
    lexical = hits[0].stats.of("lexical") if hits else None
    found: dict[uuid.UUID, Evidence] = {}
    for hit in hits:
        name = leg_of(hit)
        leg = hit.stats.of(name)
        cosine = cosine_in(name, hit)
        margin = cosine - (leg.reference if leg else cosine)
        # The primary model places every practice, in any language, among the rest of the bank for this question.
        own = cosine if name == "dense" else cosine_in("dense", hit)
        z = (own - primary.mean) / primary.spread if primary and primary.spread > 0 else 0.0
        if language and hit.language and hit.language != language:
            found[hit.doc_id] = Evidence(cosine, margin, z, None, None, words)
            continue
        share = (hit.lexical or 0.0) / lexical.best if lexical and lexical.best > 0 else 0.0
        per_term = lexical_per_term(hit.lexical, terms, documents)
        found[hit.doc_id] = Evidence(cosine, margin, z, per_term, share, words)
    return found


def judge(
    searcher: HybridSearcher,
    hits: list[DocumentHit],
    vectors: QueryVectors,
    query: str,
    *,
    wanted: int | None = None,
    floor: bool = True,
) -> dict[uuid.UUID, Judgement]:
    """Calibrated relevance of each hit (practices and questions alike). Empty when a leg did not run (single-leg
    modes) or the model has no calibration: then nothing is labelled and nothing is left out. ``floor`` False: a hit
    below the floor is 'zwak' rather than left out.

    Each hit is judged on what the ranking legs listed. A hit a dense leg did not list is judged first on an upper
    bound of its cosine (the leg's last listed one): its label can only be that or weaker, as the calibration weighs
    every cosine feature positively. Only where the exact label could change what is shown is its closest passage
    looked up, in one more engine round: with ``wanted``, the first ``wanted`` hits in shown order
    (``in_shown_order``) are what is shown, and a hit whose best possible place is below them is left out of the
    result rather than looked up; without it, every hit whose bound clears the floor is looked up."""
    calibration = calibration_for(searcher.family)
    if calibration is None:
        return {}
    found = evidence(searcher, hits, vectors, query, bounded=True)
    if not found:  # the dense leg did not run (a lexical search)
        return {}

    def of(seen: Evidence) -> Judgement:
        judged = calibration.judge(seen)
        return judged if floor or judged.label else replace(judged, label=Label.WEAK)

    judged = {doc_id: of(seen) for doc_id, seen in found.items()}
    place = {h.doc_id: (shown_rank(judged[h.doc_id].label), -h.score, n) for n, h in enumerate(hits)}
    unsure = {
        h.doc_id
        for h in hits
        if (h.dense is None or (vectors.cross is not None and h.cross is None)) and judged[h.doc_id].label is not None
    }
    if wanted is None or not calibration.monotone:
        wanted = len(hits)
    while unsure:
        sure = sorted(place[d] for d, j in judged.items() if j.label is not None and d not in unsure)
        last = sure[wanted - 1] if len(sure) >= wanted else None  # the place a hit must beat to be shown
        again = [h for h in hits if h.doc_id in unsure and (last is None or place[h.doc_id] < last)]
        if not again:
            break
        for doc_id, seen in evidence(searcher, again, vectors, query).items():
            judged[doc_id] = of(seen)
            place[doc_id] = (shown_rank(judged[doc_id].label), *place[doc_id][1:])
        unsure -= {h.doc_id for h in again}
    for doc_id in unsure:  # below the shown ones whatever their exact label: not looked up, not shown
        del judged[doc_id]
    return judged


def index_filter(session: Session, filters: PracticeFilters, policy: AccessPolicy) -> IndexFilter:
    """The list filters and the access policy, as an engine filter. Search only shows published practices."""
    flt = policy.index_filter().and_(FieldIn("status", (Status.PUBLISHED.value,)), FieldIn("doc_type", ("practice",)))
    conditions: list[FieldIn] = []
    if filters.themes:
        conditions.append(FieldIn("themes", tuple(filters.themes)))
    if filters.legal_frames:
        conditions.append(FieldIn("legal_frames", tuple(filters.legal_frames)))
    if filters.recognition_levels:
        conditions.append(FieldIn("recognition_level", tuple(filters.recognition_levels)))
    if filters.languages:
        conditions.append(FieldIn("language", tuple(filters.languages)))
    if filters.organisation:
        org = directory.organisation_by_slug(session, filters.organisation)
        conditions.append(FieldIn("organisation_id", (str(org.id) if org else "none",)))
    if filters.community:
        community = directory.community_by_slug(session, filters.community)
        conditions.append(FieldIn("community_id", (str(community.id) if community else "none",)))
    return flt.and_(*conditions)


def resolve_hits(
    session: Session,
    hits: list[DocumentHit],
    policy: AccessPolicy,
    query: str,
    searcher: HybridSearcher,
    judged: dict[uuid.UUID, Judgement] | None = None,
    *,
    authors: bool = False,
) -> list[PracticeHit]:
    """Re-read every hit from SQL through the access policy, in one query: an index that lags never leaks or
    resurrects. With ``judged``, a hit below the relevance floor is left out; ``authors`` loads them too."""
    found = repo.hits(session, [h.doc_id for h in hits], policy.practice_clause(), authors=authors)
    terms = QueryTerms(query, searcher.lexical)
    results = []
    for hit in hits:
        practice = found.get(hit.doc_id)
        if practice is None or practice.status != Status.PUBLISHED:
            continue
        judgement = (judged or {}).get(hit.doc_id)
        if judged and (judgement is None or judgement.label is None):
            continue
        relevance, label = (round(judgement.relevance, 4), judgement.label) if judgement else (None, None)
        results.append(PracticeHit(practice, hit.score, hit, terms, relevance, label))
    return results


def _snippet(practice: HitRow, hit: DocumentHit, terms: QueryTerms) -> tuple[str, Snippet]:
    """The section that shows the query's words, and a passage of it: the best chunk's section when its text
    holds query terms, else the first other section that does (words are scored on the whole practice, so they
    may sit anywhere); when no section holds a query word (a match on meaning alone), the best chunk's section.

    A chunk can match on its title prefix alone, so the best chunk's section need not hold a query term."""
    first: tuple[str, Snippet] | None = None
    for section in dict.fromkeys((*hit.sections, *INDEXED_SECTIONS, "title")):
        text = getattr(practice, section, None) or ""
        if not text:
            continue
        snippet = make_snippet(text, terms, language=practice.language)
        if snippet.highlights:
            return section, snippet
        first = first or (section, snippet)
    return first or (hit.section, Snippet(practice.summary[:300], []))


@dataclass(frozen=True)
class Found:
    query: str
    mode: SearchMode
    hits: list[PracticeHit]
    nothing_strong: bool | None  # None: hits without labels (not hybrid, or a model without calibration)

    def as_response(self) -> SearchResponse:
        """As the API answers it."""
        hits = [to_search_hit(h) for h in self.hits]
        return SearchResponse(query=self.query, mode=self.mode.value, hits=hits, nothing_strong=self.nothing_strong)


def find(
    session: Session,
    searcher: HybridSearcher,
    policy: AccessPolicy,
    query: str,
    filters: PracticeFilters,
    *,
    limit: int,
    offset: int,
    mode: SearchMode,
    again: bool = False,
) -> Found:
    """The search use case of the API and the pages: practices for a question, whether none of them is 'sterk',
    and a weak first page counted as a knowledge gap, once per search (``again``: the same search for a later
    page of it, as the pages ask it)."""
    if not query.strip():
        raise InvalidInput("the query is empty", field="q")
    hits = search(session, searcher, policy, query, filters, limit=limit, offset=offset, mode=mode)
    if offset == 0 and not again:
        count_if_weak(session, hits, filters, kind="search")
    verdict = nothing_strong([h.label for h in hits]) if mode == SearchMode.HYBRID else None
    return Found(query, mode, hits, verdict)


def to_search_hit(hit: PracticeHit) -> SearchHit:
    return SearchHit(
        practice=PracticeSummary.model_validate(hit.practice),
        score=hit.score,
        section=hit.section,
        sections=list(hit.sections),
        snippet=hit.snippet.text,
        highlights=[Highlight(start=s, end=e) for s, e in hit.snippet.highlights],
        relevance=hit.relevance,
        label=hit.label,
    )


def search(
    session: Session,
    searcher: HybridSearcher,
    policy: AccessPolicy,
    query: str,
    filters: PracticeFilters,
    *,
    limit: int,
    offset: int,
    mode: SearchMode,
    vectors: QueryVectors | None = None,
    floor: bool = True,
    authors: bool = False,
) -> list[PracticeHit]:
    """Published practices for ``query``, each with its calibrated relevance and label (hybrid mode, calibrated
    model), in the order they are shown: the whole result is judged and ordered once (``in_shown_order``), then
    cut at ``offset``, so no page contradicts another. Hits below the floor are left out unless ``floor`` is
    False. Calls the model unless ``vectors`` are given. ``authors``: the practices' authors are loaded (the
    network view names them)."""
    flt = index_filter(session, filters, policy)
    vectors = vectors or searcher.encode(query, mode)
    # Every practice a leg lists, each leg at least as deep as this page: labels may reorder any of them.
    hits = boost_applied(
        session, searcher.search(query, flt, limit=None, mode=mode, vectors=vectors, depth=offset + limit)
    )
    judged = (
        judge(searcher, hits, vectors, query, wanted=offset + limit, floor=floor) if mode == SearchMode.HYBRID else {}
    )
    if judged:
        hits = [h for h in hits if h.doc_id in judged and judged[h.doc_id].label is not None]
    ordered = in_shown_order(hits, judged)[offset : offset + limit]
    return resolve_hits(session, ordered, policy, query, searcher, judged, authors=authors)


def boost_applied(session: Session, hits: list[DocumentHit]) -> list[DocumentHit]:
    """A practice applied in many organisations ranks higher when relevance is otherwise (nearly) equal: x
    (1 + APPLIED_BOOST x log(1 + organisations)). The boosted score is the one shown."""
    applied = repo.applied_counts(session, [h.doc_id for h in hits])
    return [
        replace(h, score=h.score * (1 + APPLIED_BOOST * math.log1p(applied[h.doc_id]))) if h.doc_id in applied else h
        for h in hits
    ]


def in_shown_order(hits: list[DocumentHit], judged: dict[uuid.UUID, Judgement]) -> list[DocumentHit]:
    """The order a list of hits is shown in: by label ('sterk', 'mogelijk', 'zwak'; ``shown_rank``), then by the
    score it displays.

    The fused score ranks on rank positions; the label judges each hit on its own evidence. Where they disagree (a
    practice in another language than the question, lifted by the dense leg, that its own cosine calls 'zwak'), a
    list in score order would show 'Zwak verband' above 'Sterk verband' and contradict itself; ordering by label
    first ranks at least as well (README, "Figures behind choices in the code"). Unlabelled hits (single-leg modes,
    uncalibrated models) are ordered by score alone."""

    def label_of(hit: DocumentHit) -> Label | None:
        judgement = judged.get(hit.doc_id)
        return judgement.label if judgement else None

    return sorted(hits, key=lambda h: (shown_rank(label_of(h)), -h.score))


def similar_to(
    session: Session, searcher: HybridSearcher, policy: AccessPolicy, ref: uuid.UUID | str, *, limit: int
) -> list[SearchHit]:
    """More like this: published practices close to the one named, as the API shows hits."""
    practice = practices_service.find(session, ref, policy)
    return [to_search_hit(h) for h in similar(session, searcher, policy, practice, limit=limit)]


def similar(
    session: Session, searcher: HybridSearcher, policy: AccessPolicy, practice: Practice, *, limit: int
) -> list[PracticeHit]:
    text = f"{practice.title}. {practice.summary}"
    flt = index_filter(session, PracticeFilters(), policy)
    hits = searcher.similar(practice.id, text, flt, limit=limit)
    return resolve_hits(session, hits, policy, text, searcher)
