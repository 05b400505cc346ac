"""Every error leaves as RFC 9457 problem+json naming the wrong field. One place renders them all."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from core import logging as log_context
from core.errors import PraktijkbankError

logger = logging.getLogger(__name__)
PROBLEM_BASE = "https://praktijkbank.nl/problems/"
PROBLEM_JSON = "application/problem+json"

_TITLES = {  # in English, like every detail: one language per response (pages speak Dutch)
    400: "Bad request",
    401: "Not signed in",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal error",
    503: "Temporarily unavailable",
    507: "Storage full",
}


def problem(
    status: int,
    detail: str,
    *,
    request: Request | None = None,
    path: str | None = None,
    slug: str | None = None,
    title: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + (slug or str(status)),
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if request is not None:
        path = request.url.path
    if path is not None:
        body["instance"] = path
    if errors:
        body["errors"] = errors
    body.update({k: v for k, v in extra.items() if v is not None})
    # The same id is in the X-Request-ID header and in every log line of this request (api.middleware).
    if (rid := log_context.request_id.get()) is not None:
        body["request_id"] = rid
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    """('body', 'authors', 1) -> 'authors[1]'; ('query', 'theme') -> 'theme'."""
    parts = list(loc[1:]) if loc and loc[0] in ("body", "query", "path", "header") else list(loc)
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or str(loc[0] if loc else "body")


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = []
    for error in exc.errors():
        loc = error.get("loc", ())
        kind = error.get("type", "")
        if kind == "json_invalid":
            return problem(
                400,
                "the body is not valid JSON",
                request=request,
                slug="invalid-json",
                errors=[{"field": "body", "message": str(error.get("ctx", {}).get("error", "invalid JSON"))}],
            )
        message = error.get("msg", "invalid")
        if kind == "extra_forbidden":
            message = "unknown field"
        errors.append({"field": _field(loc), "message": message, "in": str(loc[0]) if loc else "body"})
    fields = ", ".join(dict.fromkeys(e["field"] for e in errors))
    return problem(422, f"invalid input: {fields}", request=request, slug="invalid-input", errors=errors)


async def _domain(request: Request, exc: PraktijkbankError) -> JSONResponse:
    errors = [{"field": exc.field, "message": exc.detail}] if exc.field else None
    headers = {"ETag": str(exc.extra["current_etag"])} if "current_etag" in exc.extra else {}
    if "retry_after" in exc.extra:
        headers["Retry-After"] = str(exc.extra["retry_after"])
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="praktijkbank"'

    return problem(
        exc.status,
        exc.detail,
        request=request,
        slug=exc.type_slug,
        title=exc.title,
        errors=errors,
        headers=headers,
    )


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = exc.detail if isinstance(exc.detail, str) else "error"
    errors = [{"field": "body", "message": detail}] if exc.status_code in (400, 413) else None
    return problem(exc.status_code, detail, request=request, errors=errors, headers=getattr(exc, "headers", None))


def _database(request: Request, exc: DBAPIError) -> JSONResponse:
    """The database is gone or full: the unit of work was rolled back, nothing was half written. Say so with a
    status a client and a load balancer understand, instead of an anonymous 500."""
    text = str(exc.orig).lower()
    if "disk is full" in text or "no space left" in text or getattr(exc.orig, "sqlstate", None) == "53100":
        logger.error("database write failed, the disk is full: %s", exc.orig)
        return problem(
            507,
            "the server's disk is full; nothing was saved. Try again after the operator has made room",
            request=request,
            slug="insufficient-storage",
        )
    if isinstance(exc, OperationalError | InterfaceError) or exc.connection_invalidated:
        logger.error("database unavailable: %s", exc.orig)
        return problem(
            503,
            "the database is not available; nothing was saved. Try again shortly",
            request=request,
            slug="database-unavailable",
            headers={"Retry-After": "5"},
        )
    raise exc  # a constraint or programming error: the middleware answers it as an unexpected 500


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(PraktijkbankError, _domain)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(DBAPIError, _database)  # type: ignore[arg-type]
    # Unexpected exceptions are answered by api.middleware.RequestContext, which keeps the connection open.


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "model": None,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        "description": _TITLES.get(status, "Error"),
    }
    for status in (400, 401, 403, 404, 409, 412, 413, 422, 428, 429, 500, 503, 507)
}
