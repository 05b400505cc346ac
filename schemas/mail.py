"""A person's mail choices, per kind of notification."""

from __future__ import annotations

from pydantic import Field

from core.vocab import MailFrequency, NotificationKind
from schemas.common import InputSchema, Schema


class MailPreferences(Schema):
    preferences: dict[NotificationKind, MailFrequency] = Field(
        description="Every kind of notification with how you hear of it by mail: `direct` (a mail each), `daily` "
        "or `weekly` (a digest), or `never`."
    )
    defaults: dict[NotificationKind, MailFrequency] = Field(description="What a kind you never chose for gets.")


class MailPreferencesUpdate(InputSchema):
    preferences: dict[NotificationKind, MailFrequency] = Field(
        description="Your choices; a kind left out goes back to its default.",
        examples=[{"answer": "direct", "suggested_question": "weekly", "feedback": "never"}],
    )
