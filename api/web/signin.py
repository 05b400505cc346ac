"""Sign-in and sign-out pages: email + password into an HttpOnly session cookie, CSRF on every form."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SESSION_COOKIE, AccountDep, RuntimeDep, SessionDep
from api.ratelimit import client_key
from api.web.page import CsrfField
from api.web.templating import templates
from api.web.texts import t
from services import auth

router = APIRouter(include_in_schema=False)
CSRF_COOKIE = "praktijkbank_csrf"
AUTHENTICATOR: auth.Authenticator = auth.PasswordAuthenticator()


def _secure(request: Request, runtime: RuntimeDep) -> bool:
    configured = runtime.settings.secure_cookies
    if configured is not None:
        return configured
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


def _local(path: str) -> str:
    """Only a path on this site may be the page to return to after signing in (no open redirect)."""
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else "/"


@router.get("/inloggen", response_class=HTMLResponse)
def sign_in_page(
    request: Request,
    runtime: RuntimeDep,
    account: AccountDep,
    volgende: Annotated[str, Query(max_length=500)] = "/",
) -> Response:
    if account is not None:
        return RedirectResponse(_local(volgende), status_code=303)
    token = secrets.token_urlsafe(24)
    context = {"csrf": token, "error": None, "next": _local(volgende), "email": ""}
    response = templates.TemplateResponse(request, "signin.html", context)
    response.set_cookie(
        CSRF_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request, runtime), max_age=3600
    )
    return response


@router.post("/inloggen", response_class=HTMLResponse)
def sign_in(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1000)],
    csrf: CsrfField = "",
    volgende: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    auth.require_csrf(request.cookies.get(CSRF_COOKIE), csrf)
    limiter = request.app.state.sign_in_limit
    key = f"{email.strip().lower()}|{client_key(request)}"
    if limiter.blocked(key):
        limiter.hit(key)  # raises 429 with Retry-After
    account = AUTHENTICATOR.authenticate(session, email, password)
    if account is None:
        limiter.hit(key)
        context = {"csrf": csrf, "error": t("signin.failed"), "next": _local(volgende), "email": email}
        return templates.TemplateResponse(request, "signin.html", context, status_code=401)
    limiter.reset(key)
    opened = auth.open_session(session, account)
    response = RedirectResponse(_local(volgende), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        opened.cookie,
        httponly=True,
        samesite="lax",
        secure=_secure(request, runtime),
        expires=opened.expires_at,
    )
    response.delete_cookie(CSRF_COOKIE)
    return response


@router.post("/uitloggen")
def sign_out(request: Request, session: SessionDep, csrf: CsrfField = "") -> Response:
    auth.require_csrf(getattr(request.state, "csrf_token", None) or _session_csrf(request, session), csrf)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        auth.close_session(session, cookie)
    response = RedirectResponse("/?melding=signed_out", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _session_csrf(request: Request, session: SessionDep) -> str | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    web = auth.web_session(session, cookie) if cookie else None
    return web.csrf_token if web else None
