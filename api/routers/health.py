"""Liveness and readiness, with the index lag."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import RuntimeDep, SessionDep
from schemas.health import Readiness
from services.health import readiness

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
def readyz(session: SessionDep, runtime: RuntimeDep) -> JSONResponse:
    """200 while the service can answer (`ready`, or `indexing` with its progress); 503 when the index is down."""
    body = readiness(session, runtime.index, runtime.models)
    return JSONResponse(body.model_dump(), status_code=503 if body.status == "degraded" else 200)
