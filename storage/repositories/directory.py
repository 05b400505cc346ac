"""Organisations, people and communities."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storage.models import Community, CommunityMember, Organisation, Person


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:100] or "item"


def organisation_by_slug(session: Session, slug: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.slug == slug))


def organisation_by_id(session: Session, org_id: uuid.UUID) -> Organisation | None:
    return session.get(Organisation, org_id)


def person_by_slug(session: Session, slug: str) -> Person | None:
    return session.scalar(select(Person).where(Person.slug == slug).options(selectinload(Person.organisation)))


def people_by_slugs(session: Session, slugs: Sequence[str]) -> dict[str, Person]:
    if not slugs:
        return {}
    rows = session.scalars(select(Person).where(Person.slug.in_(slugs)))
    return {p.slug: p for p in rows}


def community_by_slug(session: Session, slug: str, *, with_members: bool = False) -> Community | None:
    query = select(Community).where(Community.slug == slug)
    if with_members:
        query = query.options(selectinload(Community.members).selectinload(CommunityMember.person))
    return session.scalar(query)


def community_by_name(session: Session, name: str) -> Community | None:
    return session.scalar(select(Community).where(Community.name == name))


def list_organisations(session: Session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).order_by(Organisation.name)))


def list_people(session: Session, visibilities: Sequence[str]) -> list[Person]:
    query = (
        select(Person)
        .where(Person.profile_visibility.in_(visibilities))
        .options(selectinload(Person.organisation))
        .order_by(Person.name)
    )
    return list(session.scalars(query))


def list_communities(session: Session) -> list[Community]:
    return list(session.scalars(select(Community).order_by(Community.name)))


def ensure_organisation(session: Session, name: str, *, region: str | None = None) -> Organisation:
    found = session.scalar(select(Organisation).where(Organisation.name == name))
    if found:
        return found
    kind = "gemeente" if name.lower().startswith(("gemeente", "municipality")) else None
    org = Organisation(name=name, slug=_free_slug(session, Organisation, slugify(name)), kind=kind, region=region)
    session.add(org)
    session.flush()
    return org


def ensure_person(
    session: Session, name: str, *, role: str | None = None, organisation: Organisation | None = None
) -> Person:
    found = session.scalar(select(Person).where(Person.name == name))
    if found:
        return found
    person = Person(
        name=name,
        slug=_free_slug(session, Person, slugify(name)),
        role=role,
        organisation_id=organisation.id if organisation else None,
    )
    session.add(person)
    session.flush()
    return person


def ensure_community(session: Session, name: str) -> Community:
    found = session.scalar(select(Community).where(Community.name == name))
    if found:
        return found
    community = Community(name=name, slug=_free_slug(session, Community, slugify(name)))
    session.add(community)
    session.flush()
    return community


def ensure_member(session: Session, community_id: uuid.UUID, person_id: uuid.UUID, role: str = "member") -> None:
    if session.get(CommunityMember, (community_id, person_id)) is None:
        session.add(CommunityMember(community_id=community_id, person_id=person_id, role=role))
        session.flush()


def _free_slug(session: Session, model: type[Organisation | Person | Community], base: str) -> str:
    slug, n = base, 1
    while session.scalar(select(model.id).where(model.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def memberships_of(session: Session, person_id: uuid.UUID) -> list[tuple[Community, str]]:
    query = (
        select(Community, CommunityMember.role)
        .join(CommunityMember, CommunityMember.community_id == Community.id)
        .where(CommunityMember.person_id == person_id)
        .order_by(Community.name)
    )
    return [(community, role) for community, role in session.execute(query).all()]


def members_with_roles(session: Session, community_id: uuid.UUID, roles: Sequence[str]) -> list[uuid.UUID]:
    """The people with one of ``roles`` in a community (its coaches and curators, for a review request)."""
    query = select(CommunityMember.person_id).where(
        CommunityMember.community_id == community_id, CommunityMember.role.in_(roles)
    )
    return sorted(session.scalars(query), key=str)


def set_member_role(session: Session, community_id: uuid.UUID, person_id: uuid.UUID, role: str) -> str | None:
    """Set a role; returns the role before (None: was no member)."""
    member = session.get(CommunityMember, (community_id, person_id))
    if member is None:
        session.add(CommunityMember(community_id=community_id, person_id=person_id, role=role))
        session.flush()
        return None
    before = member.role
    member.role = role
    session.flush()
    return before


def remove_member(session: Session, community_id: uuid.UUID, person_id: uuid.UUID) -> str | None:
    member = session.get(CommunityMember, (community_id, person_id))
    if member is None:
        return None
    session.delete(member)
    session.flush()
    return member.role
