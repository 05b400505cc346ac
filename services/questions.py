"""Questions to the network and their answers; 'toegepast' records and collegial feedback on practices."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.orm import Session

from core.errors import Forbidden, InvalidInput, NotFound
from core.vocab import DocKind
from schemas.directory import CommunityRef, PersonRef
from schemas.network import AnswerCreate, AnswerRead, QuestionCreate, QuestionRead
from services import audit
from services.access import AccessPolicy
from storage.models import Answer, Application, Feedback, Person, Practice, Question
from storage.repositories import directory, index_tasks
from storage.repositories import practices as practices_repo
from storage.repositories import questions as repo


def person_ref(person: Person | None, policy: AccessPolicy) -> PersonRef | None:
    """A person as others may see them: nobody, when their profile is hidden from this caller."""
    if person is None or person.profile_visibility not in policy.visible_profiles():
        return None
    return PersonRef.model_validate(person)


def to_read(question: Question, policy: AccessPolicy) -> QuestionRead:
    return QuestionRead(
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
                practices=a.practice_ids,
                accepted=a.id == question.accepted_answer_id,
                created_at=a.created_at,
            )
            for a in question.answers
        ],
    )


def require_question(session: Session, question_id: uuid.UUID, policy: AccessPolicy) -> Question:
    question = repo.get(session, question_id, policy.question_clause())
    if question is None:
        raise NotFound("no question with this id", field="id")
    return question


def ask_question(session: Session, data: QuestionCreate, policy: AccessPolicy) -> Question:
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
        answers=[],
    )
    session.add(question)
    session.flush()
    index_tasks.enqueue(session, DocKind.QUESTION, [question.id])
    return question


def answer(session: Session, question_id: uuid.UUID, data: AnswerCreate, policy: AccessPolicy) -> Answer:
    policy.require_signed_in()
    question = require_question(session, question_id, policy)
    practice_ids = []
    for position, slug in enumerate(data.practices):
        found = practices_repo.get_many(session, practices_repo.ids_by_slugs(session, [slug]), policy.practice_clause())
        if not found:
            raise InvalidInput(f"no practice with slug {slug!r}", field=f"practices[{position}]")
        practice_ids.append(str(next(iter(found))))
    reply = Answer(
        question_id=question.id, author_id=policy.viewer.person_id, body=data.body, practice_ids=practice_ids
    )
    session.add(reply)
    question.version += 1  # the answers are part of what is indexed
    session.flush()
    index_tasks.enqueue(session, DocKind.QUESTION, [question.id])
    return reply


def accept(session: Session, question_id: uuid.UUID, answer_id: uuid.UUID, policy: AccessPolicy) -> Question:
    policy.require_signed_in()
    question = require_question(session, question_id, policy)
    if not (policy.viewer.is_admin or question.asker_id == policy.viewer.person_id):
        raise Forbidden("only the asker accepts an answer")
    if answer_id not in {a.id for a in question.answers}:
        raise InvalidInput("this answer does not belong to the question", field="answer_id")
    question.accepted_answer_id = answer_id
    audit.record(
        session, policy.viewer.person_id, "question.accepted", "question", question.id, {"answer": str(answer_id)}
    )
    return question


def apply_practice(
    session: Session, practice: Practice, policy: AccessPolicy, *, organisation: str | None, applied_on: date, note: str
) -> Application:
    policy.require_signed_in()
    if applied_on > date.today():
        raise InvalidInput("a practice cannot be applied in the future", field="applied_on")
    org = None
    if organisation:
        org = directory.organisation_by_slug(session, organisation)
        if org is None:
            raise InvalidInput(f"no organisation with slug {organisation!r}", field="organisation")
    elif policy.viewer.person_id:
        person = session.get(Person, policy.viewer.person_id)
        org_id = person.organisation_id if person else None
        org = directory.organisation_by_id(session, org_id) if org_id else None
    record = Application(
        practice_id=practice.id,
        person_id=policy.viewer.person_id,
        organisation_id=org.id if org else None,
        applied_on=applied_on,
        note=note,
    )
    session.add(record)
    session.flush()
    return record


def give_feedback(session: Session, practice: Practice, policy: AccessPolicy, body: str) -> Feedback:
    policy.require_signed_in()
    record = Feedback(practice_id=practice.id, person_id=policy.viewer.person_id, body=body)
    session.add(record)
    session.flush()
    return record
