"""Access control on every read path, generated from one table; the leak test; identity and audit.

Two sweeps share one world of practices and questions of every visibility, each holding a made-up word:
``ENDPOINTS`` says, per route, role and kind of practice, whether the practice shows; ``SWEEP`` calls every route
of the app as every role and checks every answer, 200 included, for every word, title, id and slug that role
must not see (and that it is never a 500). Routes are enumerated from the app itself (cross-checked against its
OpenAPI document), so a new route fails the suite until it is swept or exempt with a reason.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx2  # what starlette's TestClient speaks
import pytest
from fastapi import routing
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from api.web.texts import t
from core.vocab import Theme
from services.runtime import Runtime
from storage.database import unit_of_work
from storage.models import Account, ApiToken, AuditEntry, WebSession
from tests.conftest import bearer, make_account
from tests.factories import make_world, practice_body

ROLES = ("anonymous", "user", "member", "other_member", "curator", "admin")

# kind of practice -> (body overrides, the made-up word only it contains)
KINDS = {
    "public": ({"visibility": "public", "status": "published"}, "zonnevlecht"),
    "internal": ({"visibility": "internal", "status": "published"}, "kwartelkoning"),
    "community": ({"visibility": "community", "status": "published", "community": "kring-a"}, "mosterdzaadje"),
    "draft": ({"visibility": "public", "status": "draft", "community": "kring-a"}, "brandnetelsoep"),
    "in_review": ({"visibility": "community", "status": "in_review", "community": "kring-a"}, "wolkenkrabbel"),
    "archived": ({"visibility": "public", "status": "archived"}, "stoomfluitje"),
}

WORDS = tuple(word for _, word in KINDS.values())

# THE TABLE: may this role read this kind of practice?
# fmt: off
_ROWS = {
    #              anonymous  user   member other_member curator admin
    "public":      (True,     True,  True,  True,        True,   True),
    "internal":    (False,    True,  True,  True,        True,   True),
    "community":   (False,    False, True,  False,       True,   True),
    "draft":       (False,    False, True,  False,       True,   True),
    "in_review":   (False,    False, True,  False,       True,   True),
    "archived":    (True,     True,  True,  True,        True,   True),
}
# fmt: on
READ = {kind: dict(zip(ROLES, row, strict=True)) for kind, row in _ROWS.items()}


@dataclass
class World:
    client: TestClient
    runtime: Runtime
    tokens: dict[str, str | None]
    practices: dict[str, dict]  # kind -> practice as created
    questions: dict[str, dict]  # kind -> question as created (filled by the questions fixture)

    def as_role(self, role: str) -> dict[str, str]:
        token = self.tokens[role]
        return bearer(token) if token else {}


@pytest.fixture(scope="module")
def world(module_runtime: Runtime) -> Iterator[World]:
    runtime, settings = module_runtime, module_runtime.settings
    people = {"admin": "Admin"} | {role: f"Persoon {role}" for role in ("user", "member", "other_member", "curator")}
    kringen = {
        "Kring A": {"persoon-member": "member", "persoon-curator": "curator"},
        "Kring B": {"persoon-other-member": "member"},
    }
    tokens: dict[str, str | None] = {"anonymous": None, **make_world(runtime, people, kringen)}
    with TestClient(create_app(settings, runtime=runtime), raise_server_exceptions=False) as client:
        admin = bearer(tokens["admin"])  # type: ignore[arg-type]
        practices = {}
        for kind, (overrides, word) in KINDS.items():
            body = practice_body(
                title=f"Werkwijze {kind}",
                summary=f"Over het {word} in de wijk.",
                approach=f"Wij gebruiken het {word}.",
                **{k: v for k, v in overrides.items() if k != "status"},
                status="published" if overrides["status"] == "archived" else overrides["status"],
            )
            response = client.post("/api/v1/practices", json=body, headers=admin)
            assert response.status_code == 201, response.text
            practices[kind] = response.json()
            if overrides["status"] == "archived":
                client.post(f"/api/v1/practices/{practices[kind]['id']}/archive", headers=admin)
        runtime.worker.drain()
        yield World(client, runtime, tokens, practices, {})


# --- the leak check: what a role must not see, looked for in every answer ---------------------------------


def practice_markers(w: World, kind: str) -> tuple[str, ...]:
    practice = w.practices[kind]
    return (KINDS[kind][1], practice["title"], practice["id"], practice["slug"])


def question_markers(w: World, kind: str) -> tuple[str, ...]:
    question = w.questions[kind]
    return (QUESTION_KINDS[kind][1], question["title"], question["id"])


def forbidden(w: World, role: str) -> dict[str, str]:
    """Every marker of every practice and question this role may not read -> what it belongs to."""
    markers = {m: f"practice {kind}" for kind in KINDS if not READ[kind][role] for m in practice_markers(w, kind)}
    if w.questions:
        markers |= {
            m: f"question {kind}"
            for kind in QUESTION_KINDS
            if not QUESTION_READ[kind][role]
            for m in question_markers(w, kind)
        }
    return markers


def assert_no_leak(w: World, role: str, response: httpx2.Response, *, echo: tuple[str, ...] = ()) -> None:
    """Not a 500, and none of the role's forbidden markers anywhere in the answer (headers included).

    A marker the caller sent itself (in the URL or the body) may come back (a search box keeps the query, a 404
    names the path); ``echo`` lists answer fields that repeat the request and are left out of the check."""
    assert response.status_code < 500, f"{response.request.method} {response.request.url}: {response.text}"
    try:
        sent = str(response.request.url) + response.request.content.decode(errors="replace")
    except httpx2.RequestNotRead:  # a redirect that was followed: its request carries no body
        sent = str(response.request.url)
    text = response.text
    if echo and response.headers.get("content-type", "").startswith("application/json"):
        body = response.json()
        if isinstance(body, dict):
            text = str({k: v for k, v in body.items() if k not in echo})
    text += " " + " ".join(f"{k}: {v}" for k, v in response.headers.items())
    leaked = {m: what for m, what in forbidden(w, role).items() if m in text and m not in sent}
    assert not leaked, f"{role} sees {leaked} in {response.request.method} {response.request.url}: {text[:2000]}"


# --- every read endpoint, as a function: (world, role, practice kind) -> did the practice show? -------------


def _get(path: str) -> Callable[[World, str, str], bool]:
    def check(w: World, role: str, kind: str) -> bool:
        response = w.client.get(path.format(id=w.practices[kind]["id"]), headers=w.as_role(role))
        assert response.status_code in (200, 404), response.text
        assert_no_leak(w, role, response)
        return response.status_code == 200

    return check


def _listed(w: World, role: str, kind: str) -> bool:
    response = w.client.get("/api/v1/practices", params={"limit": 100}, headers=w.as_role(role))
    assert response.status_code == 200, response.text
    assert_no_leak(w, role, response)
    return w.practices[kind]["id"] in {p["id"] for p in response.json()["items"]}


def _searched(mode: str) -> Callable[[World, str, str], bool]:
    def check(w: World, role: str, kind: str) -> bool:
        word = KINDS[kind][1]
        hits = w.client.get("/api/v1/search", params={"q": word, "mode": mode, "limit": 50}, headers=w.as_role(role))
        assert hits.status_code == 200
        assert_no_leak(w, role, hits, echo=("query",))
        found = w.practices[kind]["id"] in {h["practice"]["id"] for h in hits.json()["hits"]}
        if not found:
            assert word not in str(hits.json()["hits"])  # not in snippets, titles, anything (the query echo aside)
        return found

    return check


def _in_similar(w: World, role: str, kind: str) -> bool:
    """Does this practice appear among the 'similar' of the public one?"""
    hits = w.client.get(
        f"/api/v1/practices/{w.practices['public']['id']}/similar", params={"limit": 20}, headers=w.as_role(role)
    )
    assert hits.status_code == 200, hits.text
    assert_no_leak(w, role, hits)
    return w.practices[kind]["id"] in {h["practice"]["id"] for h in hits.json()}


def _ask(w: World, role: str, question: str) -> dict[str, Any]:
    """What ``/ask`` answers ``role``, checked for leaks (the question itself may come back)."""
    response = w.client.post("/api/v1/ask", json={"question": question, "limit": 20}, headers=w.as_role(role))
    assert response.status_code == 200, response.text
    assert_no_leak(w, role, response, echo=("question",))
    body: dict[str, Any] = response.json()
    return body


def _asked(w: World, role: str, kind: str) -> bool:
    word = KINDS[kind][1]
    body = _ask(w, role, f"Wie weet iets van het {word}?")
    found = w.practices[kind]["id"] in {p["practice"]["id"] for p in body["practices"]}
    if not found:  # not in practices, reasons of people or communities, snippets
        assert word not in str({k: v for k, v in body.items() if k != "question"})
        assert w.practices[kind]["title"] not in str(body)
    return found


def _draft_checked(w: World, role: str, kind: str) -> bool:
    word = KINDS[kind][1]
    response = w.client.post(
        "/api/v1/practices/similar-check",
        json={"title": f"Over het {word}", "summary": word},
        params={"limit": 20},
        headers=w.as_role(role),
    )
    assert response.status_code == 200, response.text
    assert_no_leak(w, role, response)
    return w.practices[kind]["id"] in {p["practice"]["id"] for p in response.json()}


# endpoint -> (check, only published practices can show there)
ENDPOINTS: dict[str, tuple[Callable[[World, str, str], bool], bool]] = {
    "GET /api/v1/practices/{ref}": (_get("/api/v1/practices/{id}"), False),
    "GET /api/v1/practices/{ref}/versions": (_get("/api/v1/practices/{id}/versions"), False),
    "GET /api/v1/practices/{ref}/versions/{version}": (_get("/api/v1/practices/{id}/versions/1"), False),
    "GET /api/v1/practices/{ref}/similar": (_get("/api/v1/practices/{id}/similar"), False),
    "GET /api/v1/practices": (_listed, False),
    "GET /api/v1/search": (_searched("hybrid"), True),
    "GET /api/v1/search?mode=lexical": (_searched("lexical"), True),
    "GET /api/v1/search?mode=dense": (_searched("dense"), True),
    "similar results": (_in_similar, True),
    "GET /praktijken/{ref}": (_get("/praktijken/{id}"), False),
    "GET /api/v1/practices/{ref}/applications": (_get("/api/v1/practices/{id}/applications"), False),
    "GET /api/v1/practices/{ref}/feedback": (_get("/api/v1/practices/{id}/feedback"), False),
    "POST /api/v1/ask": (_asked, True),
    "POST /api/v1/practices/similar-check": (_draft_checked, True),
}

# --- the sweep: every route of the app, called as every role; every answer checked for leaks ----------------
# A probe makes the route's requests for one role and yields the answers; the sweep checks each for the role's
# forbidden markers and a 500. Writes are sent only where they must be refused (a role that may not read the
# target, or may not write there at all), so the world stays as built; what a permitted write may change is the
# matter of the write tests below.

Probe = Callable[[World, str], Iterator[tuple[httpx2.Response, tuple[str, ...]]]]
REFUSED = (401, 403, 404)
ADMIN_WRITE_REFUSED = (401, 403)


def _get_each(path: str, refs: Callable[[World], list[str]], **params: object) -> Probe:
    def probe(w: World, role: str) -> Iterator[tuple[httpx2.Response, tuple[str, ...]]]:
        for ref in refs(w):
            yield w.client.get(path.format(ref=ref), params=params, headers=w.as_role(role)), ()

    return probe


def _fetch(path: str, **params: object) -> Probe:
    return _get_each(path, lambda w: [""], **params)


def practice_refs(w: World) -> list[str]:
    return [w.practices[kind]["id"] for kind in KINDS] + [w.practices[kind]["slug"] for kind in KINDS]


def question_refs(w: World) -> list[str]:
    return [w.questions[kind]["id"] for kind in QUESTION_KINDS]


def _slugs(w: World, path: str) -> list[str]:
    return [item["slug"] for item in w.client.get(path, headers=w.as_role("admin")).json()]


# Searching is open to every role: each search answers 200 with its own results (an error answer, which would
# show nothing, cannot pass for a clean one).


def _searched_each(w: World, role: str) -> Iterator[tuple[httpx2.Response, tuple[str, ...]]]:
    for word in WORDS:
        response = w.client.get("/api/v1/search", params={"q": word, "limit": 50}, headers=w.as_role(role))
        assert response.status_code == 200 and response.json()["query"] == word, response.text
        yield response, ("query",)


def _home_searched(w: World, role: str) -> Iterator[tuple[httpx2.Response, tuple[str, ...]]]:
    for word in WORDS:
        response = w.client.get("/", params={"q": word}, headers=w.as_role(role))
        assert response.status_code == 200 and f"Resultaten voor ‘{word}’" in response.text, response.status_code
        yield response, ()


def _asked_each(w: World, role: str) -> Iterator[tuple[httpx2.Response, tuple[str, ...]]]:
    for word in WORDS + tuple(word for _, word in QUESTION_KINDS.values()):
        body = {"question": f"Wie weet iets van het {word}?", "limit": 20}
        response = w.client.post("/api/v1/ask", json=body, headers=w.as_role(role))
        assert response.status_code == 200 and response.json()["question"] == body["question"], response.text
        yield response, ("question",)


def _draft_checked_each(w: World, role: str) -> Iterator[tuple[httpx2.Response, tuple[str, ...]]]:
    for word in WORDS:
        body = {"title": f"Over het {word}", "summary": word}
        response = w.client.post("/api/v1/practices/similar-check", json=body, headers=w.as_role(role))
        assert response.status_code == 200 and isinstance(response.json(), list), response.text
        yield response, ()


def _snapshot(w: World, kind: str) -> dict:
    practice = w.client.get(f"/api/v1/practices/{w.practices[kind]['id']}", headers=w.as_role("admin")).json()
    return {k: practice.get(k) for k in ("version", "status", "visibility", "title", "recognition", "community")}


def _practice_write(method: str, suffix: str = "", body: dict | None = None) -> Probe:
    """The write, on every practice this role may not read (anonymous: on every practice): refused, unchanged."""

    def probe(w: World, role: str) -> Iterator[tuple[httpx2.Response, tuple[str, ...]]]:
        for kind in KINDS:
            if READ[kind][role] and role != "anonymous":
                continue
            before = _snapshot(w, kind)
            response = w.client.request(
                method,
                f"/api/v1/practices/{w.practices[kind]['id']}{suffix}",
                json=body,
                headers=w.as_role(role) | {"If-Match": "*"},
            )
            assert response.status_code in REFUSED, (role, kind, response.status_code, response.text)
            assert _snapshot(w, kind) == before
            yield response, ()

    return probe


def _question_write(suffix: str, body: dict) -> Probe:
    def probe(w: World, role: str) -> Iterator[tuple[httpx2.Response, tuple[str, ...]]]:
        for kind in QUESTION_KINDS:
            if QUESTION_READ[kind][role] and role != "anonymous":
                continue
            url = f"/api/v1/questions/{w.questions[kind]['id']}{suffix}"
            response = w.client.post(url, json=body, headers=w.as_role(role))
            assert response.status_code in REFUSED, (role, kind, response.status_code, response.text)
            yield response, ()

    return probe


def _admin_write(method: str, path: str, body: dict | None = None) -> Probe:
    """Only admins (and, for roles, the community's curators: there are none in kring-b) may do this."""

    def probe(w: World, role: str) -> Iterator[tuple[httpx2.Response, tuple[str, ...]]]:
        if role == "admin":
            return  # what an admin may do is the matter of the admin tests
        response = w.client.request(method, path, json=body, headers=w.as_role(role))
        assert response.status_code in ADMIN_WRITE_REFUSED, (role, response.status_code, response.text)
        yield response, ()

    return probe


def _anonymous_write(method: str, path: str, body: dict | None = None) -> Probe:
    """Writes on one's own account: refused without one (what an account may do is tested with accounts)."""

    def probe(w: World, role: str) -> Iterator[tuple[httpx2.Response, tuple[str, ...]]]:
        if role == "anonymous":
            response = w.client.request(method, path, json=body)
            assert response.status_code == 401, response.text
            yield response, ()

    return probe


def _foreign_token_revoked(w: World, role: str) -> Iterator[tuple[httpx2.Response, tuple[str, ...]]]:
    """Nobody revokes another account's token (nor learns it exists)."""
    if role == "admin":
        return
    admin_token = w.client.get("/api/v1/me/tokens", headers=w.as_role("admin")).json()[0]["id"]
    response = w.client.delete(f"/api/v1/me/tokens/{admin_token}", headers=w.as_role(role))
    assert response.status_code in REFUSED, response.text
    assert w.client.get("/api/v1/me", headers=w.as_role("admin")).status_code == 200
    yield response, ()


def _notifications(w: World, role: str) -> Iterator[tuple[httpx2.Response, tuple[str, ...]]]:
    """A role's notifications, after every event of the world is fanned out (questions go to the people who know)."""
    w.runtime.jobs.drain()
    yield w.client.get("/api/v1/me/notifications", params={"limit": 100}, headers=w.as_role(role)), ()


def _foreign_notification_read(w: World, role: str) -> Iterator[tuple[httpx2.Response, tuple[str, ...]]]:
    """Nobody marks another person's notification read (nor learns it exists)."""
    w.runtime.jobs.drain()
    for owner in ("curator", "member"):
        for note in w.client.get("/api/v1/me/notifications", headers=w.as_role(owner)).json()["items"]:
            if role == owner:
                continue
            response = w.client.post(f"/api/v1/me/notifications/{note['id']}/read", headers=w.as_role(role))
            assert response.status_code in REFUSED, (role, response.status_code, response.text)
            yield response, ()


def _followed_unreadable(w: World, role: str) -> Iterator[tuple[httpx2.Response, tuple[str, ...]]]:
    """Following a practice or question the role may not read answers as for one that does not exist."""
    targets = [("practice", w.practices[kind]["slug"]) for kind in KINDS if not READ[kind][role]]
    targets += [("question", w.questions[kind]["id"]) for kind in QUESTION_KINDS if not QUESTION_READ[kind][role]]
    for kind, target in targets:
        response = w.client.post("/api/v1/me/follows", json={"kind": kind, "target": target}, headers=w.as_role(role))
        assert response.status_code == (401 if role == "anonymous" else 404), (role, kind, response.text)
        yield response, ()


def _question_elsewhere(w: World, role: str) -> Iterator[tuple[httpx2.Response, tuple[str, ...]]]:
    """A question into a community the role is not in is refused."""
    if role in ("admin", "other_member"):
        return
    body = {"title": "Vraag in kring B", "body": "Wie weet hoe het gaat in kring B?"}
    response = w.client.post(
        "/api/v1/questions", json=body | {"visibility": "community", "community": "kring-b"}, headers=w.as_role(role)
    )
    assert response.status_code in REFUSED, response.text
    yield response, ()


def _practice_elsewhere(w: World, role: str) -> Iterator[tuple[httpx2.Response, tuple[str, ...]]]:
    """A practice into a community the role may not write in is refused; taking the slug of a practice the role
    cannot read answers exactly as a free slug does (no existence oracle)."""
    if role not in ("anonymous", "user", "other_member"):
        return
    body = practice_body(title="Overname", visibility="community", status="draft", community="kring-a")
    free = w.client.post("/api/v1/practices", json=body | {"slug": "nog-vrij-overname"}, headers=w.as_role(role))
    assert free.status_code in REFUSED, free.text
    for kind in KINDS:
        response = w.client.post(
            "/api/v1/practices", json=body | {"slug": w.practices[kind]["slug"]}, headers=w.as_role(role)
        )
        if READ[kind][role]:
            assert response.status_code in (*REFUSED, 422), response.text
        else:
            assert (response.status_code, response.json()["detail"]) == (free.status_code, free.json()["detail"])
        yield response, ()


def _form_without_csrf(path: str) -> Probe:
    def probe(w: World, role: str) -> Iterator[tuple[httpx2.Response, tuple[str, ...]]]:
        data = {"email": "admin@test.nl", "password": "geen-idee-wat-het-is", "csrf": "vals"}
        response = w.client.post(path, data=data, headers=w.as_role(role), follow_redirects=False)
        assert response.status_code == 403, response.text
        w.client.cookies.clear()
        yield response, ()

    return probe


def _page_searched(path: str, param: str, rendered: Callable[[str], bool]) -> Probe:
    """A page fragment that searches, open to every role: 200, and ``rendered`` recognises the fragment."""

    def probe(w: World, role: str) -> Iterator[tuple[httpx2.Response, tuple[str, ...]]]:
        for word in WORDS:
            response = w.client.get(path, params={param: word}, headers=w.as_role(role))
            assert response.status_code == 200 and rendered(response.text), (response.status_code, response.text)
            yield response, ()

    return probe


def _page_form_refused(path: str, refs: Callable[[World], list[str]] = lambda w: [""]) -> Probe:
    """A page form without its CSRF token (and, for most roles, without the right to the target): refused, and
    what the refusal shows leaks nothing. Anonymous callers are sent to the sign-in page."""

    def probe(w: World, role: str) -> Iterator[tuple[httpx2.Response, tuple[str, ...]]]:
        for ref in refs(w):
            data = {"csrf": "vals", "title": "Overgenomen", "body": "Overgenomen", "note": "x", "answer_id": "x"}
            response = w.client.post(path.format(ref=ref), data=data, headers=w.as_role(role), follow_redirects=False)
            assert response.status_code in (303, 422, *REFUSED), response.text  # 422: a required field is missing
            if response.status_code == 303:
                assert response.headers["location"].startswith("/inloggen"), response.headers["location"]
            yield response, ()

    return probe


def _webhook_registered(w: World, role: str) -> Iterator[tuple[httpx2.Response, tuple[str, ...]]]:
    """Only admins register a webhook for public content, and only a community's curators one for it."""
    if role == "admin":
        return
    for community in (None, "kring-b"):
        body = {"url": "https://ontvanger.example.nl/x", "events": ["practice.published"], "community": community}
        response = w.client.post("/api/v1/webhooks", json=body, headers=w.as_role(role))
        assert response.status_code in ADMIN_WRITE_REFUSED, (role, response.status_code, response.text)
        yield response, ()


def _webhook_refused(method: str, suffix: str = "", body: dict | None = None) -> Probe:
    """A webhook the role does not manage (here: none exists) is refused the same way for every role."""

    def probe(w: World, role: str) -> Iterator[tuple[httpx2.Response, tuple[str, ...]]]:
        path = f"/api/v1/webhooks/{uuid.uuid4()}{suffix}"
        response = w.client.request(method, path, json=body, headers=w.as_role(role))
        assert response.status_code in REFUSED, (role, response.status_code, response.text)
        yield response, ()

    return probe


def _unsubscribe_forged(method: str) -> Probe:
    """An unsubscribe link this service did not sign (or signed for someone else's scope) is not found, for
    anyone: the page it shows for a real one is tested in tests/api/test_mail_pages.py."""

    def probe(w: World, role: str) -> Iterator[tuple[httpx2.Response, tuple[str, ...]]]:
        for token in (f"{uuid.uuid4().hex}.answer.{'A' * 43}", "vals"):
            response = w.client.request(method, f"/afmelden/{token}", headers=w.as_role(role))
            assert response.status_code == 404, (role, response.status_code, response.text)
            yield response, ()

    return probe


def _page_slugs(path: str) -> Callable[[World], list[str]]:
    return lambda w: _slugs(w, path)


def _personal_feed(w: World, role: str) -> Iterator[tuple[httpx2.Response, tuple[str, ...]]]:
    """A role's personal feed holds only what the role may read; without a feed token there is no feed."""
    if role == "anonymous":
        for token in ("", w.tokens["admin"]):  # none, or an API token: neither opens a feed
            response = w.client.get("/feeds/persoonlijk.atom", params={"token": token})
            assert response.status_code == 404, response.text
            yield response, ()
        return
    created = w.client.post("/api/v1/me/feed-tokens", headers=w.as_role(role))
    assert created.status_code == 201, created.text
    response = w.client.get(created.json()["url"])
    assert response.status_code == 200, response.text
    yield response, ()
    w.client.delete(f"/api/v1/me/feed-tokens/{created.json()['id']}", headers=w.as_role(role))


def _foreign_feed_token_revoked(w: World, role: str) -> Iterator[tuple[httpx2.Response, tuple[str, ...]]]:
    """Nobody revokes another person's feed token (nor learns it exists)."""
    if role == "admin":
        return
    created = w.client.post("/api/v1/me/feed-tokens", headers=w.as_role("admin")).json()
    response = w.client.delete(f"/api/v1/me/feed-tokens/{created['id']}", headers=w.as_role(role))
    assert response.status_code in REFUSED, response.text
    assert w.client.get(created["url"]).status_code == 200
    yield response, ()


LEVEL = {"level": "goed_beschreven", "explanation": "Beschreven volgens het format.", "reassess_at": "2030-01-01"}
APPLIED = {"applied_on": "2024-01-01", "note": "Wij pasten het toe in onze wijk."}
PEOPLE = "/api/v1/people"
SWEEP: dict[str, Probe] = {
    "GET /api/v1/practices": _fetch("/api/v1/practices", limit=100),
    "POST /api/v1/practices": _practice_elsewhere,
    "GET /api/v1/practices/{ref}": _get_each("/api/v1/practices/{ref}", practice_refs),
    "PATCH /api/v1/practices/{ref}": _practice_write("PATCH", body={"title": "Overgenomen", "visibility": "public"}),
    "DELETE /api/v1/practices/{ref}": _practice_write("DELETE"),
    "POST /api/v1/practices/{ref}/archive": _practice_write("POST", "/archive"),
    "POST /api/v1/practices/{ref}/status": _practice_write("POST", "/status", {"status": "archived"}),
    "PUT /api/v1/practices/{ref}/recognition": _practice_write("PUT", "/recognition", LEVEL),
    "GET /api/v1/practices/{ref}/versions": _get_each("/api/v1/practices/{ref}/versions", practice_refs),
    "GET /api/v1/practices/{ref}/versions/{version}": _get_each("/api/v1/practices/{ref}/versions/1", practice_refs),
    "GET /api/v1/practices/{ref}/similar": _get_each("/api/v1/practices/{ref}/similar", practice_refs, limit=20),
    "GET /api/v1/practices/{ref}/applications": _get_each("/api/v1/practices/{ref}/applications", practice_refs),
    "POST /api/v1/practices/{ref}/applications": _practice_write("POST", "/applications", APPLIED),
    "GET /api/v1/practices/{ref}/feedback": _get_each("/api/v1/practices/{ref}/feedback", practice_refs),
    "POST /api/v1/practices/{ref}/feedback": _practice_write("POST", "/feedback", {"body": "Goed idee, dit werkt."}),
    "POST /api/v1/practices/similar-check": _draft_checked_each,
    "GET /api/v1/search": _searched_each,
    "POST /api/v1/ask": _asked_each,
    "GET /api/v1/questions": _fetch("/api/v1/questions", limit=100),
    "POST /api/v1/questions": _question_elsewhere,
    "GET /api/v1/questions/{question_id}": _get_each("/api/v1/questions/{ref}", question_refs),
    "POST /api/v1/questions/{question_id}/answers": _question_write("/answers", {"body": "Dit is mijn antwoord."}),
    "POST /api/v1/questions/{question_id}/accept": _question_write("/accept", {"answer_id": str(uuid.uuid4())}),
    "GET /api/v1/people": _fetch(PEOPLE),
    "GET /api/v1/people/{slug}": _get_each(PEOPLE + "/{ref}", lambda w: _slugs(w, PEOPLE)),
    "GET /api/v1/people/{slug}/suggested-questions": _get_each(
        PEOPLE + "/{ref}/suggested-questions", lambda w: _slugs(w, PEOPLE)
    ),
    "GET /api/v1/organisations": _fetch("/api/v1/organisations"),
    "GET /api/v1/organisations/{slug}": _get_each(
        "/api/v1/organisations/{ref}", lambda w: _slugs(w, "/api/v1/organisations")
    ),
    "GET /api/v1/communities": _fetch("/api/v1/communities"),
    "GET /api/v1/communities/{slug}": _get_each(
        "/api/v1/communities/{ref}", lambda w: _slugs(w, "/api/v1/communities")
    ),
    "POST /api/v1/communities": _admin_write("POST", "/api/v1/communities", {"name": "Kring C", "slug": "kring-c"}),
    "PUT /api/v1/communities/{slug}/members/{person_slug}": _admin_write(
        "PUT", "/api/v1/communities/kring-b/members/persoon-user", {"role": "curator"}
    ),
    "DELETE /api/v1/communities/{slug}/members/{person_slug}": _admin_write(
        "DELETE", "/api/v1/communities/kring-b/members/persoon-other-member"
    ),
    "GET /api/v1/audit": _fetch("/api/v1/audit", limit=1000),
    "GET /api/v1/insights/gaps": _fetch("/api/v1/insights/gaps"),
    "GET /api/v1/me": _fetch("/api/v1/me"),
    "GET /api/v1/me/tokens": _fetch("/api/v1/me/tokens"),
    "POST /api/v1/me/tokens": _anonymous_write("POST", "/api/v1/me/tokens", {"name": "x", "expires_in_days": 1}),
    "DELETE /api/v1/me/tokens/{token_id}": _foreign_token_revoked,
    "GET /feeds/praktijken.atom": _fetch("/feeds/praktijken.atom"),
    "GET /feeds/thema/{theme}.atom": _get_each("/feeds/thema/{ref}.atom", lambda w: [t.value for t in Theme]),
    "GET /feeds/gemeenschappen/{slug}.atom": _get_each(
        "/feeds/gemeenschappen/{ref}.atom", _page_slugs("/api/v1/communities")
    ),
    "GET /feeds/vragen.atom": _fetch("/feeds/vragen.atom"),
    "GET /feeds/persoonlijk.atom": _personal_feed,
    "GET /api/v1/me/feed-tokens": _fetch("/api/v1/me/feed-tokens"),
    "POST /api/v1/me/feed-tokens": _anonymous_write("POST", "/api/v1/me/feed-tokens"),
    "DELETE /api/v1/me/feed-tokens/{token_id}": _foreign_feed_token_revoked,
    "GET /mijn/feed": _fetch("/mijn/feed"),
    "POST /mijn/feed": _page_form_refused("/mijn/feed"),
    "POST /mijn/feed/{token_id}/intrekken": _page_form_refused(f"/mijn/feed/{uuid.uuid4()}/intrekken"),
    "POST /api/v1/webhooks": _webhook_registered,
    "GET /api/v1/webhooks": _fetch("/api/v1/webhooks"),
    "GET /api/v1/webhooks/{webhook_id}": _webhook_refused("GET"),
    "PATCH /api/v1/webhooks/{webhook_id}": _webhook_refused("PATCH", body={"active": False}),
    "DELETE /api/v1/webhooks/{webhook_id}": _webhook_refused("DELETE"),
    "POST /api/v1/webhooks/{webhook_id}/secret": _webhook_refused("POST", "/secret"),
    "POST /api/v1/webhooks/{webhook_id}/test": _webhook_refused("POST", "/test"),
    "GET /api/v1/webhooks/{webhook_id}/deliveries": _webhook_refused("GET", "/deliveries"),
    "GET /api/v1/healthz": _fetch("/api/v1/healthz"),
    "GET /api/v1/readyz": _fetch("/api/v1/readyz"),
    "GET /healthz": _fetch("/healthz"),
    "GET /readyz": _fetch("/readyz"),
    "GET /metrics": _fetch("/metrics"),  # 404 but for admins; counts and route templates only
    "GET /api/v1/openapi.json": _fetch("/api/v1/openapi.json"),
    "GET /api/v1/docs": _fetch("/api/v1/docs"),
    "GET /docs/oauth2-redirect": _fetch("/docs/oauth2-redirect"),
    "GET /": _home_searched,
    "GET /praktijken/{ref}": _get_each("/praktijken/{ref}", practice_refs),
    "GET /inloggen": _fetch("/inloggen"),
    "POST /inloggen": _form_without_csrf("/inloggen"),
    "POST /uitloggen": _form_without_csrf("/uitloggen"),
    "GET /netwerk": _page_searched("/netwerk", "q", lambda html: 'id="kop-netwerk"' in html),
    "GET /praktijken/vergelijkbaar": _page_searched(
        "/praktijken/vergelijkbaar",
        "title",
        lambda html: 'class="pb-similar"' in html or t("write.similar_none") in html,
    ),
    "GET /praktijken/nieuw": _fetch("/praktijken/nieuw"),
    "GET /praktijken/{ref}/bewerken": _get_each("/praktijken/{ref}/bewerken", practice_refs),
    "GET /praktijken/{ref}/versies": _get_each("/praktijken/{ref}/versies", practice_refs),
    "GET /beoordelen": _fetch("/beoordelen"),
    "GET /vragen": _fetch("/vragen"),
    "GET /vragen/nieuw": _fetch("/vragen/nieuw"),
    "GET /vragen/{question_id}": _get_each("/vragen/{ref}", question_refs),
    "GET /mensen": _fetch("/mensen"),
    "GET /mensen/{slug}": _get_each("/mensen/{ref}", _page_slugs(PEOPLE)),
    "GET /gemeenschappen": _fetch("/gemeenschappen"),
    "GET /gemeenschappen/{slug}": _get_each("/gemeenschappen/{ref}", _page_slugs("/api/v1/communities")),
    "GET /mijn": _fetch("/mijn"),
    "GET /mijn/sleutels": _fetch("/mijn/sleutels"),
    "POST /mijn/sleutels": _page_form_refused("/mijn/sleutels"),
    "GET /api/v1/me/notifications": _notifications,
    "POST /api/v1/me/notifications/read-all": _anonymous_write("POST", "/api/v1/me/notifications/read-all"),
    "POST /api/v1/me/notifications/{notification_id}/read": _foreign_notification_read,
    "GET /api/v1/me/follows": _fetch("/api/v1/me/follows"),
    "POST /api/v1/me/follows": _followed_unreadable,
    "DELETE /api/v1/me/follows/{kind}/{target}": _anonymous_write("DELETE", "/api/v1/me/follows/theme/wmo"),
    "GET /meldingen": _fetch("/meldingen"),
    "POST /meldingen/alles-gelezen": _page_form_refused("/meldingen/alles-gelezen"),
    "POST /meldingen/{notification_id}/gelezen": _page_form_refused(f"/meldingen/{uuid.uuid4()}/gelezen"),
    "POST /volgen": _page_form_refused("/volgen"),
    "POST /niet-meer-volgen": _page_form_refused("/niet-meer-volgen"),
    "POST /mijn/sleutels/{token_id}/intrekken": _page_form_refused(f"/mijn/sleutels/{uuid.uuid4()}/intrekken"),
    "POST /praktijken/nieuw": _page_form_refused("/praktijken/nieuw"),
    "POST /praktijken/{ref}/aanbieden": _page_form_refused("/praktijken/{ref}/aanbieden", practice_refs),
    "POST /praktijken/{ref}/beoordeling": _page_form_refused("/praktijken/{ref}/beoordeling", practice_refs),
    "POST /praktijken/{ref}/bewerken": _page_form_refused("/praktijken/{ref}/bewerken", practice_refs),
    "POST /praktijken/{ref}/feedback": _page_form_refused("/praktijken/{ref}/feedback", practice_refs),
    "POST /praktijken/{ref}/toegepast": _page_form_refused("/praktijken/{ref}/toegepast", practice_refs),
    "POST /vragen": _page_form_refused("/vragen"),
    "POST /vragen/{question_id}/accepteren": _page_form_refused("/vragen/{ref}/accepteren", question_refs),
    "POST /vragen/{question_id}/antwoorden": _page_form_refused("/vragen/{ref}/antwoorden", question_refs),
    "GET /api/v1/me/mail-preferences": _fetch("/api/v1/me/mail-preferences"),
    "PUT /api/v1/me/mail-preferences": _anonymous_write("PUT", "/api/v1/me/mail-preferences", {"preferences": {}}),
    "GET /mijn/meldingen-instellingen": _fetch("/mijn/meldingen-instellingen"),
    "POST /mijn/meldingen-instellingen": _page_form_refused("/mijn/meldingen-instellingen"),
    "GET /afmelden/{token}": _unsubscribe_forged("GET"),
    "POST /afmelden/{token}": _unsubscribe_forged("POST"),
}
# Routes the sweep leaves out, with the reason. Empty today: keep it that way where you can.
EXEMPT: dict[str, str] = {}


def app_routes(w: World) -> set[str]:
    return {
        f"{method} {context.path}"
        for context in routing.iter_route_contexts(w.client.app.routes)  # type: ignore[attr-defined]
        for method in (context.methods or ())
        if method != "HEAD"
    }


def test_every_route_is_swept(world: World) -> None:
    routes = app_routes(world)
    # The enumeration itself must see the routes: every operation of the OpenAPI document is among them.
    paths = world.client.get("/api/v1/openapi.json").json()["paths"]
    documented = {f"{method.upper()} {path}" for path, operations in paths.items() for method in operations}
    assert documented and documented <= routes, sorted(documented - routes)
    unknown = routes - set(SWEEP) - set(EXEMPT)
    assert not unknown, f"add these routes to SWEEP (or EXEMPT, with the reason): {sorted(unknown)}"
    assert not (set(SWEEP) | set(EXEMPT)) - routes, "SWEEP or EXEMPT names a route the app does not have"
    assert {e.split("?")[0] for e in ENDPOINTS if e.startswith(("GET", "POST"))} <= routes


SWEEP_CASES = list(itertools.product(SWEEP, ROLES))


@pytest.mark.parametrize(("route", "role"), SWEEP_CASES, ids=["|".join(c) for c in SWEEP_CASES])
def test_no_answer_shows_what_the_role_may_not_see(
    world: World, questions: dict[str, dict], route: str, role: str
) -> None:
    for response, echo in SWEEP[route](world, role):
        assert_no_leak(world, role, response, echo=echo)


CASES = list(itertools.product(ENDPOINTS, ROLES, KINDS))


@pytest.mark.parametrize(("endpoint", "role", "kind"), CASES, ids=["|".join(c) for c in CASES])
def test_access_matrix(world: World, questions: dict[str, dict], endpoint: str, role: str, kind: str) -> None:
    check, published_only = ENDPOINTS[endpoint]
    expected = READ[kind][role] and (not published_only or KINDS[kind][0]["status"] == "published")
    if endpoint == "similar results" and kind == "public":
        expected = False  # a practice is never similar to itself
    assert check(world, role, kind) is expected


def test_readyz_counts_leak_nothing_per_practice(world: World) -> None:
    body = world.client.get("/readyz").json()
    assert set(body) == {
        "status",
        "database",
        "index",
        "model",
        "practices",
        "indexed_practices",
        "questions",
        "indexed_questions",
        "progress",
        "index_lag",
    }


# --- identity: tokens and passwords never in plain text; bad tokens ---------------------------------------


def test_secrets_are_stored_only_as_hashes(world: World) -> None:
    with unit_of_work(world.runtime.sessions) as session:
        stored = " ".join(f"{t.token_hash} {t.prefix}" for t in session.scalars(select(ApiToken))) + " ".join(
            a.password_hash or "" for a in session.scalars(select(Account))
        )
    for token in world.tokens.values():
        if token:
            assert token not in stored
            assert token[12:] not in stored


def test_password_sign_in_session_cookie_and_csrf(world: World) -> None:
    make_account(world.runtime, "web@test.nl", "Web Gebruiker", password="een-lang-wachtwoord-123")
    client = world.client
    page = client.get("/inloggen")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    cookies = page.headers["set-cookie"]
    assert "HttpOnly" in cookies and "SameSite=strict" in cookies
    no_csrf = client.post(
        "/inloggen", data={"email": "web@test.nl", "password": "een-lang-wachtwoord-123", "csrf": "x"}
    )
    assert no_csrf.status_code == 403
    wrong = client.post("/inloggen", data={"email": "web@test.nl", "password": "fout", "csrf": csrf})
    assert wrong.status_code == 401 and "klopt niet" in wrong.text
    ok = client.post(
        "/inloggen",
        data={"email": "web@test.nl", "password": "een-lang-wachtwoord-123", "csrf": csrf},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    session_cookie = ok.headers["set-cookie"]
    assert (
        "praktijkbank_sessie=" in session_cookie and "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie
    )
    assert "Ingelogd als Web Gebruiker" in client.get("/").text
    assert client.get("/api/v1/me").json()["email"] == "web@test.nl"
    with unit_of_work(world.runtime.sessions) as session:
        hashes = [s.session_hash for s in session.scalars(select(WebSession))]
    assert client.cookies.get("praktijkbank_sessie") not in hashes
    assert client.post("/uitloggen", data={"csrf": "wrong"}).status_code == 403
    home = client.get("/")
    csrf = home.text.split('name="csrf" value="')[1].split('"')[0]
    assert client.post("/uitloggen", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    client.cookies.clear()
    assert client.get("/api/v1/me").status_code == 401


def test_failed_sign_ins_are_rate_limited(world: World) -> None:
    client = world.client
    page = client.get("/inloggen")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    statuses = [
        client.post("/inloggen", data={"email": "raden@test.nl", "password": f"gok{n}", "csrf": csrf}).status_code
        for n in range(7)
    ]
    assert statuses[:5] == [401] * 5
    assert statuses[5:] == [429, 429]
    client.cookies.clear()


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("Bearer pbk_doesnotexist_0123456789abcdef", "unknown token"),
        ("Bearer not-even-a-token", "malformed token"),
        ("Basic dXNlcjpwdw==", "Bearer"),
        ("Bearer ", "Bearer"),
    ],
)
def test_bad_tokens_get_401_problems(world: World, header: str, reason: str) -> None:
    response = world.client.get("/api/v1/practices", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert reason in response.json()["detail"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_tokens_expire_and_can_be_revoked(world: World) -> None:
    token = make_account(world.runtime, "tokens@test.nl", "Token Gebruiker")
    client = world.client
    created = client.post("/api/v1/me/tokens", json={"name": "koppeling", "expires_in_days": 1}, headers=bearer(token))
    assert created.status_code == 201
    secret = created.json()["token"]
    listed = client.get("/api/v1/me/tokens", headers=bearer(secret)).json()
    assert {t["name"] for t in listed} == {"tests", "koppeling"}
    assert all("token" not in t for t in listed)
    assert client.delete(f"/api/v1/me/tokens/{created.json()['id']}", headers=bearer(token)).status_code == 204
    revoked = client.get("/api/v1/me", headers=bearer(secret))
    assert revoked.status_code == 401 and "revoked" in revoked.json()["detail"]
    from services.auth import digest
    from storage.base import utcnow

    with unit_of_work(world.runtime.sessions) as session:
        session.scalars(select(ApiToken).where(ApiToken.token_hash == digest(token))).one().expires_at = utcnow()
    expired = client.get("/api/v1/me", headers=bearer(token))
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]
    bad = client.post(
        "/api/v1/me/tokens", json={"name": "x", "expires_in_days": 1000}, headers=bearer(world.tokens["user"])
    )  # type: ignore[arg-type]
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "expires_in_days"


# --- roles and the workflow ------------------------------------------------------------------------------


def test_writes_need_an_account_and_the_right_role(world: World) -> None:
    c, w = world.client, world
    assert c.post("/api/v1/practices", json=practice_body()).status_code == 401
    as_user = w.as_role("user")
    assert (
        c.post(
            "/api/v1/practices", json=practice_body(status="draft", community="kring-a"), headers=as_user
        ).status_code
        == 403
    )
    assert (
        c.post(
            "/api/v1/practices",
            json=practice_body(status="published", community="kring-a"),
            headers=w.as_role("member"),
        ).status_code
        == 403
    )  # only curators publish into a community
    draft = c.post(
        "/api/v1/practices",
        json=practice_body(title="Concept van lid", status="draft", community="kring-a"),
        headers=w.as_role("member"),
    )
    assert draft.status_code == 201
    url = f"/api/v1/practices/{draft.json()['id']}"
    assert c.post(f"{url}/status", json={"status": "in_review"}, headers=w.as_role("other_member")).status_code == 404
    assert c.post(f"{url}/status", json={"status": "in_review"}, headers=w.as_role("member")).status_code == 200
    assert c.post(f"{url}/status", json={"status": "published"}, headers=w.as_role("member")).status_code == 403
    assert c.post(f"{url}/status", json={"status": "archived"}, headers=w.as_role("curator")).status_code == 409
    assert c.post(f"{url}/status", json={"status": "published"}, headers=w.as_role("curator")).status_code == 200
    level = {
        "level": "goed_beschreven",
        "explanation": "Beschreven volgens het format; twee gemeenten pasten het toe.",
        "reassess_at": "2030-01-01",
    }
    assert c.put(f"{url}/recognition", json=level, headers=w.as_role("member")).status_code == 403
    assert (
        c.put(
            f"{url}/recognition", json=level | {"reassess_at": "2001-01-01"}, headers=w.as_role("curator")
        ).status_code
        == 422
    )
    recognised = c.put(f"{url}/recognition", json=level, headers=w.as_role("curator"))
    assert recognised.status_code == 200
    assert recognised.json()["recognition"]["level"] == "goed_beschreven"
    assert recognised.json()["recognition"]["explanation"].startswith("Beschreven")
    assert c.delete(url, headers=w.as_role("member")).status_code == 403
    assert c.delete(url, headers=w.as_role("curator")).status_code == 204


def test_every_transition_is_audited_with_actor_and_time(world: World) -> None:
    c, w = world.client, world
    created = c.post(
        "/api/v1/practices",
        json=practice_body(title="Te volgen", status="draft", community="kring-a"),
        headers=w.as_role("member"),
    ).json()
    url = f"/api/v1/practices/{created['id']}"
    for role, target in (
        ("member", "in_review"),
        ("curator", "published"),
        ("curator", "archived"),
        ("curator", "published"),
    ):
        assert c.post(f"{url}/status", json={"status": target}, headers=w.as_role(role)).status_code == 200
    c.put(
        f"{url}/recognition",
        json={"level": "goed_onderbouwd", "explanation": "Theorie en evaluatie."},
        headers=w.as_role("curator"),
    )
    c.delete(url, headers=w.as_role("curator"))
    assert c.get("/api/v1/audit", headers=w.as_role("curator")).status_code == 403
    log = c.get("/api/v1/audit", params={"target_id": created["id"]}, headers=w.as_role("admin")).json()
    actions = [(e["action"], e["detail"].get("to")) for e in reversed(log)]
    assert actions == [
        ("practice.created", None),
        ("practice.status", "in_review"),
        ("practice.status", "published"),
        ("practice.status", "archived"),
        ("practice.status", "published"),
        ("practice.recognition", "goed_onderbouwd"),
        ("practice.deleted", None),
    ]
    with unit_of_work(w.runtime.sessions) as session:
        entries = list(session.scalars(select(AuditEntry).where(AuditEntry.target_id == created["id"])))
    assert all(e.actor_id is not None and e.at is not None for e in entries)
    role_changes = c.get("/api/v1/audit", headers=w.as_role("admin"), params={"limit": 1000}).json()
    assert any(e["action"] == "community.role" and e["detail"]["to"] == "curator" for e in role_changes)


# --- questions and answers: the same idea, a table of its own ----------------------------------------------

QUESTION_KINDS = {
    "public": ({"visibility": "public"}, "pimpelmees"),
    "internal": ({"visibility": "internal"}, "dotterbloem"),
    "community": ({"visibility": "community", "community": "kring-a"}, "klokhuisje"),
}
# Questions follow the same visibility rules as published practices: the same rows of the one table.
QUESTION_READ = {kind: READ[kind] for kind in QUESTION_KINDS}


@pytest.fixture(scope="module")
def questions(world: World) -> dict[str, dict]:
    made = {}
    for kind, (overrides, word) in QUESTION_KINDS.items():
        body = {
            "title": f"Vraag over het {word}",
            "body": f"Wij zoeken ervaring met het {word} in de wijk.",
            **overrides,
        }
        response = world.client.post("/api/v1/questions", json=body, headers=world.as_role("member"))
        assert response.status_code == 201, response.text
        made[kind] = response.json()
        answer = {"body": f"Het {word} werkt het best met een vaste contactpersoon."}
        assert (
            world.client.post(
                f"/api/v1/questions/{made[kind]['id']}/answers", json=answer, headers=world.as_role("curator")
            ).status_code
            == 201
        )
    world.runtime.worker.drain()
    world.questions.update(made)
    return made


def _question_get(w: World, qs: dict[str, dict], role: str, kind: str) -> bool:
    response = w.client.get(f"/api/v1/questions/{qs[kind]['id']}", headers=w.as_role(role))
    assert response.status_code in (200, 404)
    assert_no_leak(w, role, response)
    return response.status_code == 200


def _question_listed(w: World, qs: dict[str, dict], role: str, kind: str) -> bool:
    response = w.client.get("/api/v1/questions", params={"limit": 100}, headers=w.as_role(role))
    assert response.status_code == 200, response.text
    assert_no_leak(w, role, response)
    return qs[kind]["id"] in {q["id"] for q in response.json()}


def _question_asked(w: World, qs: dict[str, dict], role: str, kind: str) -> bool:
    word = QUESTION_KINDS[kind][1]
    body = _ask(w, role, f"ervaring met het {word}?")
    found = qs[kind]["id"] in {q["id"] for q in body["questions"]}
    if not found:
        assert word not in str({k: v for k, v in body.items() if k != "question"})
    return found


QUESTION_ENDPOINTS = {
    "GET /api/v1/questions/{question_id}": _question_get,
    "GET /api/v1/questions": _question_listed,
    "POST /api/v1/ask": _question_asked,
}
QCASES = list(itertools.product(QUESTION_ENDPOINTS, ROLES, QUESTION_KINDS))


@pytest.mark.parametrize(("endpoint", "role", "kind"), QCASES, ids=["|".join(c) for c in QCASES])
def test_question_access_matrix(world: World, questions: dict[str, dict], endpoint: str, role: str, kind: str) -> None:
    assert QUESTION_ENDPOINTS[endpoint](world, questions, role, kind) is QUESTION_READ[kind][role]
