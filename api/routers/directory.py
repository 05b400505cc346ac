"""People, organisations and communities (read-only)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import PolicyDep, SessionDep
from api.errors import ERROR_RESPONSES
from api.routers.common import SlugPath
from schemas.directory import CommunityRead, OrganisationRead, PersonRead
from services import directory as service

router = APIRouter(tags=["directory"], responses=ERROR_RESPONSES)


@router.get("/people", response_model=list[PersonRead])
def list_people(session: SessionDep, policy: PolicyDep) -> list[PersonRead]:
    """People whose profile you may see. Contact details are not part of this view."""
    return service.list_people(session, policy)


@router.get("/people/{slug}", response_model=PersonRead)
def get_person(slug: SlugPath, session: SessionDep, policy: PolicyDep) -> PersonRead:
    """One person's profile, if they show it to you."""
    return service.get_person(session, slug, policy)


@router.get("/organisations", response_model=list[OrganisationRead])
def list_organisations(session: SessionDep) -> list[OrganisationRead]:
    """All organisations."""
    return service.list_organisations(session)


@router.get("/organisations/{slug}", response_model=OrganisationRead)
def get_organisation(slug: SlugPath, session: SessionDep) -> OrganisationRead:
    """One organisation."""
    return service.get_organisation(session, slug)


@router.get("/communities", response_model=list[CommunityRead])
def list_communities(session: SessionDep) -> list[CommunityRead]:
    """All learning communities (without members; see one community for those)."""
    return service.list_communities(session)


@router.get("/communities/{slug}", response_model=CommunityRead)
def get_community(slug: SlugPath, session: SessionDep, policy: PolicyDep) -> CommunityRead:
    """One community with the members whose profile you may see."""
    return service.get_community(session, slug, policy)
