"""The curator's review: a queue per community, publish with a recognition level, or send back with a comment."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from core.errors import MissingInput
from core.vocab import RecognitionLevel, Status
from services import practices
from services.access import AccessPolicy, Author
from services.practices import PracticeRef
from storage.models import Practice
from storage.repositories import browse as repo

Decision = Literal["publish", "send_back"]


@dataclass(frozen=True)
class Waiting:
    practice: Practice
    authors: list[Author]


def queue(session: Session, policy: AccessPolicy) -> list[Waiting]:
    """Practices in review in the communities the caller curates (all communities for an admin)."""
    waiting = repo.in_review(session, policy.reviewed_communities(), policy.practice_clause())
    return [Waiting(practice, policy.authors(practice)) for practice in waiting]


def decide(
    session: Session,
    ref: PracticeRef,
    decision: Decision,
    *,
    version: int,
    level: RecognitionLevel,
    comment: str,
    policy: AccessPolicy,
) -> Practice:
    """The review form's use case: publish the ``version`` the curator read with its level, or send it back; a
    practice changed since then is refused (412), so nobody publishes a text they did not see."""
    practice = practices.find(session, ref, policy)
    if_match = practices.etag(practice, version)
    if decision == "publish":
        return publish(session, practice.id, level, comment, policy=policy, if_match=if_match)
    return send_back(session, practice.id, comment, policy=policy, if_match=if_match)


def publish(
    session: Session,
    practice_id: uuid.UUID,
    level: RecognitionLevel,
    explanation: str,
    *,
    policy: AccessPolicy,
    if_match: str | None,
) -> Practice:
    """Publish with the level the curator assessed; the level is set first, so it is never published unassessed."""
    if not explanation.strip():
        raise MissingInput("explain the recognition level", field="comment")
    practices.set_recognition(
        session, practice_id, level, explanation=explanation.strip(), reassess_on=None, policy=policy,
        if_match=if_match,
    )  # fmt: skip
    return practices.transition(session, practice_id, Status.PUBLISHED, policy=policy, if_match=None, note=None)


def send_back(
    session: Session, practice_id: uuid.UUID, comment: str, *, policy: AccessPolicy, if_match: str | None
) -> Practice:
    """Back to draft, with the curator's comment kept in the version history and the audit log."""
    if not comment.strip():
        raise MissingInput("say what should change", field="comment")
    return practices.transition(
        session, practice_id, Status.DRAFT, policy=policy, if_match=if_match, note=f"teruggestuurd: {comment.strip()}"
    )
