"""Access control on every read path, generated from one table; the leak test; identity and audit.

The matrix below is the single source: every API route must appear in ``ENDPOINTS`` (or be exempt with a
reason), so a new endpoint cannot be added without being checked for every role and visibility.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from indexing.embedder import Embedder
from services.runtime import Runtime
from storage.database import unit_of_work
from storage.models import Account, ApiToken, AuditEntry, WebSession
from tests.conftest import PgDatabases, bearer, make_account, make_database_url, make_settings
from tests.factories import practice_body

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

# THE TABLE: may this role read this kind of practice?
READ = {
    "public": {r: True for r in ROLES},
    "internal": {
        "anonymous": False,
        "user": True,
        "member": True,
        "other_member": True,
        "curator": True,
        "admin": True,
    },
    "community": {
        "anonymous": False,
        "user": False,
        "member": True,
        "other_member": False,
        "curator": True,
        "admin": True,
    },
    "draft": {"anonymous": False, "user": False, "member": True, "other_member": False, "curator": True, "admin": True},
    "in_review": {
        "anonymous": False,
        "user": False,
        "member": True,
        "other_member": False,
        "curator": True,
        "admin": True,
    },
    "archived": {r: True for r in ROLES},
}


@dataclass
class World:
    client: TestClient
    runtime: Runtime
    tokens: dict[str, str | None]
    practices: dict[str, dict]  # kind -> practice as created

    def as_role(self, role: str) -> dict[str, str]:
        token = self.tokens[role]
        return bearer(token) if token else {}


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, pg_databases: PgDatabases | None, embedder: Embedder
) -> Iterator[World]:
    folder: Path = tmp_path_factory.mktemp("access")
    settings = make_settings(folder / "data", make_database_url(folder / "db", pg_databases), writes_per_minute=10_000)
    runtime = Runtime.build(settings, embedder=embedder)
    tokens: dict[str, str | None] = {"anonymous": None}
    tokens["admin"] = make_account(runtime, "admin@test.nl", "Admin", admin=True)
    for role in ("user", "member", "other_member", "curator"):
        tokens[role] = make_account(runtime, f"{role}@test.nl", f"Persoon {role}")
    with TestClient(create_app(settings, runtime=runtime), raise_server_exceptions=False) as client:
        admin = bearer(tokens["admin"])  # type: ignore[arg-type]
        for slug in ("kring-a", "kring-b"):
            assert (
                client.post("/api/v1/communities", json={"name": slug.title(), "slug": slug}, headers=admin).status_code
                == 201
            )
        for person, slug, role in (
            ("persoon-member", "kring-a", "member"),
            ("persoon-curator", "kring-a", "curator"),
            ("persoon-other-member", "kring-b", "member"),
        ):
            response = client.put(f"/api/v1/communities/{slug}/members/{person}", json={"role": role}, headers=admin)
            assert response.status_code == 204, response.text
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
        yield World(client, runtime, tokens, practices)
    runtime.close()


# --- every read endpoint, as a function: (world, role, practice kind) -> did the practice show? -------------


def _get(path: str) -> Callable[[World, str, str], bool]:
    def check(w: World, role: str, kind: str) -> bool:
        response = w.client.get(path.format(id=w.practices[kind]["id"]), headers=w.as_role(role))
        assert response.status_code in (200, 404), response.text
        if response.status_code == 404:  # problem+json from the API, a Dutch HTML page from the pages
            assert KINDS[kind][1] not in response.text and w.practices[kind]["title"] not in response.text
        return response.status_code == 200

    return check


def _listed(w: World, role: str, kind: str) -> bool:
    items = w.client.get("/api/v1/practices", params={"limit": 100}, headers=w.as_role(role)).json()["items"]
    return w.practices[kind]["id"] in {p["id"] for p in items}


def _searched(mode: str) -> Callable[[World, str, str], bool]:
    def check(w: World, role: str, kind: str) -> bool:
        word = KINDS[kind][1]
        hits = w.client.get("/api/v1/search", params={"q": word, "mode": mode, "limit": 50}, headers=w.as_role(role))
        assert hits.status_code == 200
        found = w.practices[kind]["id"] in {h["practice"]["id"] for h in hits.json()["hits"]}
        if not found:
            assert word not in str(hits.json()["hits"])  # not in snippets, titles, anything (the query echo aside)
        return found

    return check


def _page_searched(w: World, role: str, kind: str) -> bool:
    """The results page: the practice's title shows, or nothing of it does (its word aside: the query echoes)."""
    word = KINDS[kind][1]
    response = w.client.get("/", params={"q": word}, headers=w.as_role(role))
    assert response.status_code == 200, response.text
    found = f'href="/praktijken/{w.practices[kind]["slug"]}"' in response.text
    if not found:
        assert w.practices[kind]["title"] not in response.text
    return found


def _page_asked(w: World, role: str, kind: str) -> bool:
    """The ask page: related practices before posting; an unreadable one shows nothing of itself."""
    word = KINDS[kind][1]
    response = w.client.get(
        "/vragen/nieuw", params={"vraag": f"Wie weet iets van het {word}?"}, headers=w.as_role(role)
    )
    assert response.status_code == 200, response.text
    found = f'href="/praktijken/{w.practices[kind]["slug"]}"' in response.text
    if not found:
        assert w.practices[kind]["title"] not in response.text
    return found


def _in_similar(w: World, role: str, kind: str) -> bool:
    """Does this practice appear among the 'similar' of the public one?"""
    hits = w.client.get(
        f"/api/v1/practices/{w.practices['public']['id']}/similar", params={"limit": 20}, headers=w.as_role(role)
    )
    return w.practices[kind]["id"] in {h["practice"]["id"] for h in hits.json()}


def _asked(w: World, role: str, kind: str) -> bool:
    word = KINDS[kind][1]
    response = w.client.post(
        "/api/v1/ask", json={"question": f"Wie weet iets van het {word}?", "limit": 20}, headers=w.as_role(role)
    )
    assert response.status_code == 200, response.text
    body = response.json()
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
    "GET /praktijken/{ref}/versies": (_get("/praktijken/{id}/versies"), False),
    "GET /?q=": (_page_searched, True),
    "GET /vragen/nieuw": (_page_asked, True),
    "GET /api/v1/practices/{ref}/applications": (_get("/api/v1/practices/{id}/applications"), False),
    "GET /api/v1/practices/{ref}/feedback": (_get("/api/v1/practices/{id}/feedback"), False),
    "POST /api/v1/ask": (_asked, True),
    "POST /api/v1/practices/similar-check": (_draft_checked, True),
}
# Routes that show no practice content, with the reason.
EXEMPT = {
    "POST /api/v1/practices": "write; covered by the write tests",
    "PATCH /api/v1/practices/{ref}": "write",
    "DELETE /api/v1/practices/{ref}": "write",
    "POST /api/v1/practices/{ref}/archive": "write",
    "POST /api/v1/practices/{ref}/status": "write",
    "PUT /api/v1/practices/{ref}/recognition": "write",
    "GET /api/v1/people": "profiles, not practices (profile visibility is tested separately)",
    "GET /api/v1/people/{slug}": "profiles",
    "GET /api/v1/organisations": "no practice content",
    "GET /api/v1/organisations/{slug}": "no practice content",
    "GET /api/v1/communities": "no practice content",
    "GET /api/v1/communities/{slug}": "members, filtered by profile visibility",
    "POST /api/v1/communities": "admin write",
    "PUT /api/v1/communities/{slug}/members/{person_slug}": "admin write",
    "DELETE /api/v1/communities/{slug}/members/{person_slug}": "admin write",
    "GET /api/v1/audit": "admins only; tested below",
    "POST /api/v1/practices/{ref}/applications": "write",
    "POST /api/v1/practices/{ref}/feedback": "write",
    "GET /api/v1/questions": "questions: QUESTION_ENDPOINTS below",
    "GET /api/v1/questions/{question_id}": "questions: QUESTION_ENDPOINTS below",
    "POST /api/v1/questions": "write",
    "POST /api/v1/questions/{question_id}/answers": "write",
    "POST /api/v1/questions/{question_id}/accept": "write",
    "GET /api/v1/people/{slug}/suggested-questions": "questions: QUESTION_ENDPOINTS below",
    "GET /api/v1/insights/gaps": "counts per theme only; signed-in users",
    "GET /api/v1/me": "own account",
    "GET /api/v1/me/tokens": "own tokens",
    "POST /api/v1/me/tokens": "own tokens",
    "DELETE /api/v1/me/tokens/{token_id}": "own tokens",
    "GET /api/v1/healthz": "no content",
    "GET /api/v1/readyz": "counts only (no per-practice data)",
    "GET /healthz": "no content",
    "GET /readyz": "counts only",
    "GET /": "search page: checked as 'GET /?q=' above",
    "GET /netwerk": "people, communities, questions; no practice titles (tests/api/test_pages.py)",
    "POST /praktijken/{ref}/toegepast": "write",
    "POST /praktijken/{ref}/feedback": "write",
    "GET /praktijken/{ref}/bewerken": "editors only (require_edit): 404 for who may not read; tests/api/test_pages.py",
    "GET /praktijken/nieuw": "an empty form",
    "POST /praktijken/nieuw": "write",
    "POST /praktijken/{ref}/bewerken": "write",
    "POST /praktijken/{ref}/aanbieden": "write",
    "POST /praktijken/{ref}/beoordeling": "write",
    "GET /praktijken/vergelijkbaar": "the similar-check of POST /api/v1/practices/similar-check, same service",
    "GET /beoordelen": "the curators' queue; outsiders see nothing (tests/api/test_pages.py)",
    "GET /gemeenschappen": "no practice content",
    "GET /gemeenschappen/{slug}": "its practices through the policy; outsiders checked in tests/api/test_pages.py",
    "GET /mensen": "profiles",
    "GET /mensen/{slug}": "profile; its practices through the policy (tests/api/test_pages.py)",
    "GET /mijn": "own work",
    "GET /mijn/sleutels": "own tokens",
    "POST /mijn/sleutels": "own tokens",
    "POST /mijn/sleutels/{token_id}/intrekken": "own tokens",
    "GET /vragen": "questions: QUESTION_ENDPOINTS below",
    "GET /vragen/{question_id}": "questions: QUESTION_ENDPOINTS below",
    "POST /vragen": "write",
    "POST /vragen/{question_id}/antwoorden": "write",
    "POST /vragen/{question_id}/accepteren": "write",
    "GET /inloggen": "sign-in form",
    "POST /inloggen": "sign-in",
    "POST /uitloggen": "sign-out",
}


def test_every_route_is_in_the_matrix(world: World) -> None:
    # FastAPI keeps included routers as branches: walk them to the leaf routes with their full paths.
    routes = {
        f"{method} {context.path}"
        for context in iter_route_contexts(world.client.app.routes)  # type: ignore[attr-defined]
        if isinstance(context.original_route, APIRoute)
        for method in context.original_route.methods
    }
    assert "GET /api/v1/practices/{ref}" in routes and "GET /praktijken/{ref}" in routes  # the walk reaches them
    unknown = routes - set(ENDPOINTS) - set(EXEMPT)
    assert not unknown, f"add these routes to ENDPOINTS or EXEMPT: {sorted(unknown)}"


CASES = list(itertools.product(ENDPOINTS, ROLES, KINDS))


@pytest.mark.parametrize(("endpoint", "role", "kind"), CASES, ids=["|".join(c) for c in CASES])
def test_access_matrix(world: World, endpoint: str, role: str, kind: str) -> None:
    check, published_only = ENDPOINTS[endpoint]
    expected = READ[kind][role] and (not published_only or KINDS[kind][0]["status"] == "published")
    if endpoint == "similar results" and kind == "public":
        expected = False  # a practice is never similar to itself
    assert check(world, role, kind) is expected


def test_readyz_counts_leak_nothing_per_practice(world: World) -> None:
    body = world.client.get("/readyz").json()
    assert set(body) == {"status", "database", "index", "model", "practices", "indexed_practices", "index_lag"}


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
    return made


def _question_get(w: World, qs: dict[str, dict], role: str, kind: str) -> bool:
    response = w.client.get(f"/api/v1/questions/{qs[kind]['id']}", headers=w.as_role(role))
    assert response.status_code in (200, 404)
    return response.status_code == 200


def _question_listed(w: World, qs: dict[str, dict], role: str, kind: str) -> bool:
    listed = w.client.get("/api/v1/questions", params={"limit": 100}, headers=w.as_role(role)).json()
    return qs[kind]["id"] in {q["id"] for q in listed}


def _question_asked(w: World, qs: dict[str, dict], role: str, kind: str) -> bool:
    word = QUESTION_KINDS[kind][1]
    body = w.client.post(
        "/api/v1/ask", json={"question": f"ervaring met het {word}?", "limit": 20}, headers=w.as_role(role)
    ).json()
    found = qs[kind]["id"] in {q["id"] for q in body["questions"]}
    if not found:
        assert word not in str({k: v for k, v in body.items() if k != "question"})
    return found


def _question_page(w: World, qs: dict[str, dict], role: str, kind: str) -> bool:
    response = w.client.get(f"/vragen/{qs[kind]['id']}", headers=w.as_role(role))
    assert response.status_code in (200, 404)
    if response.status_code == 404:
        assert QUESTION_KINDS[kind][1] not in response.text
    return response.status_code == 200


def _question_page_listed(w: World, qs: dict[str, dict], role: str, kind: str) -> bool:
    html = w.client.get("/vragen", headers=w.as_role(role)).text
    found = f'href="/vragen/{qs[kind]["id"]}"' in html
    if not found:
        assert QUESTION_KINDS[kind][1] not in html
    return found


def _question_panel(w: World, qs: dict[str, dict], role: str, kind: str) -> bool:
    """The network panel beside results and on the ask page: earlier questions."""
    word = QUESTION_KINDS[kind][1]
    html = w.client.get("/netwerk", params={"q": f"ervaring met het {word}?"}, headers=w.as_role(role)).text
    found = f'href="/vragen/{qs[kind]["id"]}"' in html
    if not found:
        assert word not in html
    return found


QUESTION_ENDPOINTS = {
    "GET /api/v1/questions/{question_id}": _question_get,
    "GET /api/v1/questions": _question_listed,
    "POST /api/v1/ask": _question_asked,
    "GET /vragen/{question_id}": _question_page,
    "GET /vragen": _question_page_listed,
    "GET /netwerk": _question_panel,
}
QCASES = list(itertools.product(QUESTION_ENDPOINTS, ROLES, QUESTION_KINDS))


@pytest.mark.parametrize(("endpoint", "role", "kind"), QCASES, ids=["|".join(c) for c in QCASES])
def test_question_access_matrix(world: World, questions: dict[str, dict], endpoint: str, role: str, kind: str) -> None:
    assert QUESTION_ENDPOINTS[endpoint](world, questions, role, kind) is QUESTION_READ[kind][role]
