"""People, organisations and communities: what a caller may see of them, and managing communities and roles."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.errors import InvalidInput, NotFound
from core.vocab import Status
from indexing.search import HybridSearcher
from schemas.accounts import AuditRead, CommunityCreate, MembershipSet
from schemas.directory import CommunityMemberRead, CommunityRead, OrganisationRead, PersonRead, PersonRef
from schemas.network import SuggestedQuestion
from schemas.outreach import FollowRead
from services import audit, follows, network
from services.access import AccessPolicy
from storage.models import Community, CommunityMember, Person, Practice, Question
from storage.repositories import browse, directory
from storage.repositories import people as people_repo
from storage.repositories import practices as practices_repo
from storage.repositories.practices import PracticeFilters


def list_people(session: Session, policy: AccessPolicy) -> list[PersonRead]:
    return [PersonRead.model_validate(p) for p in directory.list_people(session, policy.visible_profiles())]


def get_person(session: Session, slug: str, policy: AccessPolicy) -> PersonRead:
    return PersonRead.model_validate(policy.require_profile(directory.person_by_slug(session, slug)))


def list_organisations(session: Session) -> list[OrganisationRead]:
    return [OrganisationRead.model_validate(o) for o in directory.list_organisations(session)]


def get_organisation(session: Session, slug: str) -> OrganisationRead:
    org = directory.organisation_by_slug(session, slug)
    if org is None:
        raise NotFound("no organisation with this slug", field="slug")
    return OrganisationRead.model_validate(org)


def _community_read(community: Community, members: list[CommunityMemberRead] | None = None) -> CommunityRead:
    # Field by field: the members relationship is loaded only where it is shown (it refuses lazy loading).
    return CommunityRead(
        id=community.id,
        slug=community.slug,
        name=community.name,
        description=community.description,
        members=members or [],
    )


def list_communities(session: Session) -> list[CommunityRead]:
    """Without members: see one community for those."""
    return [_community_read(c) for c in directory.list_communities(session)]


def get_community(session: Session, slug: str, policy: AccessPolicy) -> CommunityRead:
    """With the members whose profile the caller may see."""
    community = directory.community_by_slug(session, slug, with_members=True)
    if community is None:
        raise NotFound("no community with this slug", field="slug")
    members = [
        CommunityMemberRead(person=PersonRef.model_validate(m.person), role=m.role)
        for m in community.members
        if policy.can_see_profile(m.person)
    ]
    return _community_read(community, members)


# --- the people and community pages, and 'Mijn Praktijkbank' ----------------------------------------------


@dataclass(frozen=True)
class Profile:
    person: PersonRead
    email: str | None  # for signed-in colleagues only
    communities: list[tuple[Community, str]]
    practices: list[Practice]


def profile(session: Session, slug: str, policy: AccessPolicy) -> Profile:
    """A person's page, if they show their profile to this caller; their published practices the caller may read."""
    person = policy.require_profile(people_repo.person_with_organisation(session, slug))
    owned = browse.owned_by(session, person.id, policy.practice_clause())
    return Profile(
        PersonRead.model_validate(person),
        person.email if policy.viewer.signed_in else None,
        directory.memberships_of(session, person.id),
        [p for p in owned if p.status == Status.PUBLISHED],
    )


@dataclass(frozen=True)
class CommunityPage:
    community: Community
    members: list[CommunityMember]  # only those whose profile the caller may see
    practices: list[Practice]


def community_page(session: Session, slug: str, policy: AccessPolicy) -> CommunityPage:
    """A community with the members whose profile the caller may see, and its practices the caller may read."""
    found = people_repo.community_with_members(session, slug)
    if found is None:
        raise NotFound("no community with this slug", field="slug")
    members = sorted((m for m in found.members if policy.can_see_profile(m.person)), key=lambda m: m.person.name)
    filters = PracticeFilters(community=slug, statuses=[Status.PUBLISHED.value])
    practices, _ = practices_repo.page(session, filters, policy.practice_clause(), after=None, limit=100)
    return CommunityPage(found, members, practices)


@dataclass(frozen=True)
class Mine:
    practices: list[Practice]
    questions: list[Question]
    could_answer: list[SuggestedQuestion]
    follows: list[FollowRead]


def mine(session: Session, searcher: HybridSearcher, policy: AccessPolicy, person: Person) -> Mine:
    """My drafts and practices, my questions, open questions close to what I wrote, and what I follow."""
    return Mine(
        practices=browse.owned_by(session, person.id, policy.practice_clause()),
        questions=people_repo.questions_of(session, person.id, policy.question_clause()),
        could_answer=network.questions_for(session, searcher, policy, person, limit=5),
        follows=follows.follows_of(session, policy),
    )


# --- managing communities and roles --------------------------------------------------------------------------


def create_community(session: Session, data: CommunityCreate, policy: AccessPolicy) -> CommunityRead:
    policy.require_admin()
    slug = data.slug or directory.slugify(data.name)
    if directory.community_by_slug(session, slug) or directory.community_by_name(session, data.name):
        raise InvalidInput("a community with this name or slug exists", field="name")
    community = Community(name=data.name, slug=slug, description=data.description)
    session.add(community)
    session.flush()
    audit.record(session, policy.viewer.person_id, "community.created", "community", community.id, {"name": data.name})
    return _community_read(community)


def _community_and_person(session: Session, slug: str, person_slug: str) -> tuple[Community, Person]:
    community = directory.community_by_slug(session, slug)
    if community is None:
        raise NotFound("no community with this slug", field="slug")
    person = directory.person_by_slug(session, person_slug)
    if person is None:
        raise NotFound("no person with this slug", field="person")
    return community, person


def set_membership(session: Session, slug: str, person_slug: str, data: MembershipSet, policy: AccessPolicy) -> None:
    """Add a member or change their role; audited."""
    community, person = _community_and_person(session, slug, person_slug)
    policy.require_role_manager(community.id)
    before = directory.set_member_role(session, community.id, person.id, data.role.value)
    _audit_role(session, policy, community, person, before, data.role.value)


def remove_membership(session: Session, slug: str, person_slug: str, policy: AccessPolicy) -> None:
    community, person = _community_and_person(session, slug, person_slug)
    policy.require_role_manager(community.id)
    before = directory.remove_member(session, community.id, person.id)
    if before is None:
        raise NotFound("this person is not a member", field="person")
    _audit_role(session, policy, community, person, before, None)


def _audit_role(
    session: Session, policy: AccessPolicy, community: Community, person: Person, before: str | None, after: str | None
) -> None:
    detail = {"person": person.slug, "from": before, "to": after}
    audit.record(session, policy.viewer.person_id, "community.role", "community", community.id, detail)


def audit_log(session: Session, policy: AccessPolicy, *, target_id: str | None, limit: int) -> list[AuditRead]:
    policy.require_admin()
    return [AuditRead.model_validate(e) for e in audit.entries(session, target_id=target_id, limit=limit)]
