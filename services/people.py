"""Use cases of the people, community and 'Mijn Praktijkbank' pages; profiles as their owners allow."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.errors import NotFound
from indexing.search import HybridSearcher
from schemas.network import SuggestedQuestion
from services import network
from services.access import AccessPolicy
from storage.models import Community, CommunityMember, Person, Practice, Question
from storage.repositories import browse, directory
from storage.repositories import people as repo
from storage.repositories import practices as practices_repo
from storage.repositories.practices import PracticeFilters


def people(session: Session, policy: AccessPolicy) -> list[Person]:
    return directory.list_people(session, policy.visible_profiles())


@dataclass(frozen=True)
class Profile:
    person: Person
    communities: list[tuple[Community, str]]
    practices: list[Practice]
    show_email: bool


def profile(session: Session, policy: AccessPolicy, slug: str) -> Profile:
    """A person's page, if they show their profile to this caller; their practices as the caller may read them."""
    person = repo.person_with_organisation(session, slug)
    if person is None or person.profile_visibility not in policy.visible_profiles():
        raise NotFound("no person with this slug", field="slug")
    practices = [p for p in browse.owned_by(session, person.id, policy.practice_clause()) if p.status == "published"]
    return Profile(person, directory.memberships_of(session, person.id), practices, policy.viewer.signed_in)


def communities(session: Session) -> list[Community]:
    return directory.list_communities(session)


@dataclass(frozen=True)
class CommunityPage:
    community: Community
    members: list[CommunityMember]
    practices: list[Practice]


def community(session: Session, policy: AccessPolicy, slug: str) -> CommunityPage:
    """A community with the members whose profile the caller may see, and its practices the caller may read."""
    found = repo.community_with_members(session, slug)
    if found is None:
        raise NotFound("no community with this slug", field="slug")
    shown = policy.visible_profiles()
    members = sorted((m for m in found.members if m.person.profile_visibility in shown), key=lambda m: m.person.name)
    filters = PracticeFilters(community=slug, statuses=["published"])
    practices, _ = practices_repo.page(session, filters, policy.practice_clause(), after=None, limit=100)
    return CommunityPage(found, members, practices)


@dataclass(frozen=True)
class Mine:
    practices: list[Practice]
    questions: list[Question]
    could_answer: list[SuggestedQuestion]


def mine(session: Session, searcher: HybridSearcher, policy: AccessPolicy, person: Person) -> Mine:
    """My drafts and practices, my questions, and open questions close to what I wrote."""
    return Mine(
        practices=browse.owned_by(session, person.id, policy.practice_clause()),
        questions=repo.questions_of(session, person.id, policy.question_clause()),
        could_answer=network.questions_for(session, searcher, policy, person, limit=5),
    )
