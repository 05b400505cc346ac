"""Webhooks: other tools' URLs, and the delivery jobs that are their log."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Community, Job, Webhook
from storage.repositories import jobs

DELIVERY_JOB = "webhook"


def delivery_key(webhook_id: uuid.UUID, message_id: str) -> str:
    """One delivery per message per webhook: the job's unique key."""
    return f"{DELIVERY_JOB}:{webhook_id}:{message_id}"


def get(session: Session, webhook_id: uuid.UUID) -> Webhook | None:
    return session.get(Webhook, webhook_id)


def listed(session: Session, communities: Collection[uuid.UUID] | None) -> list[Webhook]:
    """All webhooks (``communities`` None: an admin), or those scoped to one of ``communities``."""
    query = select(Webhook).order_by(Webhook.created_at, Webhook.id)
    if communities is not None:
        query = query.where(Webhook.community_id.in_(communities))
    return list(session.scalars(query))


def active(session: Session) -> list[Webhook]:
    return list(session.scalars(select(Webhook).where(Webhook.active.is_(True)).order_by(Webhook.id)))


def community_slugs(session: Session, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = session.execute(select(Community.id, Community.slug).where(Community.id.in_(ids)))
    return {community_id: slug for community_id, slug in rows}


def deliveries(session: Session, webhook_id: uuid.UUID, limit: int) -> list[Job]:
    """The delivery log of one webhook, newest first."""
    return jobs.log(session, DELIVERY_JOB, limit=limit, key_prefix=f"{DELIVERY_JOB}:{webhook_id}:")
