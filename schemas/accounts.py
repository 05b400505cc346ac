"""Accounts, tokens, roles and the audit log as the API shows them. Secrets appear once, at creation."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from core.vocab import CommunityRole
from schemas.common import InputSchema, Schema, ShortText, Slug


class Me(Schema):
    person_id: uuid.UUID
    name: str
    email: str
    is_admin: bool
    communities: list[dict[str, str]]


class TokenCreate(InputSchema):
    name: ShortText = Field(max_length=100, description="What the token is for, e.g. 'intranet koppeling'.")
    expires_in_days: int = Field(default=90, ge=1, le=365)


class TokenRead(Schema):
    id: uuid.UUID
    name: str
    prefix: str = Field(description="The first characters of the token, to recognise it.")
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class TokenCreated(TokenRead):
    token: str = Field(description="The secret. Shown only now; store it, it cannot be read again.")


class CommunityCreate(InputSchema):
    name: ShortText
    slug: Slug | None = None
    description: str | None = Field(default=None, max_length=5000)


class MembershipSet(InputSchema):
    role: CommunityRole


class AuditRead(Schema):
    id: int
    at: datetime
    actor_id: uuid.UUID | None
    action: str
    target_type: str
    target_id: str
    detail: dict[str, Any]
