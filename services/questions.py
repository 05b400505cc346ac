"""Questions to the network and their answers; 'toegepast' records and collegial feedback on practices."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from core.errors import InvalidInput, NotFound
from core.vocab import DocKind, EventKind
from schemas.directory import CommunityRef, OrganisationRef, PersonRef
from schemas.network import (
    AnswerCreate,
    AnswerRead,
    ApplicationCreate,
    ApplicationRead,
    FeedbackRead,
    QuestionCreate,
    QuestionRead,
)
from services import audit, events
from services import practices as practice_service
from services.access import AccessPolicy
from services.practices import PracticeRef
from storage.models import Answer, Application, Feedback, Person, Question
from storage.repositories import directory, index_tasks
from storage.repositories import practices as practices_repo
from storage.repositories import questions as repo


def person_ref(person: Person | None, policy: AccessPolicy) -> PersonRef | None:
    """A person as others may see them: nobody, when their profile is hidden from this caller."""
    return PersonRef.model_validate(person) if policy.can_see_profile(person) else None


def to_reads(session: Session, questions: Sequence[Question], policy: AccessPolicy) -> list[QuestionRead]:
    """Questions as the caller may see them. An answer names the practices it points at by slug, and only those
    the caller may read: a draft behind an answer stays unknown to outsiders."""
    pointed = {uuid.UUID(pid) for q in questions for a in q.answers for pid in a.practice_ids}
    readable = practices_repo.get_many(session, list(pointed), policy.practice_clause())
    slugs = {str(pid): p.slug for pid, p in readable.items()}
    return [
        QuestionRead(
            id=question.id,
            title=question.title,
            body=question.body,
            asker=person_ref(question.asker, policy),
            visibility=question.visibility,
            community=CommunityRef.model_validate(question.community) if question.community else None,
            themes=list(question.themes),
            created_at=question.created_at,
            answers=[
                AnswerRead(
                    id=a.id,
                    author=person_ref(a.author, policy),
                    body=a.body,
                    practices=[slugs[pid] for pid in a.practice_ids if pid in slugs],
                    accepted=a.id == question.accepted_answer_id,
                    created_at=a.created_at,
                )
                for a in question.answers
            ],
        )
        for question in questions
    ]


def to_read(session: Session, question: Question, policy: AccessPolicy) -> QuestionRead:
    return to_reads(session, [question], policy)[0]


def list_questions(session: Session, policy: AccessPolicy, *, open_only: bool, limit: int) -> list[QuestionRead]:
    """Recent questions the caller may see, with their answers."""
    return to_reads(session, repo.recent(session, policy.question_clause(), limit=limit, open_only=open_only), policy)


def get_question(session: Session, question_id: uuid.UUID, policy: AccessPolicy) -> QuestionRead:
    return to_read(session, require_question(session, question_id, policy), policy)


@dataclass(frozen=True)
class QuestionPage:
    question: QuestionRead
    may_accept: bool  # the caller may accept an answer (the asker, an admin)
    answered: bool  # an answer was accepted


def question_page(session: Session, question_id: uuid.UUID, policy: AccessPolicy) -> QuestionPage:
    """A question with its answers as the caller reads it, and whether they may accept one."""
    question = require_question(session, question_id, policy)
    read = to_read(session, question, policy)
    return QuestionPage(read, policy.may_accept(question), question.accepted_answer_id is not None)


def require_question(session: Session, question_id: uuid.UUID, policy: AccessPolicy) -> Question:
    question = repo.get(session, question_id, policy.question_clause())
    if question is None:
        raise NotFound("no question with this id", field="id")
    return question


def ask_question(session: Session, data: QuestionCreate, policy: AccessPolicy) -> QuestionRead:
    policy.require_signed_in()
    community = None
    if data.community:
        community = directory.community_by_slug(session, data.community)
        if community is None:
            raise InvalidInput(f"no community with slug {data.community!r}", field="community")
        policy.require_member(community.id)
    elif data.visibility == "community":
        raise InvalidInput("a community question needs a community", field="community")
    question = Question(
        title=data.title,
        body=data.body,
        asker_id=policy.viewer.person_id,
        visibility=data.visibility.value,
        community_id=community.id if community else None,
        themes=[t.value for t in data.themes],
        share_text=data.share_text,
        answers=[],
    )
    session.add(question)
    session.flush()
    index_tasks.enqueue(session, DocKind.QUESTION, [question.id])
    events.emit(session, EventKind.QUESTION_CREATED, question.id, policy.viewer.person_id)
    return get_question(session, question.id, policy)


def answer(session: Session, question_id: uuid.UUID, data: AnswerCreate, policy: AccessPolicy) -> AnswerRead:
    policy.require_signed_in()
    question = require_question(session, question_id, policy)
    practice_ids = []
    for position, slug in enumerate(data.practices):
        found = practices_repo.get_many(session, practices_repo.ids_by_slugs(session, [slug]), policy.practice_clause())
        if not found:
            raise InvalidInput(f"no practice with slug {slug!r}", field=f"practices[{position}]")
        practice_ids.append(str(next(iter(found))))
    author = session.get(Person, policy.viewer.person_id) if policy.viewer.person_id else None
    reply = Answer(author=author, body=data.body, practice_ids=practice_ids)
    question.answers.append(reply)  # the loaded question shows its new answer without a reload
    question.version += 1  # the answers are part of what is indexed
    session.flush()
    index_tasks.enqueue(session, DocKind.QUESTION, [question.id])
    events.emit(session, EventKind.ANSWER_CREATED, question.id, policy.viewer.person_id, answer=str(reply.id))
    return next(a for a in to_read(session, question, policy).answers if a.id == reply.id)


def accept(session: Session, question_id: uuid.UUID, answer_id: uuid.UUID, policy: AccessPolicy) -> QuestionRead:
    policy.require_signed_in()
    question = require_question(session, question_id, policy)
    policy.require_accept(question)
    if answer_id not in {a.id for a in question.answers}:
        raise InvalidInput("this answer does not belong to the question", field="answer_id")
    question.accepted_answer_id = answer_id
    events.emit(session, EventKind.ANSWER_ACCEPTED, question.id, policy.viewer.person_id, answer=str(answer_id))
    audit.record(
        session, policy.viewer.person_id, "question.accepted", "question", question.id, {"answer": str(answer_id)}
    )
    session.flush()
    return to_read(session, question, policy)


def _application_read(record: Application, policy: AccessPolicy) -> ApplicationRead:
    return ApplicationRead(
        id=record.id,
        person=person_ref(record.person, policy),
        organisation=OrganisationRef.model_validate(record.organisation) if record.organisation else None,
        applied_on=record.applied_on,
        note=record.note,
    )


def applications(session: Session, ref: PracticeRef, policy: AccessPolicy) -> list[ApplicationRead]:
    """Where a practice was applied, by whom (as far as their profile shows), and how it went."""
    practice = practice_service.find(session, ref, policy)
    return [_application_read(a, policy) for a in repo.applications_of(session, [practice.id])]


def apply_practice(
    session: Session, ref: PracticeRef, data: ApplicationCreate, policy: AccessPolicy
) -> ApplicationRead:
    """'Toegepast': the caller applied this practice (where, when, how it went)."""
    policy.require_signed_in()
    practice = practice_service.find(session, ref, policy)
    if data.applied_on > date.today():
        raise InvalidInput("a practice cannot be applied in the future", field="applied_on")
    org = None
    if data.organisation:
        org = directory.organisation_by_slug(session, data.organisation)
        if org is None:
            raise InvalidInput(f"no organisation with slug {data.organisation!r}", field="organisation")
    elif policy.viewer.person_id:
        person = session.get(Person, policy.viewer.person_id)
        org_id = person.organisation_id if person else None
        org = directory.organisation_by_id(session, org_id) if org_id else None
    record = Application(
        practice_id=practice.id,
        person_id=policy.viewer.person_id,
        organisation_id=org.id if org else None,
        applied_on=data.applied_on,
        note=data.note,
    )
    session.add(record)
    session.flush()
    events.emit(session, EventKind.PRACTICE_APPLIED, practice.id, policy.viewer.person_id, application=str(record.id))
    return next(a for a in applications(session, practice.id, policy) if a.id == record.id)


def feedback(session: Session, ref: PracticeRef, policy: AccessPolicy) -> list[FeedbackRead]:
    """Collegial feedback on a practice."""
    practice = practice_service.find(session, ref, policy)
    return [
        FeedbackRead(id=f.id, person=person_ref(f.person, policy), body=f.body, created_at=f.created_at)
        for f in repo.feedback_of(session, practice.id)
    ]


def give_feedback(session: Session, ref: PracticeRef, body: str, policy: AccessPolicy) -> FeedbackRead:
    policy.require_signed_in()
    practice = practice_service.find(session, ref, policy)
    record = Feedback(practice_id=practice.id, person_id=policy.viewer.person_id, body=body)
    session.add(record)
    session.flush()
    events.emit(session, EventKind.PRACTICE_FEEDBACK, practice.id, policy.viewer.person_id, feedback=str(record.id))
    return next(f for f in feedback(session, practice.id, policy) if f.id == record.id)
