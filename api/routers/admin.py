"""Managing communities and roles, and reading the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.deps import PolicyDep, SessionDep
from api.errors import ERROR_RESPONSES
from api.ratelimit import WriteLimited
from core.errors import Forbidden, InvalidInput, NotFound
from schemas.accounts import AuditRead, CommunityCreate, MembershipSet
from schemas.directory import CommunityRead
from services import audit
from services.access import AccessPolicy
from storage.models import Community, Person
from storage.repositories import directory

router = APIRouter(tags=["administration"], responses=ERROR_RESPONSES)


def _require_admin(policy: AccessPolicy) -> None:
    policy.require_signed_in()
    if not policy.viewer.is_admin:
        raise Forbidden("only admins can do this")


@router.post("/communities", response_model=CommunityRead, status_code=status.HTTP_201_CREATED)
def create_community(
    data: CommunityCreate, session: SessionDep, policy: PolicyDep, _limit: WriteLimited
) -> CommunityRead:
    """Start a learning community (admins)."""
    _require_admin(policy)
    slug = data.slug or directory.slugify(data.name)
    if directory.community_by_slug(session, slug) or directory.community_by_name(session, data.name):
        raise InvalidInput("a community with this name or slug exists", field="name")
    community = Community(name=data.name, slug=slug, description=data.description)
    session.add(community)
    session.flush()
    audit.record(session, policy.viewer.person_id, "community.created", "community", community.id, {"name": data.name})
    return CommunityRead(id=community.id, slug=community.slug, name=community.name, description=community.description)


def _community_and_person(session: SessionDep, slug: str, person_slug: str) -> tuple[Community, Person]:
    community = directory.community_by_slug(session, slug)
    if community is None:
        raise NotFound("no community with this slug", field="slug")
    person = directory.person_by_slug(session, person_slug)
    if person is None:
        raise NotFound("no person with this slug", field="person")
    return community, person


def _require_role_manager(policy: AccessPolicy, community: Community) -> None:
    policy.require_signed_in()
    if not policy.is_curator(community.id):
        raise Forbidden("roles are managed by admins and the community's curators")


@router.put("/communities/{slug}/members/{person_slug}", status_code=status.HTTP_204_NO_CONTENT)
def set_membership(
    slug: str, person_slug: str, data: MembershipSet, session: SessionDep, policy: PolicyDep, _limit: WriteLimited
) -> Response:
    """Add a member or change their role (member, coach, curator)."""
    community, person = _community_and_person(session, slug, person_slug)
    _require_role_manager(policy, community)
    before = directory.set_member_role(session, community.id, person.id, data.role.value)
    audit.record(
        session,
        policy.viewer.person_id,
        "community.role",
        "community",
        community.id,
        {"person": person.slug, "from": before, "to": data.role.value},
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/communities/{slug}/members/{person_slug}", status_code=status.HTTP_204_NO_CONTENT)
def remove_membership(
    slug: str, person_slug: str, session: SessionDep, policy: PolicyDep, _limit: WriteLimited
) -> Response:
    """Remove someone from a community."""
    community, person = _community_and_person(session, slug, person_slug)
    _require_role_manager(policy, community)
    before = directory.remove_member(session, community.id, person.id)
    if before is None:
        raise NotFound("this person is not a member", field="person")
    audit.record(
        session,
        policy.viewer.person_id,
        "community.role",
        "community",
        community.id,
        {"person": person.slug, "from": before, "to": None},
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/audit", response_model=list[AuditRead])
def audit_log(
    session: SessionDep,
    policy: PolicyDep,
    target_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditRead]:
    """Who did what when, newest first (admins)."""
    _require_admin(policy)
    return [AuditRead.model_validate(e) for e in audit.entries(session, target_id=target_id, limit=limit)]
