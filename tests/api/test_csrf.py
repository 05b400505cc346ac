"""CSRF: every page form, found in the app's routes, refuses a forged form from a signed-in browser (a real cookie
session, from the sign-in page) and takes the genuine one; an API write that rests on the session cookie needs the
session's token in a header and must come from this site."""

from __future__ import annotations

import html
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI, routing
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.web.texts import t
from core.vocab import NotificationKind
from services.runtime import Runtime
from storage.base import Base
from storage.database import unit_of_work
from tests.factories import World, csrf_of, make_world, practice_body, serve_world, sign_in

PASSWORD = "een-lang-wachtwoord-123"
KINDS = [kind.value for kind in NotificationKind]
Kring = World  # the admin, a member ("lid") and the curator of the community "kring", who sign in with PASSWORD


@pytest.fixture(scope="module")
def kring(module_runtime: Runtime) -> Iterator[Kring]:
    people = {"admin": "Beheer Kring", "lid": "Lid Kring", "curator": "Curator Kring"}
    members = {"Kring": {"lid-kring": "member", "curator-kring": "curator"}}
    tokens = make_world(module_runtime, people, members, domain="kring.nl", password=PASSWORD)
    with serve_world(module_runtime, tokens) as world:
        yield world


def page_forms(app: FastAPI) -> set[str]:
    """Every form the pages post to: the POST routes of api/web, read from the app, so a new form is listed."""
    return {
        str(context.path)
        for context in routing.iter_route_contexts(app.routes)  # type: ignore[attr-defined]
        if "POST" in (context.methods or ()) and getattr(context.endpoint, "__module__", "").startswith("api.web.")
    }


def _practice(kring: Kring, status: str) -> dict[str, Any]:
    body = practice_body(slug=f"formulier-{uuid.uuid4().hex[:8]}", visibility="community", community="kring")
    response = kring.client.post("/api/v1/practices", json=body | {"status": status}, headers=kring.bearer("admin"))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def _question(kring: Kring) -> str:
    body = {"title": "Wie weet raad met mantelzorgers?", "body": "Mantelzorgers raken overbelast."}
    response = kring.client.post("/api/v1/questions", json=body, headers=kring.bearer("curator"))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _acceptance(kring: Kring) -> tuple[str, dict[str, Any]]:
    question = _question(kring)
    answer = {"body": "Kijk naar het spreekuur in de bibliotheek."}
    response = kring.client.post(f"/api/v1/questions/{question}/answers", json=answer, headers=kring.bearer("lid"))
    assert response.status_code == 201, response.text
    return f"/vragen/{question}/accepteren", {"answer": response.json()["id"]}


def _my_token(kring: Kring) -> str:
    response = kring.client.post("/api/v1/me/tokens", json={"name": "In te trekken"}, headers=kring.bearer("curator"))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _my_feed_token(kring: Kring) -> str:
    response = kring.client.post("/api/v1/me/feed-tokens", headers=kring.bearer("curator"))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _my_notification(kring: Kring) -> str:
    """A notification of the curator's: news of a theme they follow."""
    follow = {"kind": "theme", "target": "wmo"}
    followed = kring.client.post("/api/v1/me/follows", json=follow, headers=kring.bearer("curator"))
    assert followed.status_code in (200, 201), followed.text
    body = practice_body(slug=f"nieuws-{uuid.uuid4().hex[:8]}", themes=["wmo"])
    assert kring.client.post("/api/v1/practices", json=body, headers=kring.bearer("admin")).status_code == 201
    kring.runtime.jobs.drain()
    notes = kring.client.get("/api/v1/me/notifications", headers=kring.bearer("curator")).json()["items"]
    return str(notes[0]["id"])


def _my_follow(kring: Kring) -> tuple[str, dict[str, Any]]:
    follow = {"kind": "theme", "target": "onderwijs"}
    followed = kring.client.post("/api/v1/me/follows", json=follow, headers=kring.bearer("curator"))
    assert followed.status_code in (200, 201), followed.text
    return "/niet-meer-volgen", follow | {"terug": "/mijn"}


# A practice as the write form sends it.
WRITTEN = {key: practice_body()[key] for key in ("title", "summary", "situation", "approach")} | {
    "themes": ["wmo"],
    "community": "kring",
    "visibility": "community",
    "language": "nl",
    "action": "save",
}
DECISION = {"action": "publish", "level": "goed_beschreven", "comment": "Beschreven volgens het format."}


def _decision(kring: Kring) -> tuple[str, dict[str, Any]]:
    practice = _practice(kring, "in_review")
    return f"/praktijken/{practice['slug']}/beoordeling", DECISION | {"version": practice["version"]}


def _edit(kring: Kring) -> tuple[str, dict[str, Any]]:
    practice = _practice(kring, "draft")
    changed = {"title": "Een nieuwe titel voor de werkwijze", "version": practice["version"]}
    return f"/praktijken/{practice['slug']}/bewerken", WRITTEN | changed


# Per page form: the address to post to and a form it accepts, but for the CSRF token (the curator of the kring
# signed in; sign-in itself has its own case). A form missing here fails test_the_table_lists_every_page_form.
FORMS: dict[str, Callable[[Kring], tuple[str, dict[str, Any]]]] = {
    "/inloggen": lambda k: ("/inloggen", {"email": "curator@kring.nl", "password": PASSWORD}),
    "/uitloggen": lambda k: ("/uitloggen", {}),
    "/mijn/sleutels": lambda k: ("/mijn/sleutels", {"name": "Rapportage"}),
    "/mijn/sleutels/{token_id}/intrekken": lambda k: (f"/mijn/sleutels/{_my_token(k)}/intrekken", {}),
    "/mijn/feed": lambda k: ("/mijn/feed", {}),
    "/mijn/feed/{token_id}/intrekken": lambda k: (f"/mijn/feed/{_my_feed_token(k)}/intrekken", {}),
    "/praktijken/nieuw": lambda k: ("/praktijken/nieuw", WRITTEN),
    "/praktijken/{ref}/aanbieden": lambda k: (f"/praktijken/{_practice(k, 'draft')['slug']}/aanbieden", {}),
    "/praktijken/{ref}/beoordeling": _decision,
    "/praktijken/{ref}/bewerken": _edit,
    "/praktijken/{ref}/feedback": lambda k: (
        f"/praktijken/{_practice(k, 'published')['slug']}/feedback",
        {"body": "Werkt ook bij ons."},
    ),
    "/praktijken/{ref}/toegepast": lambda k: (
        f"/praktijken/{_practice(k, 'published')['slug']}/toegepast",
        {"note": "Sinds maart in twee wijken."},
    ),
    "/vragen": lambda k: ("/vragen", {"title": "Mantelzorgers bereiken", "body": "Hoe doen jullie dat?"}),
    "/vragen/{question_id}/antwoorden": lambda k: (f"/vragen/{_question(k)}/antwoorden", {"body": "Via de huisarts."}),
    "/vragen/{question_id}/accepteren": _acceptance,
    "/meldingen/alles-gelezen": lambda k: ("/meldingen/alles-gelezen", {}),
    "/meldingen/{notification_id}/gelezen": lambda k: (f"/meldingen/{_my_notification(k)}/gelezen", {}),
    "/volgen": lambda k: ("/volgen", {"kind": "theme", "target": "jeugd", "terug": "/"}),
    "/niet-meer-volgen": _my_follow,
    "/mijn/meldingen-instellingen": lambda k: ("/mijn/meldingen-instellingen", dict.fromkeys(KINDS, "weekly")),
}
# Page forms that take no CSRF token, with the reason (tests/api/test_mail_pages.py tests each).
WITHOUT_CSRF = {
    "/afmelden/{token}": "RFC 8058 one-click unsubscribe: a mail program posts it without cookies; the signed link "
    "is the proof, and all it can do is stop mail",
}


def _stored(kring: Kring) -> dict[str, int]:
    """Rows per table: a refused form stores nothing (but the write-limit hit, counted before the form is read)."""
    with unit_of_work(kring.runtime.sessions) as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
            if table.name != "rate_limit_hits"
        }


def test_the_table_lists_every_page_form(kring: Kring) -> None:
    assert page_forms(kring.app) == set(FORMS) | set(WITHOUT_CSRF)


@dataclass
class FormCase:
    browser: TestClient  # signed in on the sign-in page (the curator), or anonymous for the sign-in form itself
    token: str  # the token its pages gave it
    url: str
    form: dict[str, Any]  # a form the route accepts, but for the token


def _browser(kring: Kring, route: str, email: str = "curator@kring.nl") -> tuple[TestClient, str]:
    """A browser for this form and the token its pages give it. The sign-in form's token is the one of the cookie
    that came with the sign-in page; every other form's is the signed-in session's."""
    if route == "/inloggen":
        browser = TestClient(kring.app, raise_server_exceptions=False)
        return browser, csrf_of(browser.get("/inloggen").text)
    browser = sign_in(kring.app, email, PASSWORD)
    return browser, csrf_of(browser.get("/mijn/sleutels").text)


def _form_case(kring: Kring, route: str) -> FormCase:
    return FormCase(*_browser(kring, route), *FORMS[route](kring))


def _assert_refused(kring: Kring, case: FormCase, forged: dict[str, dict[str, str]]) -> None:
    """Each forged form is a 403 page that says the form expired or came from elsewhere, and nothing is stored."""
    before = _stored(kring)
    answers = {
        name: case.browser.post(case.url, data=case.form | sent, follow_redirects=False)
        for name, sent in forged.items()
    }
    seen = {name: (r.status_code, t("error.csrf") in html.unescape(r.text)) for name, r in answers.items()}
    assert seen == dict.fromkeys(forged, (403, True)), case.url
    assert _stored(kring) == before, case.url


@pytest.mark.parametrize("route", sorted(FORMS))
def test_a_page_form_with_a_wrong_csrf_token_is_refused_and_with_its_own_accepted(kring: Kring, route: str) -> None:
    """With a real cookie session: another token, someone else's or a nearly right one is refused; the session's
    own token on the same form goes through, so what was refused was the token, nothing else."""
    case = _form_case(kring, route)
    _, someone_elses = _browser(kring, route, "lid@kring.nl")
    _assert_refused(kring, case, {"made up": {"csrf": "vervalst"}, "someone else's": {"csrf": someone_elses},
                                  "nearly": {"csrf": case.token[:-1]}})  # fmt: skip
    accepted = case.browser.post(case.url, data=case.form | {"csrf": case.token}, follow_redirects=False)
    assert accepted.status_code in (200, 303), f"{case.url}: {accepted.status_code} {accepted.text[:500]}"


@pytest.mark.parametrize("route", sorted(FORMS))
def test_a_page_form_without_a_csrf_token_is_refused(kring: Kring, route: str) -> None:
    _assert_refused(kring, _form_case(kring, route), {"no field": {}, "empty": {"csrf": ""}})


def test_an_api_write_on_a_session_cookie_needs_the_csrf_header_and_our_origin(kring: Kring) -> None:
    """A JSON write to the API on the strength of the session cookie alone needs the session's token in
    X-CSRF-Token and must come from this site: the Origin header, or, when a browser sends none, the Referer; with
    neither it is refused. Reads need neither; bearer tokens are not cookies and need neither."""
    browser = sign_in(kring.app, "curator@kring.nl", PASSWORD)
    token = csrf_of(browser.get("/mijn/sleutels").text)
    ours, theirs = "http://testserver", "https://kwaadwillend.example"

    def issued() -> int:
        return len(kring.client.get("/api/v1/me/tokens", headers=kring.bearer("curator")).json())

    def write(**headers: str) -> Any:
        return browser.post("/api/v1/me/tokens", json={"name": "via de cookie"}, headers=headers)

    practice = _practice(kring, "published")
    attack = browser.post(f"/api/v1/practices/{practice['slug']}/archive", data={"x": "1"}, headers={"Origin": theirs})
    assert attack.status_code == 403, attack.text  # another site's form, posted with the cookie: the attack as reported
    read = kring.client.get(f"/api/v1/practices/{practice['slug']}", headers=kring.bearer("admin"))
    assert read.json()["status"] == "published"
    before = issued()
    for headers, field in (
        ({"Origin": ours}, "X-CSRF-Token"),
        ({"Origin": ours, "X-CSRF-Token": "vervalst"}, "X-CSRF-Token"),
        ({"Origin": ours, "X-CSRF-Token": ""}, "X-CSRF-Token"),
        ({"X-CSRF-Token": token}, "Origin"),  # neither Origin nor Referer
        ({"X-CSRF-Token": token, "Origin": theirs}, "Origin"),
        ({"X-CSRF-Token": token, "Referer": f"{theirs}/pagina"}, "Origin"),
        ({"X-CSRF-Token": token, "Origin": theirs, "Referer": f"{ours}/mijn"}, "Origin"),  # Origin, when sent, rules
        ({"X-CSRF-Token": token, "Origin": "null"}, "Origin"),
    ):
        refused = write(**headers)
        assert refused.status_code == 403, (headers, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in refused.json()["errors"]] == [field], (headers, refused.text)
    assert issued() == before  # nothing happened
    assert write(**{"X-CSRF-Token": token, "Origin": ours}).status_code == 201
    assert write(**{"X-CSRF-Token": token, "Referer": f"{ours}/mijn/sleutels"}).status_code == 201
    assert issued() == before + 2
    assert browser.get("/api/v1/me").status_code == 200  # reads need no token
    bearer_write = kring.client.post("/api/v1/me/tokens", json={"name": "hulpmiddel"}, headers=kring.bearer("curator"))
    assert bearer_write.status_code == 201, bearer_write.text
