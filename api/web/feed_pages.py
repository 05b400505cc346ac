"""Mijn feed: make, list and revoke the addresses of one's personal Atom feed."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from api.links import personal_feed_url
from api.web.page import CsrfField, PageDep, done
from services import feeds

router = APIRouter(include_in_schema=False)


def _feed_page(page: PageDep, *, url: str | None = None) -> HTMLResponse:
    assert page.account is not None
    tokens = feeds.tokens_of(page.session, page.account)
    return page.render_private("feed_tokens.html", tokens=tokens, url=url)  # with a new address, once


@router.get("/mijn/feed", response_class=HTMLResponse)
def feed_page(page: PageDep) -> HTMLResponse:
    """My personal feed addresses, and the public feeds."""
    page.require_me()
    return _feed_page(page)


@router.post("/mijn/feed", response_class=HTMLResponse)
def create_feed_token(page: PageDep, csrf: CsrfField = "") -> Response:
    """Make a feed address; it is shown once, on this page."""
    page.check_csrf(csrf)
    assert page.account is not None
    issued = feeds.create_token(page.session, page.account)
    return _feed_page(page, url=personal_feed_url(page.request, issued.secret))


@router.post("/mijn/feed/{token_id}/intrekken", response_class=HTMLResponse)
def revoke_feed_token(page: PageDep, token_id: uuid.UUID, csrf: CsrfField = "") -> Response:
    """Revoke one of my feed addresses."""
    page.check_csrf(csrf)
    assert page.account is not None
    feeds.revoke_token(page.session, page.account, token_id)
    return done("/mijn/feed", "feed_revoked")
