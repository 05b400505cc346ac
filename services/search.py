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
from services.confidence import Label, calibration_for, lexical_per_term, nothing_strong
from services.gaps import count_if_weak
from storage.models import Practice
from storage.repositories import directory
from storage.repositories import practices as repo
from storage.repositories.practices import PracticeFilters

APPLIED_BOOST = 0.03  # x log(1 + organisations that applied it): a tie-breaker, not a relevance signal


@dataclass(frozen=True)
class PracticeHit:
    practice: Practice
    score: float
    found: DocumentHit  # where the index found it
    terms: QueryTerms
    relevance: float | None = None  # calibrated probability of answering the query (services/confidence.py)
    label: Label | None = None
    applied: int = 0  # organisations that applied the practice

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


@dataclass(frozen=True)
class Judgement:
    relevance: float
    label: Label | None  # None: below the floor


def evidence(
    searcher: HybridSearcher, hits: list[DocumentHit], vectors: QueryVectors, query: str
) -> dict[uuid.UUID, tuple[float, float | None]]:
    """(dense cosine, lexical score per query term) of each hit: the features of the calibration. A document the
    dense leg did not list still has a closest passage; one the lexical leg did not list shares no query word; one
    in another language than the query (multilingual model) could not share any: its lexical feature is None, and
    in a two-model index its cosine is the cross model's (the one that bridges languages)."""
    if vectors.dense is None or not vectors.sparse:
        return {}
    terms = len(vectors.sparse.indices)
    documents = searcher.index.documents()  # every head point carries words: the population of Qdrant's IDF
    language = vectors.language if searcher.embedder.multilingual or searcher.cross else None

    def across(hit: DocumentHit) -> bool:
        return bool(language and hit.language and hit.language != language)

    # In a two-model index a practice in another language is judged by the cross model, the one that bridges.
    by_cross = vectors.cross is not None
    closest = searcher.closest(
        [h.doc_id for h in hits if h.dense is None and not (by_cross and across(h))], vectors.dense
    )
    closest_cross = (
        searcher.closest([h.doc_id for h in hits if h.cross is None and across(h)], vectors.cross, CROSS)
        if vectors.cross is not None
        else {}
    )
    found: dict[uuid.UUID, tuple[float, float | None]] = {}
    for hit in hits:
        if by_cross and across(hit):
            found[hit.doc_id] = (hit.cross if hit.cross is not None else closest_cross.get(hit.doc_id, 0.0), None)
        else:
            cosine = hit.dense if hit.dense is not None else closest.get(hit.doc_id, 0.0)
            found[hit.doc_id] = (cosine, None if across(hit) else lexical_per_term(hit.lexical, terms, documents))
    return found


def judge(
    searcher: HybridSearcher, hits: list[DocumentHit], vectors: QueryVectors, query: str
) -> dict[uuid.UUID, Judgement]:
    """Calibrated relevance of each hit (practices and questions alike). Empty when a leg did not run (single-leg
    modes) or the model has no calibration: then nothing is labelled and nothing is left out."""
    calibration = calibration_for(searcher.family)
    if calibration is None:
        return {}
    judged = {}
    for doc_id, (dense, lexical) in evidence(searcher, hits, vectors, query).items():
        relevance = calibration.relevance(dense, lexical)
        judged[doc_id] = Judgement(relevance, calibration.label(relevance))
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
        practice, applied = found.get(hit.doc_id, (None, 0))
        if practice is None or practice.status != Status.PUBLISHED:
            continue
        judgement = (judged or {}).get(hit.doc_id)
        if judged and (judgement is None or judgement.label is None):
            continue
        relevance, label = (round(judgement.relevance, 4), judgement.label) if judgement else (None, None)
        results.append(PracticeHit(practice, hit.score, hit, terms, relevance, label, applied))
    return results


def _snippet(practice: Practice, hit: DocumentHit, terms: QueryTerms) -> tuple[str, Snippet]:
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


def search_practices(
    session: Session,
    searcher: HybridSearcher,
    policy: AccessPolicy,
    query: str,
    filters: PracticeFilters,
    *,
    limit: int,
    offset: int,
    mode: SearchMode,
) -> SearchResponse:
    """The search use case: hits as the API and the pages show them; a weak first page counts as a gap."""
    if not query.strip():
        raise InvalidInput("the query is empty", field="q")
    vectors = searcher.encode(query, mode)
    hits = search(session, searcher, policy, query, filters, limit=limit, offset=offset, mode=mode, vectors=vectors)
    if offset == 0:
        count_if_weak(session, hits, filters, kind="search")
    return SearchResponse(
        query=query,
        mode=mode.value,
        hits=[to_search_hit(h) for h in hits],
        nothing_strong=nothing_strong([h.label for h in hits]) if mode == SearchMode.HYBRID else None,
    )


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
    model); hits below the floor are left out unless ``floor`` is False. Calls the model unless ``vectors`` are
    given. ``authors``: the practices' authors are loaded (the network view names them)."""
    flt = index_filter(session, filters, policy)
    vectors = vectors or searcher.encode(query, mode)
    hits = searcher.search(query, flt, limit=limit, offset=offset, mode=mode, vectors=vectors)
    judged = judge(searcher, hits, vectors, query) if mode == SearchMode.HYBRID else {}
    if not floor:
        judged = {doc: replace(j, label=j.label or Label.WEAK) for doc, j in judged.items()}
    return in_shown_order(boost_applied(resolve_hits(session, hits, policy, query, searcher, judged, authors=authors)))


def boost_applied(hits: list[PracticeHit]) -> list[PracticeHit]:
    """A practice applied in many places ranks higher when relevance is otherwise (nearly) equal. The boosted
    score is the one shown (``in_shown_order``)."""
    return [replace(h, score=h.score * (1 + APPLIED_BOOST * math.log1p(h.applied))) for h in hits]


LABEL_RANK = {Label.STRONG: 0, Label.POSSIBLE: 1, Label.WEAK: 2}


def in_shown_order(hits: list[PracticeHit]) -> list[PracticeHit]:
    """The order a list of hits is shown in: by label ('sterk', 'mogelijk', 'zwak'), then by the score it displays.

    The fused score ranks on rank positions; the label judges each hit on its own evidence. Where they disagree (a
    practice in another language than the question, lifted by the dense leg, that its own cosine calls 'zwak'), a
    list showing 'Zwak verband' above 'Sterk verband' contradicted itself. Ordering by label first also ranked
    better on every set measured, none worse (``benchmarks/quality.py``, USE, nDCG@10 before/after: seed-nl
    0.819/0.849 (the calibration's own training set), cross-lingual 0.860/0.888, SciFact train slice 0.832/0.839,
    PolicyQA-NL train 0.931/0.931); ordering by calibrated relevance alone lost cross-lingual (0.822).
    Within one response: a next page is ordered the same way on its own. Unlabelled hits (single-leg modes,
    uncalibrated models) are ordered by score alone."""
    return sorted(hits, key=lambda h: (LABEL_RANK[h.label] if h.label else 0, -h.score))


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
