"""Ask the network; questions and answers; applied and feedback; suggestions; similar-check; knowledge gaps."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import FinderDep, PolicyDep, SessionDep
from api.errors import ERROR_RESPONSES
from api.ratelimit import WriteLimited
from api.routers.common import FewResults, RefPath, SlugPath
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
from storage.repositories.practices import PracticeFilters

router = APIRouter(tags=["network"], responses=ERROR_RESPONSES)


@router.post("/ask", response_model=AskResponse)
def ask(data: AskRequest, find: FinderDep) -> AskResponse:
    """A new question or case: related practices, and the people, communities and earlier questions that know."""
    filters = PracticeFilters(
        themes=[t.value for t in data.filters.themes],
        legal_frames=[f.value for f in data.filters.legal_frames],
        recognition_levels=[r.value for r in data.filters.recognition_levels],
    )
    return network.ask(find.session, find.searcher, find.policy, data.question, filters, limit=data.limit)


@router.get("/questions", response_model=list[QuestionRead])
def list_questions(
    session: SessionDep,
    policy: PolicyDep,
    open_only: Annotated[bool, Query(alias="open")] = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[QuestionRead]:
    """Recent questions you may see, with their answers."""
    return service.list_questions(session, policy, open_only=open_only, limit=limit)


@router.post("/questions", response_model=QuestionRead, status_code=status.HTTP_201_CREATED)
def ask_question(data: QuestionCreate, session: SessionDep, policy: PolicyDep, _limit: WriteLimited) -> QuestionRead:
    """Put a question to the network; you choose who may see it."""
    return service.ask_question(session, data, policy)


@router.get("/questions/{question_id}", response_model=QuestionRead)
def get_question(question_id: uuid.UUID, session: SessionDep, policy: PolicyDep) -> QuestionRead:
    """One question with its answers."""
    return service.get_question(session, question_id, policy)


@router.post("/questions/{question_id}/answers", response_model=AnswerRead, status_code=status.HTTP_201_CREATED)
def answer_question(
    question_id: uuid.UUID, data: AnswerCreate, session: SessionDep, policy: PolicyDep, _limit: WriteLimited
) -> AnswerRead:
    """Answer a question, optionally pointing at practices."""
    return service.answer(session, question_id, data, policy)


@router.post("/questions/{question_id}/accept", response_model=QuestionRead)
def accept_answer(
    question_id: uuid.UUID, data: AcceptAnswer, session: SessionDep, policy: PolicyDep, _limit: WriteLimited
) -> QuestionRead:
    """Mark one answer as the accepted one (the asker)."""
    return service.accept(session, question_id, data.answer_id, policy)


@router.get("/practices/{ref}/applications", response_model=list[ApplicationRead])
def list_applications(ref: RefPath, session: SessionDep, policy: PolicyDep) -> list[ApplicationRead]:
    """Where this practice was applied, by whom, and how it went."""
    return service.applications(session, ref, policy)


@router.post("/practices/{ref}/applications", response_model=ApplicationRead, status_code=status.HTTP_201_CREATED)
def add_application(
    ref: RefPath, data: ApplicationCreate, session: SessionDep, policy: PolicyDep, _limit: WriteLimited
) -> ApplicationRead:
    """'Toegepast': I applied this practice (where, when, how it went)."""
    return service.apply_practice(session, ref, data, policy)


@router.get("/practices/{ref}/feedback", response_model=list[FeedbackRead])
def list_feedback(ref: RefPath, session: SessionDep, policy: PolicyDep) -> list[FeedbackRead]:
    """Collegial feedback on this practice."""
    return service.feedback(session, ref, policy)


@router.post("/practices/{ref}/feedback", response_model=FeedbackRead, status_code=status.HTTP_201_CREATED)
def add_feedback(
    ref: RefPath, data: FeedbackCreate, session: SessionDep, policy: PolicyDep, _limit: WriteLimited
) -> FeedbackRead:
    """Give collegial feedback on a practice."""
    return service.give_feedback(session, ref, data.body, policy)


@router.post("/practices/similar-check", response_model=list[SimilarPractice])
def similar_check(data: DraftCheck, find: FinderDep, limit: FewResults = 5) -> list[SimilarPractice]:
    """Before publishing: existing practices that look like this draft, so one practice improves instead of two."""
    return network.similar_check(find.session, find.searcher, find.policy, data, limit=limit)


@router.get("/people/{slug}/suggested-questions", response_model=list[SuggestedQuestion])
def suggested_questions(slug: SlugPath, find: FinderDep, limit: FewResults = 5) -> list[SuggestedQuestion]:
    """Open questions close to this person's work, best first."""
    return network.suggested_questions(find.session, find.searcher, find.policy, slug, limit=limit)


@router.get("/insights/gaps", response_model=list[GapRead])
def knowledge_gaps(
    session: SessionDep, policy: PolicyDep, days: Annotated[int, Query(ge=1, le=365)] = 90
) -> list[GapRead]:
    """What the network asks but has no good practice for, per theme (counts only; signed-in users)."""
    return gap_service.gaps(session, policy, days)
