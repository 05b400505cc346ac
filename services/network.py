"""Ask the network: related practices, and the people and communities who know, each with a reason.

Expertise follows from the work, never from a hand-kept taxonomy: a person ranks by the calibrated relevance to
this question of the practices they wrote or applied and the questions they answered (their strongest few pieces
of evidence, older ones a little less), normalised for how much they wrote; reasons show the strongest first.

``ask`` runs in stages: gather what the question finds (``_gather``), credit it to the people and communities
behind it (``_totals``), rank them (``_rank``), and shape the response (``_response``).
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
from services import confidence
from services import questions as question_service
from services import search as search_service
from services.access import AccessPolicy
from services.confidence import Judgement, Label, nothing_strong
from services.gaps import count_if_weak
from services.search import PracticeHit
from storage.models import Community, Person, Question
from storage.repositories import directory
from storage.repositories import practices as practices_repo
from storage.repositories import questions as questions_repo
from storage.repositories.practices import HitRow, PracticeFilters, Ref

PRACTICE_CANDIDATES = 20  # practices whose people and communities are weighed
QUESTION_CANDIDATES = 8
HALF_LIFE_YEARS = 3.0
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

    @classmethod
    def of(cls, judged: Judgement, weight: float, text: str, when: float = 0.0) -> _Item:
        return cls(judged.relevance, judged.label, weight, text, when)


def _strength(items: list[_Item]) -> float:
    ranked = sorted((i.weight for i in items), reverse=True)
    return sum(w * e for w, e in zip(ranked, EVIDENCE_WEIGHTS, strict=False))


def _best(items: list[_Item]) -> _Item:
    return max(items, key=lambda i: (i.relevance, i.when))


def _by_relevance(items: list[_Item]) -> list[_Item]:
    return sorted(items, key=lambda i: (-i.relevance, -i.when))


def _reason(intro: str, items: list[_Item], shown: int) -> tuple[float, str]:
    """A reason quoting its ``shown`` strongest pieces of evidence, with the relevance of the strongest."""
    ranked = _by_relevance(items)
    return ranked[0].relevance, intro + "; ".join(i.text for i in ranked[:shown])


def _related(verb: str, items: list[_Item]) -> str:
    n = len(items)
    return f"{verb} {n} verwante praktijk{'en' if n > 1 else ''}: "


def _strongest_first(reasons: list[tuple[float, str]]) -> list[str]:
    return [text for _, text in sorted(reasons, key=lambda r: -r[0])]


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
            out.append(_reason(_related("schreef", self.wrote), self.wrote, 3))
        out.extend((i.relevance, i.text) for i in _by_relevance(self.applied)[:3])
        if self.answered:
            out.append(_reason("beantwoordde een vergelijkbare vraag: ", self.answered, 2))
        return _strongest_first(out)


@dataclass
class _Circle:
    community: Community | Ref  # a question's community, or a hit's
    practices: list[_Item] = field(default_factory=list)
    questions: list[_Item] = field(default_factory=list)

    def items(self) -> list[_Item]:
        return [*self.practices, *self.questions]

    def score(self) -> float:
        return _strength(self.items())

    def reasons(self) -> list[str]:
        out: list[tuple[float, str]] = []
        if self.practices:
            out.append(_reason(_related("werkt aan", self.practices), self.practices, 3))
        if self.questions:
            out.append(_reason("beantwoordde vergelijkbare vragen in de eigen kring: ", self.questions, 2))
        return _strongest_first(out)


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
    found = _gather(session, searcher, policy, text, filters)
    ranked = _rank(session, policy, found, _totals(session, policy, found), limit=limit)
    count_if_weak(session, found.practices, filters, kind="ask")
    return _response(session, policy, text, found, ranked, limit=limit)


def people_who_know(
    session: Session, searcher: HybridSearcher, policy: AccessPolicy, text: str, *, limit: int
) -> list[tuple[Person, Label | None]]:
    """The people ``ask`` suggests for ``text`` (read as ``policy``), best first, each with the label of their
    strongest evidence (None: no calibration). A new question goes to them ('Meldingen'); it is not a search, so
    it counts as no knowledge gap."""
    found = _gather(session, searcher, policy, text, PracticeFilters())
    ranked = _rank(session, policy, found, _totals(session, policy, found), limit=limit)
    return [(e.person, _best(e.items()).label if found.calibrated else None) for e, _ in ranked.people]


@dataclass(frozen=True)
class _Found:
    """Stage 1: the practices (best first) and earlier questions the caller may read, each with its judgement."""

    practices: list[PracticeHit]
    questions: list[Question]
    practice_judged: dict[uuid.UUID, Judgement]
    question_judged: dict[uuid.UUID, Judgement]
    calibrated: bool

    @property
    def in_domain(self) -> bool:
        return any(confidence.on_topic(h.label) for h in self.practices)


def _or_by_rank(judged: Judgement | None, rank: int) -> Judgement:
    # Without calibration (single-leg, unknown model), the rank stands in for relevance.
    return judged if judged is not None else Judgement(rank_weight(rank), None)


def _gather(
    session: Session, searcher: HybridSearcher, policy: AccessPolicy, text: str, filters: PracticeFilters
) -> _Found:
    """What the question finds, through the access policy: practices by ``search``, earlier questions re-read in SQL."""
    vectors = searcher.encode(text)
    practices = search_service.search(
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
    readable = {
        q.id: q for q in questions_repo.get_many(session, [h.doc_id for h in question_hits], policy.question_clause())
    }
    questions = [readable[h.doc_id] for h in question_hits if h.doc_id in readable]
    return _Found(
        practices,
        questions,
        {
            h.practice.id: _or_by_rank(None if h.relevance is None else Judgement(h.relevance, h.label), r)
            for r, h in enumerate(practices)
        },
        # The calibration was fitted on practices; a short earlier question can look close on a few shared words,
        # so it never makes a response 'sterk' or a question in-domain on its own.
        {q.id: _or_by_rank(judged.get(q.id), r) for r, q in enumerate(questions)},
        calibrated=bool(judged) or any(h.label is not None for h in practices),
    )


@dataclass
class _Totals:
    """Stage 2: the evidence credited to each person and community."""

    policy: AccessPolicy
    people: dict[uuid.UUID, _Expertise] = field(default_factory=dict)
    circles: dict[uuid.UUID, _Circle] = field(default_factory=dict)

    def person(self, person: Person | None) -> _Expertise | None:
        if person is None or not self.policy.can_see_profile(person):
            return None  # a hidden profile appears in nobody's network view
        return self.people.setdefault(person.id, _Expertise(person))

    def community(self, community: Community | Ref) -> _Circle:
        return self.circles.setdefault(community.id, _Circle(community))


def _totals(session: Session, policy: AccessPolicy, found: _Found) -> _Totals:
    totals = _Totals(policy)
    _credit_practices(totals, found)
    _credit_applications(session, totals, found)
    _credit_answers(totals, found)
    return totals


def _credit_practices(totals: _Totals, found: _Found) -> None:
    """Each practice counts for its authors and its community."""
    for hit in found.practices:
        practice = hit.practice
        judged = found.practice_judged[practice.id]
        item = _Item.of(
            judged,
            judged.relevance * freshness(practice.updated_at),
            _quoted(practice.title),
            _stamp(practice.updated_at),
        )
        for author in practice.authors:
            if (entry := totals.person(author.person)) is not None:
                entry.wrote.append(item)
        if practice.community is not None:
            totals.community(practice.community).practices.append(item)


def _credit_applications(session: Session, totals: _Totals, found: _Found) -> None:
    """Applying a found practice counts for the person who applied it."""
    by_id = {h.practice.id: h.practice for h in found.practices}
    for application in questions_repo.applications_of(session, list(by_id)):
        practice, judged = by_id[application.practice_id], found.practice_judged[application.practice_id]
        if (entry := totals.person(application.person)) is not None:
            where = f" in {application.organisation.name}" if application.organisation else ""
            entry.applied.append(
                _Item.of(
                    judged,
                    APPLIED_WEIGHT * judged.relevance * freshness(application.applied_on),
                    f"paste {_quoted(practice.title)} toe{where} ({application.applied_on.year})",
                    _stamp(application.applied_on),
                )
            )


def _credit_answers(totals: _Totals, found: _Found) -> None:
    """An earlier question counts for those who answered it and for its community."""
    for question in found.questions:
        judged = found.question_judged[question.id]
        for reply in question.answers:
            accepted = 1.2 if reply.id == question.accepted_answer_id else 1.0
            if (entry := totals.person(reply.author)) is not None:
                fresh = freshness(reply.created_at)
                weight = min(judged.relevance, ANSWERED_WEIGHT * accepted * judged.relevance) * fresh
                entry.answered.append(_Item.of(judged, weight, _quoted(question.title), _stamp(reply.created_at)))
        if question.community is not None:
            totals.community(question.community).questions.append(
                _Item.of(judged, QUESTION_COMMUNITY_WEIGHT * judged.relevance, _quoted(question.title))
            )


@dataclass(frozen=True)
class _Ranked:
    """Stage 3: the people and communities to suggest, best first, with their scores."""

    people: list[tuple[_Expertise, float]]
    circles: list[tuple[_Circle, float]]


def _rank(session: Session, policy: AccessPolicy, found: _Found, totals: _Totals, *, limit: int) -> _Ranked:
    authored = practices_repo.authored_counts(session, list(totals.people), policy.practice_clause())
    others = [e for e in totals.people.values() if e.person.id != policy.viewer.person_id]  # not the asker
    people = [(e, e.score(authored.get(e.person.id, 0))) for e in others if _eligible(found, e.items())]
    circles = [(c, c.score()) for c in totals.circles.values() if _eligible(found, c.items())]
    return _Ranked(
        sorted(people, key=lambda pair: -pair[1])[:limit],
        sorted(circles, key=lambda pair: -pair[1])[:limit],
    )


def _eligible(found: _Found, items: list[_Item]) -> bool:
    """Outside the domain nobody is suggested. Within it, a person or community needs evidence at 'mogelijk' or
    better: a pile of weak matches, as a prolific author or a large community collects, is no expertise
    (network_concentration.py measures this). Without calibration, all evidence counts."""
    return not found.calibrated or (found.in_domain and bool(items) and confidence.on_topic(_best(items).label))


def _response(
    session: Session, policy: AccessPolicy, text: str, found: _Found, ranked: _Ranked, *, limit: int
) -> AskResponse:
    """Stage 4: what the caller sees; e-mail addresses only when signed in."""
    return AskResponse(
        question=text,
        practices=[_related_practice(h) for h in found.practices[:limit]],
        people=[
            _network_person(e, score, calibrated=found.calibrated, signed_in=policy.viewer.signed_in)
            for e, score in ranked.people
        ],
        communities=[_network_community(c, score, calibrated=found.calibrated) for c, score in ranked.circles],
        questions=question_service.to_reads(session, found.questions[:limit], policy),
        nothing_strong=nothing_strong([h.label for h in found.practices]),
    )


def _related_practice(hit: PracticeHit) -> RelatedPractice:
    return RelatedPractice(
        practice=PracticeSummary.model_validate(hit.practice),
        section=hit.section,
        snippet=hit.snippet.text,
        reason=_practice_reason(hit.practice, hit.section),
        relevance=hit.relevance,
        label=hit.label,
    )


def _network_person(entry: _Expertise, score: float, *, calibrated: bool, signed_in: bool) -> NetworkPerson:
    person, best = entry.person, _best(entry.items())
    return NetworkPerson(
        person=PersonRef.model_validate(person),
        organisation=OrganisationRef.model_validate(person.organisation) if person.organisation else None,
        email=person.email if signed_in else None,
        score=round(score, 4),
        reasons=entry.reasons(),
        relevance=round(best.relevance, 4) if calibrated else None,
        label=best.label,
    )


def _network_community(circle: _Circle, score: float, *, calibrated: bool) -> NetworkCommunity:
    best = _best(circle.items())
    return NetworkCommunity(
        community=CommunityRef.model_validate(circle.community),
        score=round(score, 4),
        reasons=circle.reasons(),
        relevance=round(best.relevance, 4) if calibrated else None,
        label=best.label,
    )


def _practice_reason(practice: HitRow, section: str) -> str:
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
        hits = [h for h in hits if h.label is None or confidence.on_topic(h.label)]
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
