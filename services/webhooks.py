"""Webhooks for other tools: registering them, and the listener that queues a delivery per event per webhook.

A webhook sees what an anonymous caller sees (published public content); one scoped to a community sees what
that community's members see of it too. That is decided when the event is fanned out and again at delivery
(``services.webhook_delivery``). Deliveries are thin: the event type, ids and links, never the text.
"""

from __future__ import annotations

import base64
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import Forbidden, InvalidInput, NotFound
from schemas.webhooks import DeliveryRead, WebhookCreate, WebhookCreated, WebhookRead, WebhookUpdate
from services import audit, webhook_targets
from services.access import ANONYMOUS, AccessPolicy, Viewer
from services.events import Event
from services.jobs import JobContext
from storage.base import utcnow
from storage.models import Job, Practice, Question, Webhook
from storage.repositories import directory, jobs
from storage.repositories import webhooks as repo
from storage.repositories.webhooks import DELIVERY_JOB, delivery_key

logger = logging.getLogger(__name__)
TEST_EVENT = "webhook.test"


def new_secret() -> str:
    """A Standard Webhooks signing secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


RESTORED = "restored from a backup, which holds no secret: issue a new one (POST /webhooks/{id}/secret), then resume"


def restored(row: dict[str, Any]) -> dict[str, Any]:
    """A webhook's row from a backup (``services.backup``): a secret nobody knows, and paused until an admin has
    issued a new one and resumed it, so that nothing is signed with a secret its receiver does not hold."""
    return row | {"secret": new_secret(), "active": False, "disabled_reason": RESTORED}


# --- what a webhook may see -------------------------------------------------------------------------


def viewer_of(hook: Webhook) -> Viewer:
    """A webhook reads as an anonymous caller, or as a member of the community it is scoped to."""
    return Viewer(community_ids=frozenset({hook.community_id})) if hook.community_id else ANONYMOUS


@dataclass(frozen=True)
class Subject:
    kind: str  # "practice" | "question"
    id: uuid.UUID


def subject_of(kind: str, subject_id: uuid.UUID) -> Subject:
    return Subject("practice" if kind.startswith("practice.") else "question", subject_id)


def may_see(session: Session, hook: Webhook, subject: Subject) -> bool:
    """Whether the webhook may hear of the subject now (a deleted one: no)."""
    policy = AccessPolicy(viewer_of(hook))
    if subject.kind == "practice":
        practice = session.get(Practice, subject.id)
        return practice is not None and policy.can_read(practice)
    found = session.scalar(select(Question.id).where(Question.id == subject.id, policy.question_clause()))
    return found is not None


# --- the listener -----------------------------------------------------------------------------------


def _timestamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def message(session: Session, event: Event, subject: Subject, base_url: str) -> dict[str, Any]:
    """The body of a delivery: type, time, and the subject's ids and links; never its text."""
    data: dict[str, Any] = {"id": str(subject.id)}
    if subject.kind == "practice":
        slug = session.scalar(select(Practice.slug).where(Practice.id == subject.id)) or str(subject.id)
        data["slug"] = slug
        links = {"self": f"{base_url}/api/v1/practices/{subject.id}", "html": f"{base_url}/praktijken/{slug}"}
    else:
        links = {"self": f"{base_url}/api/v1/questions/{subject.id}", "html": f"{base_url}/vragen/{subject.id}"}
    data.update({k: v for k, v in event.data.items() if k not in ("id", "slug", "links")})  # ids and a version
    data["links"] = links
    return {"type": event.kind.value, "timestamp": _timestamp(event.at), "data": data}


def _queue(session: Session, hook: Webhook, message_id: str, body: dict[str, Any], subject: Subject | None) -> bool:
    key = delivery_key(hook.id, message_id)
    if session.scalar(select(Job.id).where(Job.key == key)) is not None:
        return False
    payload = {
        "webhook_id": str(hook.id),
        "message_id": message_id,
        "type": body["type"],
        "subject": {"kind": subject.kind, "id": str(subject.id)} if subject else None,
        "body": body,
        "last_status": None,
    }
    jobs.enqueue(session, DELIVERY_JOB, key, payload)
    return True


def on_event(context: JobContext, event: Event) -> int:
    """Queue one delivery of the event to each active webhook that wants its type and may see its subject."""
    session = context.session
    hooks = [hook for hook in repo.active(session) if event.kind.value in hook.events]
    if not hooks:
        return 0
    subject = subject_of(event.kind.value, event.subject_id)
    body = message(session, event, subject, context.settings.base_url)
    return sum(_queue(session, hook, str(event.id), body, subject) for hook in hooks if may_see(session, hook, subject))


# --- registering ------------------------------------------------------------------------------------


def _read(session: Session, hook: Webhook, secret: bool = False) -> WebhookRead:
    slugs = repo.community_slugs(session, [hook.community_id] if hook.community_id else [])
    values = {
        "id": hook.id,
        "url": hook.url,
        "events": hook.events,
        "community": slugs.get(hook.community_id) if hook.community_id else None,
        "allow_private": hook.allow_private,
        "active": hook.active,
        "disabled_reason": hook.disabled_reason,
        "failures": hook.failures,
        "last_status": hook.last_status,
        "last_delivery_at": hook.last_delivery_at,
        "created_at": hook.created_at,
    }
    return WebhookCreated(**values, secret=hook.secret) if secret else WebhookRead(**values)


def _require_manager(policy: AccessPolicy) -> None:
    policy.require_signed_in()
    if not policy.viewer.is_admin and not policy.viewer.curator_community_ids:
        raise Forbidden("only admins, and curators for their community, manage webhooks")


def _managed(session: Session, webhook_id: uuid.UUID, policy: AccessPolicy) -> Webhook:
    _require_manager(policy)
    hook = repo.get(session, webhook_id)
    if hook is None or not (policy.viewer.is_admin or (hook.community_id and policy.is_curator(hook.community_id))):
        raise NotFound("no webhook with this id", field="webhook_id")
    return hook


def create(session: Session, data: WebhookCreate, policy: AccessPolicy) -> WebhookCreated:
    """Register a webhook; its secret is in the answer, and only there."""
    policy.require_signed_in()
    community_id = None
    if data.community is not None:
        community = directory.community_by_slug(session, data.community)
        if community is None:
            raise InvalidInput(f"no community with slug {data.community!r}", field="community")
        if not policy.is_curator(community.id):
            raise Forbidden("only admins and the community's curators register its webhooks", field="community")
        community_id = community.id
    elif not policy.viewer.is_admin:
        raise Forbidden("only admins register a webhook for public content; a curator names their community")
    if data.allow_private and not policy.viewer.is_admin:
        raise Forbidden("only admins allow private addresses", field="allow_private")
    webhook_targets.check(data.url, allow_private=data.allow_private)
    hook = Webhook(
        url=data.url,
        events=[e.value for e in data.events],
        community_id=community_id,
        secret=new_secret(),
        allow_private=data.allow_private,
        created_by=policy.viewer.person_id,
    )
    session.add(hook)
    session.flush()
    audit.record(session, policy.viewer.person_id, "webhook.created", "webhook", hook.id, {"url": hook.url})
    return WebhookCreated.model_validate(_read(session, hook, secret=True))


def listed(session: Session, policy: AccessPolicy) -> list[WebhookRead]:
    _require_manager(policy)
    communities = None if policy.viewer.is_admin else policy.viewer.curator_community_ids
    return [_read(session, hook) for hook in repo.listed(session, communities)]


def get(session: Session, webhook_id: uuid.UUID, policy: AccessPolicy) -> WebhookRead:
    return _read(session, _managed(session, webhook_id, policy))


def update(session: Session, webhook_id: uuid.UUID, data: WebhookUpdate, policy: AccessPolicy) -> WebhookRead:
    """Change the URL or events, pause (active false) or resume; resuming forgets the failures."""
    hook = _managed(session, webhook_id, policy)
    changes = data.model_dump(exclude_unset=True)
    for name in ("url", "events", "active", "allow_private"):
        if name in changes and changes[name] is None:
            raise InvalidInput(f"{name} cannot be emptied", field=name)
    if "allow_private" in changes and not policy.viewer.is_admin:
        raise Forbidden("only admins allow private addresses", field="allow_private")
    allow_private = changes.get("allow_private", hook.allow_private)
    url = webhook_targets.check(changes.get("url", hook.url), allow_private=allow_private)
    hook.url, hook.allow_private = url, allow_private
    if data.events is not None:
        hook.events = [e.value for e in data.events]
    if data.active is True and not hook.active:
        hook.active, hook.disabled_reason, hook.failures = True, None, 0
    elif data.active is False and hook.active:
        hook.active, hook.disabled_reason = False, "paused"
    session.flush()
    audit.record(session, policy.viewer.person_id, "webhook.updated", "webhook", hook.id, {"changed": sorted(changes)})
    return _read(session, hook)


def rotate_secret(session: Session, webhook_id: uuid.UUID, policy: AccessPolicy) -> WebhookCreated:
    """A new signing secret (the old one stops at once), shown only in this answer."""
    hook = _managed(session, webhook_id, policy)
    hook.secret = new_secret()
    session.flush()
    audit.record(session, policy.viewer.person_id, "webhook.secret_rotated", "webhook", hook.id)
    return WebhookCreated.model_validate(_read(session, hook, secret=True))


def delete(session: Session, webhook_id: uuid.UUID, policy: AccessPolicy) -> None:
    """Remove a webhook; its pending deliveries are skipped, its log stays."""
    hook = _managed(session, webhook_id, policy)
    audit.record(session, policy.viewer.person_id, "webhook.deleted", "webhook", hook.id, {"url": hook.url})
    session.delete(hook)
    session.flush()


def _delivery(job: Job) -> DeliveryRead:
    outcome = job.outcome or ""
    if job.done_at is None:
        state = "pending"
    elif outcome.startswith("delivered"):
        state = "delivered"
    elif outcome.startswith("skipped"):
        state = "skipped"
    else:
        state = "failed"
    return DeliveryRead(
        id=job.id,
        message_id=str(job.payload.get("message_id", "")),
        type=str(job.payload.get("type", "")),
        state=state,
        attempts=job.attempts,
        last_status=job.payload.get("last_status"),
        last_error=job.last_error,
        outcome=job.outcome,
        created_at=job.created_at,
        next_attempt_at=job.due_at if job.done_at is None else None,
        done_at=job.done_at,
    )


def deliveries(session: Session, webhook_id: uuid.UUID, policy: AccessPolicy, *, limit: int) -> list[DeliveryRead]:
    """The delivery log, newest first."""
    hook = _managed(session, webhook_id, policy)
    return [_delivery(job) for job in repo.deliveries(session, hook.id, limit)]


def send_test(session: Session, webhook_id: uuid.UUID, policy: AccessPolicy) -> DeliveryRead:
    """Queue a ``webhook.test`` delivery, to try the receiver and its signature check."""
    hook = _managed(session, webhook_id, policy)
    message_id = str(uuid.uuid4())
    body = {"type": TEST_EVENT, "timestamp": _timestamp(utcnow()), "data": {"webhook_id": str(hook.id)}}
    _queue(session, hook, message_id, body, None)
    job = session.scalars(select(Job).where(Job.key == delivery_key(hook.id, message_id))).one()
    return _delivery(job)
