"""Plain factory functions for tests."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.app import create_app
from api.deps import SESSION_COOKIE
from schemas.accounts import CommunityCreate, MembershipSet
from services import auth
from services import directory as directory_service
from services.access import AccessPolicy
from services.runtime import Runtime
from storage.database import unit_of_work
from storage.models import Account, Community, Organisation, Person
from storage.repositories import directory
from tests.conftest import bearer, make_account


def practice_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Wekelijks inloopspreekuur voor mantelzorgers in de bibliotheek",
        "summary": "Mantelzorgers kunnen elke week zonder afspraak terecht met vragen over respijtzorg en hulp.",
        "situation": "Mantelzorgers raakten overbelast en wisten niet waar ze terecht konden.",
        "approach": "Een Wmo-consulent en een vrijwilliger houden elke dinsdag spreekuur in de bibliotheek.",
        "themes": ["wmo"],
        "language": "nl",
        "status": "published",
        "visibility": "public",
    }
    body.update(overrides)
    return body


def create_practice(client: TestClient, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/v1/practices", json=practice_body(**overrides))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def make_directory(session: Session) -> tuple[Organisation, Person, Community]:
    org = directory.ensure_organisation(session, "Gemeente Testdorp", region="Utrecht")
    person = directory.ensure_person(session, "Ine Tester", role="Wmo-consulent", organisation=org)
    community = directory.ensure_community(session, "Leergemeenschap Testdorp")
    directory.ensure_member(session, community.id, person.id)
    return org, person, community


@dataclass
class World:
    """A test module's running service and the API token of each account in it, by key (``make_world``)."""

    client: TestClient
    runtime: Runtime
    tokens: dict[str, str]

    @property
    def app(self) -> FastAPI:
        return self.client.app  # type: ignore[return-value]

    def bearer(self, key: str) -> dict[str, str]:
        """The headers of a tool calling with this account's token."""
        return bearer(self.tokens[key])


def make_world(
    runtime: Runtime,
    people: Mapping[str, str],
    communities: Mapping[str, Mapping[str, str]] | None = None,
    *,
    domain: str = "test.nl",
    password: str | None = None,
) -> dict[str, str]:
    """The accounts and communities a test module works with; returns each account's API token by its key.

    ``people`` maps a key to a name: the account ``<key>@<domain>`` of that person (the key ``admin`` is an
    administrator), with ``password`` to sign in on the pages. ``communities`` maps a community's name to its
    members, person slug -> role (any person: an account's slug comes from its name). A community that does not
    exist yet (one from the seed may) is made; both go through the services as the admin, so the audit log reads
    as after the API calls."""
    tokens = {
        key: make_account(runtime, f"{key}@{domain}", name, admin=key == "admin", password=password)
        for key, name in people.items()
    }
    if not communities:
        return tokens
    with unit_of_work(runtime.sessions) as session:
        admin = session.scalars(select(Account).where(Account.email == f"admin@{domain}")).one()
        policy = AccessPolicy(auth.viewer_for(session, admin))
        for name, members in communities.items():
            slug = directory.slugify(name)
            if directory.community_by_slug(session, slug) is None:
                directory_service.create_community(session, CommunityCreate(name=name, slug=slug), policy)
            for person, role in members.items():
                directory_service.set_membership(session, slug, person, MembershipSet(role=role), policy)
    return tokens


@contextlib.contextmanager
def serve_world(runtime: Runtime, tokens: dict[str, str]) -> Iterator[World]:
    """The app on this runtime, started, with the accounts of ``make_world``; its client sends no credentials."""
    with TestClient(create_app(runtime.settings, runtime=runtime), raise_server_exceptions=False) as client:
        yield World(client, runtime, tokens)


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def sign_in(app: FastAPI, email: str, password: str) -> TestClient:
    """A browser signed in through the sign-in page, holding the session cookie a person gets there."""
    browser = TestClient(app, raise_server_exceptions=False)
    form = {"email": email, "password": password, "csrf": csrf_of(browser.get("/inloggen").text)}
    response = browser.post("/inloggen", data=form, follow_redirects=False)
    assert response.status_code == 303 and SESSION_COOKIE in browser.cookies, response.text
    return browser
