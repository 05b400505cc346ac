"""Managing communities and roles, and reading the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.deps import PolicyDep, SessionDep
from api.errors import ERROR_RESPONSES
from api.ratelimit import WriteLimited
from api.routers.common import SlugPath
from schemas.accounts import AuditRead, CommunityCreate, MembershipSet
from schemas.directory import CommunityRead
from services import directory as service

router = APIRouter(tags=["administration"], responses=ERROR_RESPONSES)


@router.post("/communities", response_model=CommunityRead, status_code=status.HTTP_201_CREATED)
def create_community(
    data: CommunityCreate, session: SessionDep, policy: PolicyDep, _limit: WriteLimited
) -> CommunityRead:
    """Start a learning community (admins)."""
    return service.create_community(session, data, policy)


@router.put("/communities/{slug}/members/{person_slug}", status_code=status.HTTP_204_NO_CONTENT)
def set_membership(
    slug: SlugPath,
    person_slug: SlugPath,
    data: MembershipSet,
    session: SessionDep,
    policy: PolicyDep,
    _limit: WriteLimited,
) -> Response:
    """Add a member or change their role (member, coach, curator)."""
    service.set_membership(session, slug, person_slug, data, policy)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/communities/{slug}/members/{person_slug}", status_code=status.HTTP_204_NO_CONTENT)
def remove_membership(
    slug: SlugPath, person_slug: SlugPath, session: SessionDep, policy: PolicyDep, _limit: WriteLimited
) -> Response:
    """Remove someone from a community."""
    service.remove_membership(session, slug, person_slug, policy)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/audit", response_model=list[AuditRead])
def audit_log(
    session: SessionDep,
    policy: PolicyDep,
    target_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditRead]:
    """Who did what when, newest first (admins)."""
    return service.audit_log(session, policy, target_id=target_id, limit=limit)
