"""The curator's review: a queue per community, publish with a recognition level, or send back with a comment."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from core.errors import InvalidInput
from core.vocab import RecognitionLevel, Status
from services import practices
from services.access import AccessPolicy
from storage.models import Practice
from storage.repositories import browse as repo


def queue(session: Session, policy: AccessPolicy) -> list[Practice]:
    """Practices in review in the communities the caller curates (all communities for an admin)."""
    return repo.in_review(session, policy.reviewed_communities(), policy.practice_clause())


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
        raise InvalidInput("explain the recognition level", field="comment")
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
        raise InvalidInput("say what should change", field="comment")
    return practices.transition(
        session, practice_id, Status.DRAFT, policy=policy, if_match=if_match, note=f"teruggestuurd: {comment.strip()}"
    )
