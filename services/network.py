"""Ask the network: related practices, and the people and communities who know, each with a reason.

Expertise follows from the work, never from a hand-kept taxonomy: a person ranks by the calibrated relevance to
this question of the practices they wrote or applied and the questions they answered (their strongest few pieces
of evidence, older ones a little less), normalised for how much they wrote; reasons show the strongest first.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from core.vocab import SECTION_LABELS
from indexing.index import FieldIn
from indexing.search import HybridSearcher, SearchMode
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
from services.confidence import Label, nothing_strong
from services.gaps import count_if_weak
from storage.models import Community, Person, Practice
from storage.repositories import directory
from storage.repositories import practices as practices_repo
from storage.repositories import questions as questions_repo
from storage.repositories.practices import PracticeFilters

PRACTICE_CANDIDATES = 20  # practices whose people and communities are weighed
QUESTION_CANDIDATES = 8
HALF_LIFE_YEARS = 3.0
# People and communities are suggested only when at least one practice is this good: otherwise the question lies
# outside what the bank knows.
SHOWN_LABELS = (Label.STRONG, Label.POSSIBLE)
# The strongest pieces of evidence count with falling weights; the rest is not counted. Someone who wrote much
# collects many weak matches, so volume must not outweigh one strong match.
EVIDENCE_WEIGHTS = (1.0, 0.5, 0.25)
APPLIED_WEIGHT = 0.9  # applying exactly the matching practice is nearly as telling as writing it
ANSWERED_WEIGHT = 0.8  # an answer to a similar question (accepted: x 1.2, capped by the question's relevance)
QUESTION_COMMUNITY_WEIGHT = 0.5


def recency(when: datetime | date) -> float:
    moment = when if isinstance(when, datetime) else datetime.combine(when, datetime.min.time(), UTC)
    years = max(0.0, (datetime.now(UTC) - moment).days / 365.25)
    return float(0.5 ** (years / HALF_LIFE_YEARS))


def rank_weight(rank: int) -> float:
    return 1.0 / (rank + 3)


def freshness(when: datetime | date) -> float:
    """Old evidence counts less, but never less than half: relevance to the question comes first."""
    return 0.5 + 0.5 * recency(when)


@dataclass(frozen=True)
class _Item:
    """One piece of evidence for a question: its calibrated relevance, its weight in the score, and its text."""

    relevance: float
    label: Label | None
    weight: float
    text: str
    when: float = 0.0  # a timestamp, newest first among equally relevant items


def _strength(items: list[_Item]) -> float:
    ranked = sorted((i.weight for i in items), reverse=True)
    return sum(w * e for w, e in zip(ranked, EVIDENCE_WEIGHTS, strict=False))


def _best(items: list[_Item]) -> _Item:
    return max(items, key=lambda i: (i.relevance, i.when))


def _by_relevance(items: list[_Item]) -> list[_Item]:
    return sorted(items, key=lambda i: (-i.relevance, -i.when))


@dataclass
class _Expertise:
    person: Person
    wrote: list[_Item] = field(default_factory=list)
    applied: list[_Item] = field(default_factory=list)
    answered: list[_Item] = field(default_factory=list)

    def items(self) -> list[_Item]:
        return [*self.wrote, *self.applied, *self.answered]

    def score(self, authored: int) -> float:
        """Evidence for this question, normalised for how much the person wrote in all."""
        return _strength(self.items()) / (1.0 + 0.1 * math.log1p(authored))

    def reasons(self) -> list[str]:
        """Each reason with its evidence strongest first, and the reasons themselves strongest first."""
        out: list[tuple[float, str]] = []
        if self.wrote:
            wrote, n = _by_relevance(self.wrote), len(self.wrote)
            text = f"schreef {n} verwante praktijk{'en' if n > 1 else ''}: " + "; ".join(i.text for i in wrote[:3])
            out.append((wrote[0].relevance, text))
        out.extend((i.relevance, i.text) for i in _by_relevance(self.applied)[:3])
        if self.answered:
            answered = _by_relevance(self.answered)
            text = "beantwoordde een vergelijkbare vraag: " + "; ".join(i.text for i in answered[:2])
            out.append((answered[0].relevance, text))
        return [text for _, text in sorted(out, key=lambda r: -r[0])]


@dataclass
class _Circle:
    community: Community
    practices: list[_Item] = field(default_factory=list)
    questions: list[_Item] = field(default_factory=list)

    def reasons(self) -> list[str]:
        out: list[tuple[float, str]] = []
        if self.practices:
            titles, n = _by_relevance(self.practices), len(self.practices)
            text = f"werkt aan {n} verwante praktijk{'en' if n > 1 else ''}: " + "; ".join(i.text for i in titles[:3])
            out.append((titles[0].relevance, text))
        if self.questions:
            best = _by_relevance(self.questions)
            text = "beantwoordde vergelijkbare vragen in de eigen kring: " + "; ".join(i.text for i in best[:2])
            out.append((best[0].relevance, text))
        return [text for _, text in sorted(out, key=lambda r: -r[0])]


def _quoted(text: str) -> str:
    return f"‘{text}’"


def _stamp(when: datetime | date) -> float:
    moment = when if isinstance(when, datetime) else datetime.combine(when, datetime.min.time(), UTC)
    return moment.replace(tzinfo=moment.tzinfo or UTC).timestamp()


def ask(
    session: Session,
    searcher: HybridSearcher,
    policy: AccessPolicy,
    text: str,
    filters: PracticeFilters,
    *,
    limit: int,
) -> AskResponse:
    """Related practices, earlier questions, and the people and communities whose work is evidence for *this*
    question: every piece of evidence carries its calibrated relevance (services/confidence.py), what falls below
    the floor is no evidence, and a person or community needs at least one 'mogelijk' piece to be shown."""
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
        authors=True,
    )
    question_filter = policy.index_filter().and_(FieldIn("doc_type", ("question",)))
    question_hits = searcher.search(text, question_filter, limit=QUESTION_CANDIDATES, vectors=vectors)
    judged = search_service.judge(searcher, question_hits, vectors, text)
    if judged:  # calibrated: an earlier question below the floor is no evidence
        question_hits = [h for h in question_hits if judged[h.doc_id].label is not None]
    found_questions = {
        q.id: q for q in questions_repo.get_many(session, [h.doc_id for h in question_hits], policy.question_clause())
    }
    questions = [found_questions[h.doc_id] for h in question_hits if h.doc_id in found_questions]

    def relevance_of(rank: int, relevance: float | None, label: Label | None) -> _Relevance:
        # Without calibration (single-leg, unknown model), the rank stands in for relevance, as before.
        if relevance is None:
            return _Relevance(rank_weight(rank), None)
        return _Relevance(relevance, label)

    practice_evidence = {h.practice.id: relevance_of(r, h.relevance, h.label) for r, h in enumerate(practice_hits)}
    # The calibration was fitted on practices; a short earlier question can look close on a few shared words, so it
    # never makes a response 'sterk' or a question in-domain on its own.
    question_evidence = {
        q.id: relevance_of(
            r, judged[q.id].relevance if q.id in judged else None, judged[q.id].label if q.id in judged else None
        )
        for r, q in enumerate(questions)
    }
    calibrated = bool(judged) or any(h.label is not None for h in practice_hits)

    people: dict[uuid.UUID, _Expertise] = {}

    def expertise(person: Person | None) -> _Expertise | None:
        if person is None or not policy.can_see_profile(person):
            return None  # a hidden profile appears in nobody's network view
        return people.setdefault(person.id, _Expertise(person))

    circles: dict[uuid.UUID, _Circle] = {}
    practices = [hit.practice for hit in practice_hits]
    for practice in practices:
        ev = practice_evidence[practice.id]
        item = _Item(
            ev.relevance,
            ev.label,
            ev.relevance * freshness(practice.updated_at),
            _quoted(practice.title),
            _stamp(practice.updated_at),
        )
        for author in practice.authors:
            if (entry := expertise(author.person)) is not None:
                entry.wrote.append(item)
        if practice.community is not None:
            circles.setdefault(practice.community.id, _Circle(practice.community)).practices.append(item)
    by_id = {p.id: p for p in practices}
    for application in questions_repo.applications_of(session, list(by_id)):
        practice, ev = by_id[application.practice_id], practice_evidence[application.practice_id]
        if (entry := expertise(application.person)) is not None:
            where = f" in {application.organisation.name}" if application.organisation else ""
            entry.applied.append(
                _Item(
                    ev.relevance,
                    ev.label,
                    APPLIED_WEIGHT * ev.relevance * freshness(application.applied_on),
                    f"paste {_quoted(practice.title)} toe{where} ({application.applied_on.year})",
                    _stamp(application.applied_on),
                )
            )
    for question in questions:
        ev = question_evidence[question.id]
        for reply in question.answers:
            accepted = 1.2 if reply.id == question.accepted_answer_id else 1.0
            if (entry := expertise(reply.author)) is not None:
                weight = min(ev.relevance, ANSWERED_WEIGHT * accepted * ev.relevance) * freshness(reply.created_at)
                entry.answered.append(
                    _Item(ev.relevance, ev.label, weight, _quoted(question.title), _stamp(reply.created_at))
                )
        if question.community is not None:
            circles.setdefault(question.community.id, _Circle(question.community)).questions.append(
                _Item(ev.relevance, ev.label, QUESTION_COMMUNITY_WEIGHT * ev.relevance, _quoted(question.title))
            )

    # Without one practice at 'mogelijk' or better the question lies outside what the bank knows: nobody is
    # suggested. Within it, a person or community needs evidence at 'mogelijk' or better: a pile of weak matches, as
    # a prolific author or a large community collects, is no expertise (network_concentration.py measures this).
    in_domain = any(h.label in SHOWN_LABELS for h in practice_hits)

    def eligible(items: list[_Item]) -> bool:
        return not calibrated or (in_domain and bool(items) and _best(items).label in SHOWN_LABELS)

    authored = practices_repo.authored_counts(session, list(people), policy.practice_clause())
    ranked_people = sorted(
        ((e, e.score(authored.get(e.person.id, 0))) for e in people.values() if eligible(e.items())),
        key=lambda pair: -pair[1],
    )[:limit]
    ranked_circles = sorted(
        (
            (c, _strength([*c.practices, *c.questions]))
            for c in circles.values()
            if eligible([*c.practices, *c.questions])
        ),
        key=lambda pair: -pair[1],
    )[:limit]

    signed_in = policy.viewer.signed_in
    top_practices = practice_hits[:limit]
    count_if_weak(session, practice_hits, filters, kind="ask")
    return AskResponse(
        question=text,
        practices=[
            RelatedPractice(
                practice=PracticeSummary.model_validate(h.practice),
                section=h.section,
                snippet=h.snippet.text,
                reason=_practice_reason(h.practice, h.section),
                relevance=h.relevance,
                label=h.label,
            )
            for h in top_practices
        ],
        people=[
            NetworkPerson(
                person=PersonRef.model_validate(e.person),
                organisation=OrganisationRef.model_validate(e.person.organisation) if e.person.organisation else None,
                email=e.person.email if signed_in else None,
                score=round(score, 4),
                reasons=e.reasons(),
                relevance=round(_best(e.items()).relevance, 4) if calibrated else None,
                label=_best(e.items()).label,
            )
            for e, score in ranked_people
        ],
        communities=[
            NetworkCommunity(
                community=CommunityRef.model_validate(c.community),
                score=round(score, 4),
                reasons=c.reasons(),
                relevance=round(_best([*c.practices, *c.questions]).relevance, 4) if calibrated else None,
                label=_best([*c.practices, *c.questions]).label,
            )
            for c, score in ranked_circles
        ],
        questions=question_service.to_reads(session, questions[:limit], policy),
        nothing_strong=nothing_strong([h.label for h in practice_hits]),
    )


@dataclass(frozen=True)
class _Relevance:
    relevance: float
    label: Label | None


def _practice_reason(practice: Practice, section: str) -> str:
    where = f" ({practice.organisation.name})" if practice.organisation else ""
    return f"komt overeen in het onderdeel ‘{SECTION_LABELS.get(section, section)}’{where}"


def similar_check(
    session: Session, searcher: HybridSearcher, policy: AccessPolicy, draft: DraftCheck, *, limit: int
) -> list[SimilarPractice]:
    """Existing practices that look like a draft, with the cosine of the draft to their closest passage."""
    text = "\n".join(part for part in (draft.title, draft.summary, draft.situation, draft.approach) if part)
    return similar_to_text(session, searcher, policy, text, limit=limit)


def similar_to_text(
    session: Session, searcher: HybridSearcher, policy: AccessPolicy, text: str, *, limit: int, on_topic: bool = False
) -> list[SimilarPractice]:
    """Practices close to a text being written, nearest first. ``on_topic``: only those the calibration calls at
    least 'mogelijk' (a page that warns "this looks like an existing practice" should not cry wolf)."""
    vectors = searcher.encode(text)
    hits = search_service.search(
        session,
        searcher,
        policy,
        text,
        PracticeFilters(),
        limit=limit,
        offset=0,
        mode=SearchMode.HYBRID,
        vectors=vectors,
        floor=False,  # the author of the draft judges; the cosine below says how near each one is
    )
    if on_topic:
        hits = [h for h in hits if h.label in (None, Label.STRONG, Label.POSSIBLE)]
    assert vectors.dense is not None
    closest = searcher.closest([h.practice.id for h in hits], vectors.dense)
    scored = [
        SimilarPractice(
            practice=PracticeSummary.model_validate(h.practice),
            similarity=round(max(0.0, closest.get(h.practice.id, 0.0)), 4),
        )
        for h in hits
    ]
    return sorted(scored, key=lambda s: -s.similarity)


def suggested_questions(
    session: Session, searcher: HybridSearcher, policy: AccessPolicy, slug: str, *, limit: int
) -> list[SuggestedQuestion]:
    """Open questions close to what this person (whose profile the caller may see) wrote."""
    person = policy.require_profile(directory.person_by_slug(session, slug))
    return questions_for(session, searcher, policy, person, limit=limit)


def questions_for(
    session: Session, searcher: HybridSearcher, policy: AccessPolicy, person: Person, *, limit: int
) -> list[SuggestedQuestion]:
    """Open questions close to what ``person`` wrote: their practices' passages vote for questions."""
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
