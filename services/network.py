"""Ask the network: related practices, and the people and communities who know, each with a reason.

Expertise follows from the work, never from a hand-kept taxonomy: a person ranks by how close the practices
they wrote or applied, and the questions they answered, are to the question, weighted by recency.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from core.vocab import SECTION_LABELS
from indexing.index import FieldIn
from indexing.search import HybridSearcher, SearchMode, best_similarity
from schemas.directory import CommunityRef, OrganisationRef, PersonRef
from schemas.network import (
    AskResponse,
    DraftCheck,
    NetworkCommunity,
    NetworkPerson,
    RelatedPractice,
    SimilarPractice,
    SuggestedQuestion,
)
from schemas.practices import PracticeSummary
from services import questions as question_service
from services import search as search_service
from services.access import AccessPolicy
from services.gaps import count_if_weak
from storage.models import Community, Person, Practice
from storage.repositories import directory
from storage.repositories import practices as practices_repo
from storage.repositories import questions as questions_repo
from storage.repositories.practices import PracticeFilters

PRACTICE_CANDIDATES = 20  # practices whose people and communities are weighed
QUESTION_CANDIDATES = 8
HALF_LIFE_YEARS = 3.0


def recency(when: datetime | date) -> float:
    moment = when if isinstance(when, datetime) else datetime.combine(when, datetime.min.time(), UTC)
    years = max(0.0, (datetime.now(UTC) - moment).days / 365.25)
    return float(0.5 ** (years / HALF_LIFE_YEARS))


def rank_weight(rank: int) -> float:
    return 1.0 / (rank + 3)


@dataclass
class _Expertise:
    person: Person
    score: float = 0.0
    wrote: list[str] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)

    def reasons(self) -> list[str]:
        out = []
        if self.wrote:
            n = len(self.wrote)
            out.append(f"schreef {n} verwante praktijk{'en' if n > 1 else ''}: " + "; ".join(self.wrote[:3]))
        out.extend(self.applied[:3])
        if self.answered:
            out.append("beantwoordde een vergelijkbare vraag: " + "; ".join(self.answered[:2]))
        return out


def _quoted(text: str) -> str:
    return f"‘{text}’"


def ask(
    session: Session,
    searcher: HybridSearcher,
    policy: AccessPolicy,
    text: str,
    filters: PracticeFilters,
    *,
    limit: int,
) -> AskResponse:
    vectors = searcher.encode(text)
    practice_hits = search_service.search(
        session,
        searcher,
        policy,
        text,
        filters,
        limit=PRACTICE_CANDIDATES,
        offset=0,
        mode=SearchMode.HYBRID,
        vectors=vectors,
    )
    question_filter = policy.index_filter().and_(FieldIn("doc_type", ("question",)))
    question_hits = searcher.search(text, question_filter, limit=QUESTION_CANDIDATES, vectors=vectors)
    found_questions = {
        q.id: q for q in questions_repo.get_many(session, [h.doc_id for h in question_hits], policy.question_clause())
    }
    questions = [found_questions[h.doc_id] for h in question_hits if h.doc_id in found_questions]

    people: dict[uuid.UUID, _Expertise] = {}

    def credit(person: Person | None, weight: float) -> _Expertise | None:
        if person is None or not policy.can_see_profile(person):
            return None  # a hidden profile appears in nobody's network view
        entry = people.setdefault(person.id, _Expertise(person))
        entry.score += weight
        return entry

    communities: dict[uuid.UUID, tuple[Community, float, list[str]]] = {}
    practices = [hit.practice for hit in practice_hits]
    for rank, practice in enumerate(practices):
        weight = rank_weight(rank) * recency(practice.updated_at)
        for author in practice.authors:
            if (entry := credit(author.person, weight)) is not None:
                entry.wrote.append(_quoted(practice.title))
        if practice.community is not None:
            community, score, titles = communities.get(practice.community.id, (practice.community, 0.0, []))
            communities[community.id] = (community, score + rank_weight(rank), [*titles, _quoted(practice.title)])
    rank_of = {p.id: r for r, p in enumerate(practices)}
    for application in questions_repo.applications_of(session, list(rank_of)):
        practice = practices[rank_of[application.practice_id]]
        weight = 0.6 * rank_weight(rank_of[application.practice_id]) * recency(application.applied_on)
        if (entry := credit(application.person, weight)) is not None:
            where = f" in {application.organisation.name}" if application.organisation else ""
            entry.applied.append(f"paste {_quoted(practice.title)} toe{where} ({application.applied_on.year})")
    for rank, question in enumerate(questions):
        for reply in question.answers:
            accepted = 1.2 if reply.id == question.accepted_answer_id else 1.0
            weight = 0.7 * accepted * rank_weight(rank) * recency(reply.created_at)
            if (entry := credit(reply.author, weight)) is not None:
                entry.answered.append(_quoted(question.title))
        if question.community is not None:
            community, score, titles = communities.get(question.community.id, (question.community, 0.0, []))
            communities[community.id] = (community, score + 0.5 * rank_weight(rank), titles)

    signed_in = policy.viewer.signed_in
    ranked_people = sorted(people.values(), key=lambda e: -e.score)[:limit]
    top_practices = practice_hits[:limit]
    if vectors.dense is not None:
        count_if_weak(session, searcher, practices, vectors.dense, filters, kind="ask")
    return AskResponse(
        question=text,
        practices=[
            RelatedPractice(
                practice=PracticeSummary.model_validate(h.practice),
                section=h.section,
                snippet=h.snippet.text,
                reason=_practice_reason(h.practice, h.section),
            )
            for h in top_practices
        ],
        people=[
            NetworkPerson(
                person=PersonRef.model_validate(e.person),
                organisation=OrganisationRef.model_validate(e.person.organisation) if e.person.organisation else None,
                email=e.person.email if signed_in else None,
                score=round(e.score, 4),
                reasons=e.reasons(),
            )
            for e in ranked_people
        ],
        communities=[
            NetworkCommunity(
                community=CommunityRef.model_validate(c),
                score=round(score, 4),
                reasons=[
                    f"werkt aan {len(titles)} verwante praktijk{'en' if len(titles) > 1 else ''}: "
                    + "; ".join(titles[:3])
                ]
                if titles
                else ["beantwoordde vergelijkbare vragen in de eigen kring"],
            )
            for c, score, titles in sorted(communities.values(), key=lambda item: -item[1])[:limit]
        ],
        questions=question_service.to_reads(session, questions[:limit], policy),
    )


def _practice_reason(practice: Practice, section: str) -> str:
    where = f" ({practice.organisation.name})" if practice.organisation else ""
    return f"komt overeen in het onderdeel ‘{SECTION_LABELS.get(section, section)}’{where}"


def similar_check(
    session: Session, searcher: HybridSearcher, policy: AccessPolicy, draft: DraftCheck, *, limit: int
) -> list[SimilarPractice]:
    """Existing practices that look like a draft, with the cosine of the draft to their closest passage."""
    draft_text = "\n".join(part for part in (draft.title, draft.summary, draft.situation, draft.approach) if part)
    vectors = searcher.encode(draft_text)
    hits = search_service.search(
        session,
        searcher,
        policy,
        draft_text,
        PracticeFilters(),
        limit=limit,
        offset=0,
        mode=SearchMode.HYBRID,
        vectors=vectors,
    )
    assert vectors.dense is not None
    scored = [
        SimilarPractice(
            practice=PracticeSummary.model_validate(h.practice),
            similarity=round(max(0.0, best_similarity(searcher.index, h.practice.id, vectors.dense)), 4),
        )
        for h in hits
    ]
    return sorted(scored, key=lambda s: -s.similarity)


def suggested_questions(
    session: Session, searcher: HybridSearcher, policy: AccessPolicy, slug: str, *, limit: int
) -> list[SuggestedQuestion]:
    """Open questions close to what this person wrote: their practices' passages vote for questions."""
    person = policy.require_profile(directory.person_by_slug(session, slug))
    authored = practices_repo.authored_by(session, person.id, policy.practice_clause())
    if not authored:
        return []
    question_filter = policy.index_filter().and_(FieldIn("doc_type", ("question",)))
    scores: dict[uuid.UUID, tuple[float, str]] = {}
    for practice in authored[:10]:
        for rank, hit in enumerate(
            searcher.similar(practice.id, f"{practice.title}. {practice.summary}", question_filter, limit=10)
        ):
            score, reason = scores.get(hit.doc_id, (0.0, _quoted(practice.title)))
            scores[hit.doc_id] = (score + rank_weight(rank), reason)
    found = {q.id: q for q in questions_repo.get_many(session, list(scores), policy.question_clause())}
    answered = {a.question_id for a in questions_repo.answered_by(session, person.id)}
    results = [
        SuggestedQuestion(
            question=question_service.to_read(session, q, policy),
            score=round(scores[q.id][0], 4),
            reason=f"lijkt op uw praktijk {scores[q.id][1]}",
        )
        for q in found.values()
        if q.accepted_answer_id is None and q.id not in answered and q.asker_id != person.id
    ]
    return sorted(results, key=lambda s: -s.score)[:limit]
