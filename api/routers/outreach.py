"""Your notifications ('Meldingen') and what you follow."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from api.deps import PolicyDep, SessionDep, SignedInDep
from api.errors import ERROR_RESPONSES
from api.ratelimit import WriteLimited
from core.vocab import FollowKind
from schemas.outreach import TARGET_PATTERN, FollowCreate, FollowRead, NotificationList, UnreadCount
from services import follows, notifications

router = APIRouter(prefix="/me", tags=["notifications"], responses=ERROR_RESPONSES)
TargetPath = Annotated[
    str, Path(pattern=TARGET_PATTERN, description="A theme's value, a community's or practice's slug, a question's id.")
]


@router.get("/notifications", response_model=NotificationList)
def list_notifications(
    session: SessionDep,
    policy: PolicyDep,
    _account: SignedInDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    unread_only: Annotated[bool, Query(description="Only those not yet read.")] = False,
) -> NotificationList:
    """Your notifications, newest first, with the subject's current title and page, and how many are unread."""
    return notifications.listing(session, policy, limit=limit, unread_only=unread_only)


@router.post("/notifications/read-all", response_model=UnreadCount)
def mark_all_notifications_read(
    session: SessionDep, policy: PolicyDep, _account: SignedInDep, _limit: WriteLimited
) -> UnreadCount:
    """Mark all your notifications read."""
    return notifications.mark_all_read(session, policy)


@router.post("/notifications/{notification_id}/read", response_model=UnreadCount)
def mark_notification_read(
    notification_id: uuid.UUID, session: SessionDep, policy: PolicyDep, _account: SignedInDep, _limit: WriteLimited
) -> UnreadCount:
    """Mark one of your notifications read; the answer says how many are still unread."""
    return notifications.mark_read(session, policy, notification_id)


@router.get("/follows", response_model=list[FollowRead])
def list_follows(session: SessionDep, policy: PolicyDep, _account: SignedInDep) -> list[FollowRead]:
    """What you follow: themes, communities, practices (new versions) and questions (new answers), newest first."""
    return follows.follows_of(session, policy)


@router.post(
    "/follows",
    response_model=FollowRead,
    status_code=status.HTTP_201_CREATED,
    responses={status.HTTP_200_OK: {"model": FollowRead, "description": "Followed already: nothing changed."}},
)
def follow(
    data: FollowCreate, response: Response, session: SessionDep, policy: PolicyDep, _account: SignedInDep,
    _limit: WriteLimited,
) -> FollowRead:  # fmt: skip
    """Follow a theme, a community, a practice or a question: its news comes to your notifications."""
    read, new = follows.follow(session, policy, data)
    if not new:
        response.status_code = status.HTTP_200_OK
    return read


@router.delete("/follows/{kind}/{target}", status_code=status.HTTP_204_NO_CONTENT)
def unfollow(
    kind: FollowKind, target: TargetPath, session: SessionDep, policy: PolicyDep, _account: SignedInDep,
    _limit: WriteLimited,
) -> None:  # fmt: skip
    """Stop following something."""
    follows.unfollow(session, policy, kind, target)
