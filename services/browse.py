"""Use cases of the browsing pages: the home overview, results with facet counts, a practice, its versions."""

from __future__ import annotations

import difflib
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from core.errors import NotFound
from core.vocab import SECTION_NAMES
from indexing.search import HybridSearcher, SearchMode
from schemas.network import ApplicationRead, FeedbackRead, SimilarPractice
from services import network, practices
from services import questions as questions_service
from services import search as search_service
from services.access import AccessPolicy, Author
from storage.models import Community, Practice, PracticeVersion, Question
from storage.repositories import browse as repo
from storage.repositories import directory
from storage.repositories import questions as questions_repo
from storage.repositories.practices import HitRow, PracticeFilters

RESULT_WINDOW = 50  # facets count the best this many practices; pages are cut from them
PER_PAGE = 10
FACETS = ("theme", "legal_frame", "organisation", "recognition_level", "community", "language")


@dataclass(frozen=True)
class Overview:
    published: int
    recent: list[Practice]
    most_applied: list[tuple[Practice, int]]


def overview(session: Session, policy: AccessPolicy, *, limit: int = 6) -> Overview:
    access = policy.practice_clause()
    return Overview(
        published=repo.count_published(session, access),
        recent=repo.recent_published(session, access, limit=limit),
        most_applied=repo.most_applied(session, access, limit=limit),
    )


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class ResultsPage:
    hits: list[search_service.PracticeHit]
    total: int
    page: int
    pages: int
    nothing_strong: bool | None  # the API's rule (services/confidence.py); None: hits without labels
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    window: int = RESULT_WINDOW


def results(
    session: Session,
    searcher: HybridSearcher,
    policy: AccessPolicy,
    query: str,
    filters: PracticeFilters,
    *,
    page: int,
    per_page: int = PER_PAGE,
) -> ResultsPage:
    """One page of search results, and the facet counts over the best RESULT_WINDOW: the search of the API
    (``services.search.find``) over that window, cut into pages here."""
    found = search_service.find(
        session,
        searcher,
        policy,
        query,
        filters,
        limit=RESULT_WINDOW,
        offset=0,
        mode=SearchMode.HYBRID,
        again=page > 1,
    )
    hits = found.hits
    pages = max(1, math.ceil(len(hits) / per_page))
    page = min(max(page, 1), pages)
    shown = hits[(page - 1) * per_page : page * per_page]
    return ResultsPage(shown, len(hits), page, pages, found.nothing_strong, facet_counts(hits, filters))


def _values(practice: HitRow, facet: str) -> list[tuple[str, str]]:
    """(value, label source) pairs of a practice for one facet; labels of vocabularies come from the pages."""
    if facet in ("theme", "legal_frame"):
        return [(v, v) for v in practice.tag_values(facet)]
    if facet == "organisation":
        return [(practice.organisation.slug, practice.organisation.name)] if practice.organisation else []
    if facet == "community":
        return [(practice.community.slug, practice.community.name)] if practice.community else []
    if facet == "recognition_level":
        return [(practice.recognition_level, practice.recognition_level)]
    return [(practice.language, practice.language)]


def _selected(filters: PracticeFilters, facet: str) -> set[str]:
    chosen: dict[str, Any] = {
        "theme": filters.themes,
        "legal_frame": filters.legal_frames,
        "organisation": [filters.organisation] if filters.organisation else [],
        "community": [filters.community] if filters.community else [],
        "recognition_level": filters.recognition_levels,
        "language": filters.languages,
    }
    return set(chosen[facet])


def facet_counts(hits: list[search_service.PracticeHit], filters: PracticeFilters) -> dict[str, list[FacetValue]]:
    facets: dict[str, list[FacetValue]] = {}
    for facet in FACETS:
        counts: Counter[str] = Counter()
        labels: dict[str, str] = {}
        for hit in hits:
            for value, label in _values(hit.practice, facet):
                counts[value] += 1
                labels[value] = label
        selected = _selected(filters, facet)
        for value in selected - counts.keys():
            counts[value] = 0
            labels[value] = value
        ordered = sorted(counts, key=lambda v: (v not in selected, -counts[v], labels[v]))
        facets[facet] = [FacetValue(v, labels[v], counts[v], v in selected) for v in ordered]
    return facets


@dataclass(frozen=True)
class PracticePage:
    practice: Practice
    authors: list[Author]
    may_edit: bool
    similar: list[search_service.PracticeHit]
    applications: list[ApplicationRead]
    feedback: list[FeedbackRead]


def practice_page(session: Session, searcher: HybridSearcher, policy: AccessPolicy, ref: str) -> PracticePage:
    """One practice as a professional reads it: who wrote it, similar practices, where it was applied and what
    colleagues said, each person only as far as their profile shows to the caller."""
    practice = practices.find(session, ref, policy)
    return PracticePage(
        practice=practice,
        authors=policy.authors(practice),
        may_edit=policy.may_edit(practice),
        similar=search_service.similar(session, searcher, policy, practice, limit=5),
        applications=questions_service.applications(session, practice.id, policy),
        feedback=questions_service.feedback(session, practice.id, policy),
    )


@dataclass(frozen=True)
class History:
    practice: Practice
    versions: list[PracticeVersion]  # newest first
    older: PracticeVersion | None
    newer: PracticeVersion | None
    diffs: list[FieldDiff]


def history(session: Session, policy: AccessPolicy, ref: str, *, older: int | None, newer: int | None) -> History:
    """The kept versions of a practice and the differences between two of them (by default: the last change)."""
    practice = practices.find(session, ref, policy)
    kept = practices.kept_versions(session, practice)  # newest first
    by_number = {v.version: v for v in kept}
    if (older and older not in by_number) or (newer and newer not in by_number):
        raise NotFound("no such version", field="version")
    new = by_number.get(newer or practice.version) or (kept[0] if kept else None)
    old = by_number[older] if older else (kept[1] if len(kept) > 1 else None)
    return History(practice, kept, old, new, diff_versions(old, new) if old and new else [])


@dataclass(frozen=True)
class FieldDiff:
    name: str
    before: str
    after: str
    chunks: list[tuple[str, str]]  # ("same" | "removed" | "added", text)


def diff_versions(older: PracticeVersion, newer: PracticeVersion) -> list[FieldDiff]:
    """Word-level differences between two snapshots, per field that changed."""
    diffs = []
    for name in ("title", "summary", *SECTION_NAMES, "recognition_level", "status", "visibility"):
        before = str(older.snapshot.get(name) or "")
        after = str(newer.snapshot.get(name) or "")
        if before == after:
            continue
        a, b = before.split(" "), after.split(" ")
        chunks: list[tuple[str, str]] = []
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
            if op == "equal":
                chunks.append(("same", " ".join(a[i1:i2])))
                continue
            if i2 > i1:
                chunks.append(("removed", " ".join(a[i1:i2])))
            if j2 > j1:
                chunks.append(("added", " ".join(b[j1:j2])))
        diffs.append(FieldDiff(name, before, after, chunks))
    return diffs


def questions(session: Session, policy: AccessPolicy, *, open_only: bool, limit: int = 50) -> list[Question]:
    """Recent questions the caller may see, with their answers."""
    return questions_repo.recent(session, policy.question_clause(), limit=limit, open_only=open_only)


def my_communities(session: Session, policy: AccessPolicy) -> list[tuple[Community, str]]:
    """The caller's communities with their role in each."""
    person_id = policy.viewer.person_id
    return directory.memberships_of(session, person_id) if person_id else []


def similar_drafts(
    session: Session, searcher: HybridSearcher, policy: AccessPolicy, text: str, *, limit: int = 3
) -> list[SimilarPractice]:
    """Existing practices a draft seems to repeat: the similar-check, keeping only those on the same topic."""
    if len(text.strip()) < 10:
        return []
    return network.similar_to_text(session, searcher, policy, text, limit=limit, on_topic=True)
