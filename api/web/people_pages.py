"""People and community pages, Mijn Praktijkbank, and the personal API tokens page."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from api.deps import SearcherDep
from api.routers.common import SlugPath
from api.web.forms import parse
from api.web.page import CsrfField, PageDep, done
from schemas.accounts import TokenCreate
from services import auth, directory

router = APIRouter(include_in_schema=False)


@router.get("/mensen", response_class=HTMLResponse)
def people_page(page: PageDep) -> HTMLResponse:
    """The people whose profile you may see."""
    return page.render("people.html", people=directory.list_people(page.session, page.policy))


@router.get("/mensen/{slug}", response_class=HTMLResponse)
def person_page(page: PageDep, slug: SlugPath) -> HTMLResponse:
    """One person, if they show their profile to you."""
    return page.render("person.html", profile=directory.profile(page.session, slug, page.policy))


@router.get("/gemeenschappen", response_class=HTMLResponse)
def communities_page(page: PageDep) -> HTMLResponse:
    """All learning communities."""
    return page.render("communities.html", communities=directory.list_communities(page.session))


@router.get("/gemeenschappen/{slug}", response_class=HTMLResponse)
def community_page(page: PageDep, slug: SlugPath) -> HTMLResponse:
    """One community: its members (as their profiles allow) and its practices (as you may read them)."""
    return page.render("community.html", c_=directory.community_page(page.session, slug, page.policy))


@router.get("/mijn", response_class=HTMLResponse)
def mine_page(page: PageDep, searcher: SearcherDep) -> HTMLResponse:
    """My practices and drafts, my questions, and questions I could answer."""
    me = page.require_me()
    return page.render("mine.html", mine=directory.mine(page.session, searcher, page.policy, me))


def _tokens_page(
    page: PageDep,
    *,
    secret: str | None = None,
    errors: dict[str, str] | None = None,
    typed: str = "",
    status: int = 200,
) -> HTMLResponse:
    assert page.account is not None
    tokens = auth.tokens_of(page.session, page.account.id)
    # with a new secret, once
    return page.render_private("tokens.html", status, tokens=tokens, secret=secret, errors=errors or {}, typed=typed)


@router.get("/mijn/sleutels", response_class=HTMLResponse)
def tokens_page(page: PageDep) -> HTMLResponse:
    """My personal API tokens: create, list, revoke."""
    page.require_me()
    return _tokens_page(page)


@router.post("/mijn/sleutels", response_class=HTMLResponse)
def create_token(page: PageDep, csrf: CsrfField = "", name: Annotated[str, Form(max_length=500)] = "") -> Response:
    """Make a token; its secret is shown once, on this page."""
    page.check_csrf(csrf)
    assert page.account is not None
    data, errors = parse(TokenCreate, {"name": name.strip()})
    if data is None:
        return _tokens_page(page, errors=errors, typed=name, status=422)
    issued = auth.issue_token(page.session, page.account, data.name)
    return _tokens_page(page, secret=issued.secret)


@router.post("/mijn/sleutels/{token_id}/intrekken", response_class=HTMLResponse)
def revoke_token(page: PageDep, token_id: uuid.UUID, csrf: CsrfField = "") -> Response:
    """Revoke one of my tokens."""
    page.check_csrf(csrf)
    assert page.account is not None
    auth.revoke_token(page.session, page.account, token_id)
    return done("/mijn/sleutels", "token_revoked")
