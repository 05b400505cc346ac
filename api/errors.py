"""Every error leaves as RFC 9457 problem+json naming the wrong field, or, for a person at a page, as a Dutch page.

One rule picks between them (``speaks_problem``: the path), and ``answer`` applies it for every error: the
exception handlers here, the crash guard and the body-size limit in ``api.middleware``. The pages register
their renderer (``api.web.errors``); this module renders every problem+json.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from core import logging as log_context
from core.errors import PraktijkbankError

logger = logging.getLogger(__name__)
PROBLEM_BASE = "https://praktijkbank.nl/problems/"
PROBLEM_JSON = "application/problem+json"
API_PREFIX = "/api/v1"
MACHINE_PATHS = (f"{API_PREFIX}/", "/healthz", "/readyz", "/metrics", "/feeds/")  # read by programs (feed readers)
PageRenderer = Callable[[Request, int, Exception | None], Response]


def speaks_problem(path: str) -> bool:
    """The one rule: programs (the API and the probes) get problem+json, a person at any other path a page."""
    return path == API_PREFIX or path.startswith(MACHINE_PATHS)


def answer(request: Request, status: int, exc: Exception | None, problem_json: Callable[[], Response]) -> Response:
    """An error as the caller reads it: ``problem_json()`` for a program, the registered page for a person."""
    page: PageRenderer | None = getattr(request.app.state, "error_page", None)
    if page is None or speaks_problem(request.url.path):
        return problem_json()
    return page(request, status, exc)


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


def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
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


def _domain(request: Request, exc: PraktijkbankError) -> JSONResponse:
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


def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = exc.detail if isinstance(exc.detail, str) else "error"
    errors = [{"field": "body", "message": detail}] if exc.status_code in (400, 413) else None
    return problem(exc.status_code, detail, request=request, errors=errors, headers=getattr(exc, "headers", None))


def _database_status(exc: DBAPIError) -> int | None:
    """507 when the disk is full, 503 when the database is gone; None: a bug, answered as an unexpected 500."""
    text = str(exc.orig).lower()
    if "disk is full" in text or "no space left" in text or getattr(exc.orig, "sqlstate", None) == "53100":
        return 507
    if isinstance(exc, OperationalError | InterfaceError) or exc.connection_invalidated:
        return 503
    return None


def _database(request: Request, exc: DBAPIError) -> JSONResponse:
    """The database is gone or full: the unit of work was rolled back, nothing was half written. Say so with a
    status a client and a load balancer understand, instead of an anonymous 500."""
    if _database_status(exc) == 507:
        return problem(
            507,
            "the server's disk is full; nothing was saved. Try again after the operator has made room",
            request=request,
            slug="insufficient-storage",
        )
    return problem(
        503,
        "the database is not available; nothing was saved. Try again shortly",
        request=request,
        slug="database-unavailable",
        headers={"Retry-After": "5"},
    )


def _answering(status_of: Callable[[Any], int | None], render: Callable[[Request, Any], Response]) -> Any:
    """An exception handler that answers through ``answer``: problem+json from ``render`` or the Dutch page."""

    async def handler(request: Request, exc: Exception) -> Response:
        status = status_of(exc)
        if status is None:
            raise exc  # not ours to explain: the middleware answers it as an unexpected 500
        if status >= 500:
            logger.error("%s %s answered %d: %s", request.method, request.url.path, status, exc)
        return answer(request, status, exc, lambda: render(request, exc))

    return handler


def install(app: FastAPI, pages: PageRenderer | None = None) -> None:
    """The handlers of every error; ``pages``: the renderer of the Dutch error page, for everything but the API."""
    app.state.error_page = pages
    app.add_exception_handler(RequestValidationError, _answering(lambda _: 422, _validation))
    app.add_exception_handler(PraktijkbankError, _answering(lambda e: e.status, _domain))
    app.add_exception_handler(StarletteHTTPException, _answering(lambda e: e.status_code, _http))
    app.add_exception_handler(DBAPIError, _answering(_database_status, _database))
    # Unexpected exceptions are answered by api.middleware.RequestContext, which keeps the connection open.


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "model": None,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        "description": _TITLES.get(status, "Error"),
    }
    for status in (400, 401, 403, 404, 409, 412, 413, 422, 428, 429, 500, 503, 507)
}
