"""Who hears of an event, and why: the people a notification is meant for, before access is checked.

Each event names its recipients in the order that matters: where one person is meant twice for one item (the asker
who also follows the question, an expert who follows the theme), the first, most particular kind is the one made,
because both share the item's key and a person gets one notification per key (``services.notifications.notify``).

A practice offered for review outside a community is nobody's to review: its own authors publish it (see
``AccessPolicy.may_publish``), so nobody is told.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import true
from sqlalchemy.orm import Session

from core.vocab import REVIEWING_ROLES, EventKind, FollowKind, NotificationKind
from indexing.search import HybridSearcher
from services import auth, network
from services.access import ANONYMOUS, AccessPolicy, Viewer, owners_of
from services.confidence import on_topic
from services.events import Event
from services.follows import practice_targets, question_targets
from storage.models import Answer, Practice, Question
from storage.repositories import directory, follows
from storage.repositories import notifications as notifications_repo
from storage.repositories import practices as practices_repo

SUGGESTED_PEOPLE = 10  # at most this many of them, best first

# The first part of a notification's key: which event made it (the key is "<prefix>:<item>").
PREFIXES: dict[EventKind, str] = {
    EventKind.QUESTION_CREATED: "question",
    EventKind.ANSWER_CREATED: "answer",
    EventKind.ANSWER_ACCEPTED: "accepted",
    EventKind.PRACTICE_APPLIED: "applied",
    EventKind.PRACTICE_FEEDBACK: "feedback",
    EventKind.PRACTICE_SUBMITTED: "review",
    EventKind.PRACTICE_PUBLISHED: "published",
    EventKind.PRACTICE_SENT_BACK: "sent_back",
    EventKind.PRACTICE_UPDATED: "updated",
}
EVENTS_BY_PREFIX = {prefix: kind for kind, prefix in PREFIXES.items()}


@dataclass(frozen=True)
class Recipient:
    person_id: uuid.UUID
    kind: NotificationKind
    subject_kind: str  # "practice" | "question"
    subject_id: uuid.UUID
    key: str


def of(session: Session, searcher: Callable[[], HybridSearcher], event: Event) -> list[Recipient]:
    """The people meant to hear of ``event``, most particular first; never the one who did it."""
    if event.kind in (EventKind.QUESTION_CREATED, EventKind.ANSWER_CREATED, EventKind.ANSWER_ACCEPTED):
        question = session.get(Question, event.subject_id)
        meant = [] if question is None else _of_question(session, searcher, event, question)
    else:
        practice = practices_repo.get(session, event.subject_id, true())
        meant = [] if practice is None else _of_practice(session, event, practice)
    return [r for r in meant if r.person_id != event.actor_id]


def _key(event: Event, item: object) -> str:
    return f"{PREFIXES[event.kind]}:{item}"


def _of_question(
    session: Session, searcher: Callable[[], HybridSearcher], event: Event, question: Question
) -> list[Recipient]:
    def each(people: list[uuid.UUID], kind: NotificationKind, key: str) -> list[Recipient]:
        return [Recipient(p, kind, "question", question.id, key) for p in people]

    if event.kind == EventKind.QUESTION_CREATED:
        key = _key(event, question.id)
        experts = [p for p in who_know(session, searcher(), question) if p != question.asker_id]
        return each(experts, NotificationKind.SUGGESTED_QUESTION, key) + each(
            follows.followers(session, question_targets(question)), NotificationKind.FOLLOWED, key
        )
    answer = session.get(Answer, uuid.UUID(event.data["answer"]))
    if answer is None or answer.question_id != question.id:
        return []
    key = _key(event, answer.id)
    if event.kind == EventKind.ANSWER_ACCEPTED:
        return each([answer.author_id] if answer.author_id else [], NotificationKind.ACCEPTED, key)
    asker = [question.asker_id] if question.asker_id else []
    followers = follows.followers(session, [(FollowKind.QUESTION.value, str(question.id))])
    told = each(asker, NotificationKind.ANSWER, key) + each(followers, NotificationKind.FOLLOWED, key)
    return [r for r in told if r.person_id != answer.author_id]


def who_know(session: Session, searcher: HybridSearcher, question: Question) -> list[uuid.UUID]:
    """The people ``/ask`` suggests for this question to its asker, at 'mogelijk' or better, best first."""
    text = f"{question.title}\n{question.body}"
    people = network.people_who_know(session, searcher, _asker_policy(session, question), text, limit=SUGGESTED_PEOPLE)
    return [person.id for person, label in people if on_topic(label)]


def _asker_policy(session: Session, question: Question) -> AccessPolicy:
    """The evidence is what the asker's own /ask would weigh: what the asker may read."""
    if question.asker_id is None:
        return AccessPolicy(ANONYMOUS)
    account = notifications_repo.accounts_of(session, [question.asker_id]).get(question.asker_id)
    return AccessPolicy(auth.viewer_for(session, account) if account else Viewer(person_id=question.asker_id))


def _of_practice(session: Session, event: Event, practice: Practice) -> list[Recipient]:
    def each(people: list[uuid.UUID], kind: NotificationKind, item: object) -> list[Recipient]:
        return [Recipient(p, kind, "practice", practice.id, _key(event, item)) for p in people]

    authors = sorted(owners_of(practice), key=str)
    revision = f"{practice.id}:{event.data.get('version', practice.version)}"
    match event.kind:
        case EventKind.PRACTICE_APPLIED:
            return each(authors, NotificationKind.APPLIED, event.data["application"])
        case EventKind.PRACTICE_FEEDBACK:
            return each(authors, NotificationKind.FEEDBACK, event.data["feedback"])
        case EventKind.PRACTICE_SENT_BACK:
            return each(authors, NotificationKind.SENT_BACK, revision)
        case EventKind.PRACTICE_PUBLISHED:
            # An import (no actor: the operator's seed or restore) published nothing anyone did: no news to authors.
            published = each(authors, NotificationKind.PUBLISHED, revision) if event.actor_id else []
            followers = follows.followers(session, practice_targets(practice))
            return published + each(followers, NotificationKind.FOLLOWED, revision)
        case EventKind.PRACTICE_SUBMITTED if practice.community_id is not None:
            reviewers = directory.members_with_roles(session, practice.community_id, REVIEWING_ROLES)
            return each(reviewers, NotificationKind.REVIEW, revision)
        case EventKind.PRACTICE_UPDATED:
            followers = follows.followers(session, [(FollowKind.PRACTICE.value, str(practice.id))])
            return each(followers, NotificationKind.FOLLOWED, revision)
    return []
