"""Errors on pages are HTML pages in Dutch; the API keeps its problem+json. One switch, by path.

The API's handlers stay the only place that renders problem+json: each is wrapped, and a request for a page
gets the Dutch page instead. A page that needs a signed-in person sends an anonymous visitor to sign in.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope

from api.web.templating import templates
from api.web.texts import has
from core.errors import PraktijkbankError

logger = logging.getLogger(__name__)
NOT_PAGES = ("/api/", "/static/", "/healthz", "/readyz", "/metrics")
Handler = Callable[[Request, Any], Awaitable[Response] | Response]


def is_page(request: Request) -> bool:
    return not request.url.path.startswith(NOT_PAGES)


def status_of(exc: Exception) -> int:
    if isinstance(exc, PraktijkbankError):
        return exc.status
    if isinstance(exc, StarletteHTTPException):
        return exc.status_code
    if isinstance(exc, RequestValidationError):
        return 422
    return 500


def error_page(request: Request, status: int, *, text_key: str | None = None) -> Response:
    shown = status if has(f"error.{status}.title") else (500 if status >= 500 else 400)
    context = {
        "status": shown,
        "text_key": text_key or f"error.{shown}.text",
        "reference": getattr(request.state, "request_id", None),
    }
    return templates.TemplateResponse(request, "error.html", context, status_code=status)


def _wrap(api_handler: Handler) -> Handler:
    async def handler(request: Request, exc: Exception) -> Response:
        if not is_page(request):
            response = api_handler(request, exc)
            return await response if inspect.isawaitable(response) else response
        status = status_of(exc)
        if status >= 500:
            logger.exception("unhandled error on page %s %s", request.method, request.url.path, exc_info=exc)
        # A visitor who is not signed in is sent to sign in; a bad token is told so (no redirect loop).
        if status == 401 and request.method == "GET" and "authorization" not in request.headers:
            here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/inloggen?volgende={quote(here)}", status_code=303)
        csrf = isinstance(exc, PraktijkbankError) and exc.field == "csrf"
        page = error_page(request, status, text_key="error.csrf" if csrf else None)
        if isinstance(exc, PraktijkbankError) and "retry_after" in exc.extra:  # 429, 503: when to try again
            page.headers["Retry-After"] = str(exc.extra["retry_after"])
        return page

    return handler


def unexpected(scope: Scope, receive: Receive) -> Response | None:
    """The Dutch 500 page for a page that failed unexpectedly (the request-id middleware asks); None for the API."""
    request = Request(scope, receive)
    return error_page(request, 500) if is_page(request) else None


def install(app: FastAPI) -> None:
    """Call after the API's handlers are installed: wraps each of them."""
    for key, api_handler in list(app.exception_handlers.items()):
        app.exception_handlers[key] = _wrap(api_handler)
