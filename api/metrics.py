"""``GET /metrics`` for Prometheus. Only a scraper with the metrics token, or an admin, sees it; for everyone
else the route does not exist (404), so the public learns nothing, not even that it is there."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import SecretStr

from api.deps import SessionDep, account_from
from core import metrics
from core.errors import NotFound
from storage.base import utcnow
from storage.repositories import index_tasks

router = APIRouter(include_in_schema=False)


def _scraper(request: Request) -> bool:
    expected: SecretStr | None = request.app.state.metrics_token
    sent = request.headers.get("authorization", "")
    return expected is not None and hmac.compare_digest(sent.encode(), f"Bearer {expected.get_secret_value()}".encode())


@router.get("/metrics")
def prometheus_metrics(request: Request, session: SessionDep) -> Response:
    """Prometheus text format: request latency by route, index queue, searches, embedding time."""
    if not _scraper(request):
        account = account_from(request, session)  # a bad token is a 401 here as everywhere
        if account is None or not account.is_admin:
            raise NotFound("not found")
    backlog = index_tasks.backlog(session)
    metrics.INDEX_QUEUE.set(backlog.pending)
    metrics.INDEX_FAILING.set(backlog.failing)
    metrics.INDEX_LAG.set((utcnow() - backlog.oldest).total_seconds() if backlog.oldest else 0.0)
    return Response(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)
