"""People, organisations and communities (read-only for now)."""

from __future__ import annotations

import re

from fastapi import APIRouter

from api.deps import SessionDep, ViewerDep
from api.errors import ERROR_RESPONSES
from core.errors import InvalidInput, NotFound
from core.vocab import ProfileVisibility
from schemas.directory import CommunityRead, OrganisationRead, PersonRead
from services.access import Viewer
from storage.repositories import directory

router = APIRouter(tags=["directory"], responses=ERROR_RESPONSES)
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _slug(value: str, field: str) -> str:
    if not _SLUG.match(value) or len(value) > 120:
        raise InvalidInput("not a valid slug", field=field)
    return value


def visible_profiles(viewer: Viewer) -> list[str]:
    """People decide who sees their profile; a hidden profile is never listed."""
    if viewer.is_admin:
        return [v.value for v in ProfileVisibility]
    if viewer.signed_in:
        return [ProfileVisibility.PUBLIC.value, ProfileVisibility.INTERNAL.value]
    return [ProfileVisibility.PUBLIC.value]


@router.get("/people", response_model=list[PersonRead])
def list_people(session: SessionDep, viewer: ViewerDep) -> list[PersonRead]:
    """People whose profile you may see. Contact details are not part of this view."""
    return [PersonRead.model_validate(p) for p in directory.list_people(session, visible_profiles(viewer))]


@router.get("/people/{slug}", response_model=PersonRead)
def get_person(slug: str, session: SessionDep, viewer: ViewerDep) -> PersonRead:
    """One person's profile, if they show it to you."""
    person = directory.person_by_slug(session, _slug(slug, "slug"))
    if person is None or person.profile_visibility not in visible_profiles(viewer):
        raise NotFound("no person with this slug", field="slug")
    return PersonRead.model_validate(person)


@router.get("/organisations", response_model=list[OrganisationRead])
def list_organisations(session: SessionDep) -> list[OrganisationRead]:
    """All organisations."""
    return [OrganisationRead.model_validate(o) for o in directory.list_organisations(session)]


@router.get("/organisations/{slug}", response_model=OrganisationRead)
def get_organisation(slug: str, session: SessionDep) -> OrganisationRead:
    """One organisation."""
    org = directory.organisation_by_slug(session, _slug(slug, "slug"))
    if org is None:
        raise NotFound("no organisation with this slug", field="slug")
    return OrganisationRead.model_validate(org)


@router.get("/communities", response_model=list[CommunityRead])
def list_communities(session: SessionDep) -> list[CommunityRead]:
    """All learning communities (without members; see one community for those)."""
    return [
        CommunityRead(id=c.id, slug=c.slug, name=c.name, description=c.description, members=[])
        for c in directory.list_communities(session)
    ]


@router.get("/communities/{slug}", response_model=CommunityRead)
def get_community(slug: str, session: SessionDep, viewer: ViewerDep) -> CommunityRead:
    """One community with the members whose profile you may see."""
    community = directory.community_by_slug(session, _slug(slug, "slug"), with_members=True)
    if community is None:
        raise NotFound("no community with this slug", field="slug")
    shown = visible_profiles(viewer)
    members = [{"person": m.person, "role": m.role} for m in community.members if m.person.profile_visibility in shown]
    return CommunityRead.model_validate(
        {
            "id": community.id,
            "slug": community.slug,
            "name": community.name,
            "description": community.description,
            "members": members,
        }
    )
