"""Organisations, people and communities as the API shows them."""

from __future__ import annotations

import uuid
from typing import Generic, TypeVar

from pydantic import Field

from schemas.common import Schema


class OrganisationRef(Schema):
    slug: str
    name: str


class OrganisationRead(OrganisationRef):
    id: uuid.UUID
    kind: str | None = None
    region: str | None = None


class CommunityRef(Schema):
    slug: str
    name: str


class CommunityMemberRead(Schema):
    person: PersonRef
    role: str


class CommunityRead(CommunityRef):
    id: uuid.UUID
    description: str | None = None
    members: list[CommunityMemberRead] = Field(default_factory=list)


class PersonRef(Schema):
    slug: str
    name: str
    role: str | None = None


class PersonRead(PersonRef):
    id: uuid.UUID
    organisation: OrganisationRef | None = None
    bio: str | None = None


T = TypeVar("T")


class Page(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


CommunityMemberRead.model_rebuild()
