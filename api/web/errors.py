"""Errors on pages are HTML pages in Dutch; the API keeps its problem+json. ``api.errors.answer`` picks, by path.

A page that needs a signed-in person sends an anonymous visitor to sign in; a form that came from elsewhere (or
expired) says so; a path that names nothing (a malformed id) is a missing page.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response

from api import errors
from api.web.templating import templates
from api.web.texts import has
from core.errors import PraktijkbankError


def render(request: Request, status: int, exc: Exception | None) -> Response:
    """The Dutch error page for ``status`` (``exc``: what was refused, when known)."""
    if status == 401 and request.method == "GET" and "authorization" not in request.headers:
        # Not signed in: to the sign-in page and back here after; a bad token is told so (no redirect loop).
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/inloggen?volgende={quote(here)}", status_code=303)
    if isinstance(exc, RequestValidationError) and all(e.get("loc", ("",))[0] == "path" for e in exc.errors()):
        status = 404  # /praktijken/<not an id>: no such page
    shown = status if has(f"error.{status}.title") else (500 if status >= 500 else 400)
    csrf = isinstance(exc, PraktijkbankError) and exc.field == "csrf"
    context = {
        **getattr(request.state, "layout", {}),  # who is signed in, when the page's dependency got that far
        "csrf": getattr(request.state, "csrf_token", ""),
        "unread": lambda: 0,  # no count: the request's database session may be gone
        "status": shown,
        "text_key": "error.csrf" if csrf else f"error.{shown}.text",
        "reference": getattr(request.state, "request_id", None),
    }
    page = templates.TemplateResponse(request, "error.html", context, status_code=status)
    if isinstance(exc, PraktijkbankError) and "retry_after" in exc.extra:  # 429, 503: when to try again
        page.headers["Retry-After"] = str(exc.extra["retry_after"])
    return page


def install(app: FastAPI) -> None:
    """Every error of a page is answered with ``render`` (the API's handlers ask ``api.errors.answer``)."""
    errors.install(app, pages=render)
