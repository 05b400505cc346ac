"""Ask the network; questions and answers; applied and feedback; suggestions; similar-check; knowledge gaps."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import PolicyDep, SearcherDep, SessionDep
from api.errors import ERROR_RESPONSES
from api.ratelimit import WriteLimited
from api.routers.common import find_practice
from core.errors import NotFound
from schemas.directory import OrganisationRef
from schemas.network import (
    AcceptAnswer,
    AnswerCreate,
    AnswerRead,
    ApplicationCreate,
    ApplicationRead,
    AskRequest,
    AskResponse,
    DraftCheck,
    FeedbackCreate,
    FeedbackRead,
    GapRead,
    QuestionCreate,
    QuestionRead,
    SimilarPractice,
    SuggestedQuestion,
)
from services import gaps as gap_service
from services import network
from services import questions as service
from storage.repositories import directory
from storage.repositories import questions as repo
from storage.repositories.practices import PracticeFilters

router = APIRouter(tags=["network"], responses=ERROR_RESPONSES)


@router.post("/ask", response_model=AskResponse)
def ask(data: AskRequest, session: SessionDep, policy: PolicyDep, searcher: SearcherDep) -> AskResponse:
    """A new question or case: related practices, and the people, communities and earlier questions that know."""
    filters = PracticeFilters(
        themes=[t.value for t in data.filters.themes],
        legal_frames=[f.value for f in data.filters.legal_frames],
        recognition_levels=[r.value for r in data.filters.recognition_levels],
    )
    return network.ask(session, searcher, policy, data.question, filters, limit=data.limit)


@router.get("/questions", response_model=list[QuestionRead])
def list_questions(
    session: SessionDep,
    policy: PolicyDep,
    open_only: Annotated[bool, Query(alias="open")] = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[QuestionRead]:
    """Recent questions you may see, with their answers."""
    found = repo.recent(session, policy.question_clause(), limit=limit, open_only=open_only)
    return [service.to_read(q, policy) for q in found]


@router.post("/questions", response_model=QuestionRead, status_code=status.HTTP_201_CREATED)
def ask_question(data: QuestionCreate, session: SessionDep, policy: PolicyDep, _limit: WriteLimited) -> QuestionRead:
    """Put a question to the network; you choose who may see it."""
    question = service.ask_question(session, data, policy)
    return service.to_read(service.require_question(session, question.id, policy), policy)


@router.get("/questions/{question_id}", response_model=QuestionRead)
def get_question(question_id: uuid.UUID, session: SessionDep, policy: PolicyDep) -> QuestionRead:
    """One question with its answers."""
    return service.to_read(service.require_question(session, question_id, policy), policy)


@router.post("/questions/{question_id}/answers", response_model=AnswerRead, status_code=status.HTTP_201_CREATED)
def answer_question(
    question_id: uuid.UUID, data: AnswerCreate, session: SessionDep, policy: PolicyDep, _limit: WriteLimited
) -> AnswerRead:
    """Answer a question, optionally pointing at practices."""
    reply = service.answer(session, question_id, data, policy)
    question = service.require_question(session, question_id, policy)
    return next(a for a in service.to_read(question, policy).answers if a.id == reply.id)


@router.post("/questions/{question_id}/accept", response_model=QuestionRead)
def accept_answer(
    question_id: uuid.UUID, data: AcceptAnswer, session: SessionDep, policy: PolicyDep, _limit: WriteLimited
) -> QuestionRead:
    """Mark one answer as the accepted one (the asker)."""
    service.accept(session, question_id, data.answer_id, policy)
    return service.to_read(service.require_question(session, question_id, policy), policy)


@router.get("/practices/{ref}/applications", response_model=list[ApplicationRead])
def list_applications(ref: str, session: SessionDep, policy: PolicyDep) -> list[ApplicationRead]:
    """Where this practice was applied, by whom, and how it went."""
    practice = find_practice(session, ref, policy)
    return [
        ApplicationRead(
            id=a.id,
            person=service.person_ref(a.person, policy),
            organisation=OrganisationRef.model_validate(a.organisation) if a.organisation else None,
            applied_on=a.applied_on,
            note=a.note,
        )
        for a in repo.applications_of(session, [practice.id])
    ]


@router.post("/practices/{ref}/applications", response_model=ApplicationRead, status_code=status.HTTP_201_CREATED)
def add_application(
    ref: str, data: ApplicationCreate, session: SessionDep, policy: PolicyDep, _limit: WriteLimited
) -> ApplicationRead:
    """'Toegepast': I applied this practice (where, when, how it went)."""
    practice = find_practice(session, ref, policy)
    record = service.apply_practice(
        session, practice, policy, organisation=data.organisation, applied_on=data.applied_on, note=data.note
    )
    org = directory.organisation_by_id(session, record.organisation_id) if record.organisation_id else None
    return ApplicationRead(
        id=record.id,
        person=None,
        organisation=OrganisationRef.model_validate(org) if org else None,
        applied_on=record.applied_on,
        note=record.note,
    )


@router.get("/practices/{ref}/feedback", response_model=list[FeedbackRead])
def list_feedback(ref: str, session: SessionDep, policy: PolicyDep) -> list[FeedbackRead]:
    """Collegial feedback on this practice."""
    practice = find_practice(session, ref, policy)
    return [
        FeedbackRead(id=f.id, person=service.person_ref(f.person, policy), body=f.body, created_at=f.created_at)
        for f in repo.feedback_of(session, practice.id)
    ]


@router.post("/practices/{ref}/feedback", response_model=FeedbackRead, status_code=status.HTTP_201_CREATED)
def add_feedback(
    ref: str, data: FeedbackCreate, session: SessionDep, policy: PolicyDep, _limit: WriteLimited
) -> FeedbackRead:
    """Give collegial feedback on a practice."""
    practice = find_practice(session, ref, policy)
    record = service.give_feedback(session, practice, policy, data.body)
    return FeedbackRead(id=record.id, person=None, body=record.body, created_at=record.created_at)


@router.post("/practices/similar-check", response_model=list[SimilarPractice])
def similar_check(
    data: DraftCheck,
    session: SessionDep,
    policy: PolicyDep,
    searcher: SearcherDep,
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> list[SimilarPractice]:
    """Before publishing: existing practices that look like this draft, so one practice improves instead of two."""
    text = "\n".join(part for part in (data.title, data.summary, data.situation, data.approach) if part)
    return network.similar_check(session, searcher, policy, text, limit=limit)


@router.get("/people/{slug}/suggested-questions", response_model=list[SuggestedQuestion])
def suggested_questions(
    slug: str,
    session: SessionDep,
    policy: PolicyDep,
    searcher: SearcherDep,
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> list[SuggestedQuestion]:
    """Open questions close to this person's work, best first."""
    person = directory.person_by_slug(session, slug)
    if person is None or person.profile_visibility not in policy.visible_profiles():
        raise NotFound("no person with this slug", field="slug")
    return network.suggested_questions(session, searcher, policy, person, limit=limit)


@router.get("/insights/gaps", response_model=list[GapRead])
def knowledge_gaps(
    session: SessionDep, policy: PolicyDep, days: Annotated[int, Query(ge=1, le=365)] = 90
) -> list[GapRead]:
    """What the network asks but has no good practice for, per theme (counts only; signed-in users)."""
    policy.require_signed_in()
    return gap_service.gaps(session, days)
