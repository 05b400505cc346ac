"""Notifications ('Meldingen') and what a person follows, as the API shows them."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from core.vocab import FollowKind, NotificationKind
from schemas.common import InputSchema, Schema

TARGET_PATTERN = r"^[A-Za-z0-9_-]{1,120}$"  # a theme's value, a slug or a UUID


class NotificationRead(Schema):
    id: uuid.UUID
    kind: NotificationKind = Field(description="Why you are told: the kind you choose mail for.")
    event: str = Field(description="What happened, as the events are named (`answer.created`, `practice.updated`…).")
    subject_kind: str = Field(description="`practice` or `question`.")
    subject_id: uuid.UUID
    title: str = Field(description="The subject's current title.")
    link: str = Field(description="The page of the subject, a path on this site.")
    created_at: datetime
    read_at: datetime | None = None


class NotificationList(Schema):
    unread: int = Field(description="Your unread notifications, all of them (not only those in `items`).")
    items: list[NotificationRead] = Field(description="Newest first.")


class UnreadCount(Schema):
    unread: int


class FollowCreate(InputSchema):
    kind: FollowKind
    target: str = Field(
        pattern=TARGET_PATTERN,
        description="A theme's value (`wmo`), a community's slug, a practice's slug or id, or a question's id.",
    )


class FollowRead(Schema):
    kind: FollowKind
    target: str = Field(description="A theme's value, a community's or practice's slug, or a question's id.")
    title: str = Field(description="What it is called now (a theme's value as it is).")
    link: str = Field(description="Its page, a path on this site.")
    created_at: datetime
