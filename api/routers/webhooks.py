"""Webhooks for other tools: registered by admins, or by a community's curators for that community."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.deps import PolicyDep, SessionDep
from api.errors import ERROR_RESPONSES
from api.ratelimit import WriteLimited
from schemas.webhooks import DeliveryRead, WebhookCreate, WebhookCreated, WebhookRead, WebhookUpdate
from services import webhooks as service

router = APIRouter(prefix="/webhooks", tags=["webhooks"], responses=ERROR_RESPONSES)


@router.post("", response_model=WebhookCreated, status_code=status.HTTP_201_CREATED)
def create_webhook(data: WebhookCreate, session: SessionDep, policy: PolicyDep, _limit: WriteLimited) -> WebhookCreated:
    """Register a URL for events; the answer holds the signing secret, once."""
    return service.create(session, data, policy)


@router.get("", response_model=list[WebhookRead])
def list_webhooks(session: SessionDep, policy: PolicyDep) -> list[WebhookRead]:
    """The webhooks you manage (admins: all; curators: their communities'), without secrets."""
    return service.listed(session, policy)


@router.get("/{webhook_id}", response_model=WebhookRead)
def get_webhook(webhook_id: uuid.UUID, session: SessionDep, policy: PolicyDep) -> WebhookRead:
    """One webhook, with its last status and why it was disabled."""
    return service.get(session, webhook_id, policy)


@router.patch("/{webhook_id}", response_model=WebhookRead)
def update_webhook(
    webhook_id: uuid.UUID, data: WebhookUpdate, session: SessionDep, policy: PolicyDep, _limit: WriteLimited
) -> WebhookRead:
    """Change the URL or events, pause it, or resume it (which forgets its failures)."""
    return service.update(session, webhook_id, data, policy)


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_webhook(webhook_id: uuid.UUID, session: SessionDep, policy: PolicyDep, _limit: WriteLimited) -> Response:
    """Remove a webhook; what was still to be delivered is skipped."""
    service.delete(session, webhook_id, policy)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{webhook_id}/secret", response_model=WebhookCreated)
def rotate_webhook_secret(
    webhook_id: uuid.UUID, session: SessionDep, policy: PolicyDep, _limit: WriteLimited
) -> WebhookCreated:
    """A new signing secret, shown once; the old one stops signing at once."""
    return service.rotate_secret(session, webhook_id, policy)


@router.get("/{webhook_id}/deliveries", response_model=list[DeliveryRead])
def list_webhook_deliveries(
    webhook_id: uuid.UUID,
    session: SessionDep,
    policy: PolicyDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryRead]:
    """The delivery log, newest first: event type, webhook-id, attempts, last status and outcome."""
    return service.deliveries(session, webhook_id, policy, limit=limit)


@router.post("/{webhook_id}/test", response_model=DeliveryRead, status_code=status.HTTP_202_ACCEPTED)
def send_webhook_test(
    webhook_id: uuid.UUID, session: SessionDep, policy: PolicyDep, _limit: WriteLimited
) -> DeliveryRead:
    """Queue a `webhook.test` delivery, to try the receiver and its signature check."""
    return service.send_test(session, webhook_id, policy)
