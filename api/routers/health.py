"""Liveness and readiness, with the index lag."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.deps import RuntimeDep, SessionDep
from storage.base import utcnow
from storage.repositories import index_tasks
from storage.repositories import practices as repo

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(session: SessionDep, runtime: RuntimeDep) -> JSONResponse:
    """Database and index answer; reports how far the index lags behind SQL."""
    session.execute(text("SELECT 1"))
    backlog = index_tasks.backlog(session)
    try:
        indexed = runtime.index.count()
        index_ok = True
    except Exception:  # any engine failure makes us not ready; the detail goes to the log
        indexed, index_ok = -1, False
    body = {
        "status": "ready" if index_ok else "degraded",
        "database": "ok",
        "index": "ok" if index_ok else "unavailable",
        "model": runtime.embedder.name,
        "practices": repo.total(session),
        "indexed_practices": indexed,
        "index_lag": {
            "pending_tasks": backlog.pending,
            "failing_tasks": backlog.failing,
            "oldest_seconds": round((utcnow() - backlog.oldest).total_seconds(), 1) if backlog.oldest else 0.0,
        },
    }
    return JSONResponse(body, status_code=200 if index_ok else 503)
