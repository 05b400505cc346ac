"""Meldingen (my notifications: read one, read all) and the follow buttons' forms."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from api.web.page import CsrfField, PageDep, done
from core.errors import InvalidInput
from core.vocab import FollowKind
from schemas.outreach import FollowCreate
from services import follows, notifications

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form(max_length=500)]


@router.get("/meldingen", response_class=HTMLResponse)
def notifications_page(page: PageDep) -> HTMLResponse:
    """My notifications, newest first, with links; mark one or all read."""
    page.require_me()
    return page.render("notifications.html", notes=notifications.listing(page.session, page.policy, limit=100))


@router.post("/meldingen/alles-gelezen", response_class=HTMLResponse)
def read_all(page: PageDep, csrf: CsrfField = "") -> Response:
    """Mark all my notifications read."""
    page.check_csrf(csrf)
    notifications.mark_all_read(page.session, page.policy)
    return done("/meldingen", "notifications_read")


@router.post("/meldingen/{notification_id}/gelezen", response_class=HTMLResponse)
def read_one(page: PageDep, notification_id: uuid.UUID, csrf: CsrfField = "") -> Response:
    """Mark one notification read."""
    page.check_csrf(csrf)
    notifications.mark_read(page.session, page.policy, notification_id)
    return done("/meldingen", "notification_read")


@router.post("/volgen", response_class=HTMLResponse)
def follow(page: PageDep, csrf: CsrfField = "", kind: Field = "", target: Field = "", terug: Field = "") -> Response:
    """Follow a theme, community, practice or question (the button beside it)."""
    page.check_csrf(csrf)
    data = _target(kind, target)
    followed, _ = follows.follow(page.session, page.policy, data)
    return done(_back(terug, followed.link), "followed")


@router.post("/niet-meer-volgen", response_class=HTMLResponse)
def unfollow(page: PageDep, csrf: CsrfField = "", kind: Field = "", target: Field = "", terug: Field = "") -> Response:
    """Stop following something (its page, or the list on Mijn Praktijkbank)."""
    page.check_csrf(csrf)
    data = _target(kind, target)
    follows.unfollow(page.session, page.policy, data.kind, data.target)
    return done(_back(terug, "/mijn"), "unfollowed")


def _target(kind: str, target: str) -> FollowCreate:
    """The button's hidden fields; wrong ones only come from a changed page, which gets the Dutch error page."""
    try:
        return FollowCreate(kind=FollowKind(kind), target=target)
    except ValueError as exc:  # an unknown kind, or a pydantic ValidationError (a ValueError) on the target
        raise InvalidInput("not something to follow", field="target") from exc


def _back(path: str, fallback: str) -> str:
    """Back to the page the button was on: a path on this site only (never another site: no open redirect), without
    the notice of an earlier form."""
    parts = urlsplit(path)
    unsafe = any(c <= " " or c == "\x7f" or c == "\\" for c in path)
    if unsafe or parts.scheme or parts.netloc or not parts.path.startswith("/") or path.startswith("//"):
        return fallback
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "melding"])
    return parts.path + (f"?{query}" if query else "") + (f"#{parts.fragment}" if parts.fragment else "")
