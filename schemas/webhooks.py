"""Webhooks as the API shows them: registration, and the delivery log. The signing secret appears once."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from core.vocab import EventKind
from schemas.common import InputSchema, Schema, Slug


def _distinct(events: list[EventKind]) -> list[EventKind]:
    return list(dict.fromkeys(events))


Events = Annotated[
    list[EventKind],
    Field(min_length=1, max_length=len(EventKind), description="The event types to hear of."),
    AfterValidator(_distinct),
]
Url = Annotated[
    str,
    Field(
        min_length=1,
        max_length=2000,
        description="Where deliveries are POSTed: https, on a public address (http and private addresses only "
        "with allow_private).",
    ),
]


class WebhookCreate(InputSchema):
    url: Url
    events: Events
    community: Slug | None = Field(
        default=None,
        description="Scope to this community: its content is delivered too. Its curators and coaches may register "
        "such a webhook; without a community only public content is delivered, and only admins register it.",
    )
    allow_private: bool = Field(
        default=False,
        description="Admins only: allow http and loopback or private addresses (a receiver on the own network, "
        "local testing).",
    )


class WebhookUpdate(InputSchema):
    url: Url | None = None
    events: Events | None = None
    active: bool | None = Field(
        default=None, description="false pauses deliveries; true resumes a paused or disabled webhook."
    )
    allow_private: bool | None = Field(default=None, description="Admins only.")


class WebhookRead(Schema):
    id: uuid.UUID
    url: str
    events: list[str]
    community: str | None = Field(description="The community's slug when the webhook is scoped to one.")
    allow_private: bool
    active: bool
    disabled_reason: str | None = Field(description="Why deliveries stopped (410 Gone, repeated failure).")
    failures: int = Field(description="Delivery attempts that failed in a row.")
    last_status: int | None = Field(description="The HTTP status of the last attempt (none: no answer).")
    last_delivery_at: datetime | None
    created_at: datetime


class WebhookCreated(WebhookRead):
    secret: str = Field(
        description="The signing secret (`whsec_` + base64, Standard Webhooks). Shown only now: store it."
    )


class DeliveryRead(Schema):
    id: int
    message_id: str = Field(description="The `webhook-id` header: the same on every attempt of this delivery.")
    type: str = Field(description="The event type, e.g. practice.published.")
    state: Literal["pending", "delivered", "failed", "skipped"]
    attempts: int
    last_status: int | None = Field(description="The HTTP status of the last attempt (none: no answer).")
    last_error: str | None
    outcome: str | None
    created_at: datetime
    next_attempt_at: datetime | None = Field(description="When a pending delivery is tried again.")
    done_at: datetime | None
