"""Writes an outside probe found unguarded, and the answers that told more than they should."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from indexing.embedder import Embedder
from services import auth
from services.runtime import Runtime
from storage.database import unit_of_work
from storage.models import Account
from tests.conftest import PgDatabases, bearer, make_account, make_database_url, make_settings
from tests.factories import practice_body


@dataclass
class Kring:
    client: TestClient
    runtime: Runtime
    admin: dict[str, str]
    member: dict[str, str]
    curator: dict[str, str]
    outsider: dict[str, str]


@pytest.fixture(scope="module")
def kring(
    tmp_path_factory: pytest.TempPathFactory,
    pg_databases: PgDatabases | None,
    embedder: Embedder,
    cross_embedder: Embedder | None,
) -> Iterator[Kring]:
    folder: Path = tmp_path_factory.mktemp("rules")
    settings = make_settings(folder / "data", make_database_url(folder / "db", pg_databases), writes_per_minute=10_000)
    runtime = Runtime.build(settings, embedder=embedder, cross=cross_embedder)
    tokens = {
        "admin": make_account(runtime, "admin@kring.nl", "Beheer Kring", admin=True),
        "member": make_account(runtime, "lid@kring.nl", "Lid Kring"),
        "curator": make_account(runtime, "curator@kring.nl", "Curator Kring"),
        "outsider": make_account(runtime, "buiten@kring.nl", "Buiten Staander"),
    }
    with TestClient(create_app(settings, runtime=runtime), raise_server_exceptions=False) as client:
        admin = bearer(tokens["admin"])
        assert client.post("/api/v1/communities", json={"name": "Kring", "slug": "kring"}, headers=admin).is_success
        for person, role in (("lid-kring", "member"), ("curator-kring", "curator")):
            url = f"/api/v1/communities/kring/members/{person}"
            assert client.put(url, json={"role": role}, headers=admin).status_code == 204
        yield Kring(client, runtime, admin, *(bearer(tokens[r]) for r in ("member", "curator", "outsider")))


def _community_practice(kring: Kring, slug: str, status: str = "published") -> str:
    body = practice_body(slug=slug, title=f"Werkwijze {slug}", visibility="community", community="kring", status=status)
    response = kring.client.post("/api/v1/practices", json=body, headers=kring.admin)
    assert response.status_code == 201, response.text
    return f"/api/v1/practices/{slug}"


@pytest.mark.parametrize("status", ["published", "draft"])
@pytest.mark.parametrize("wider", ["public", "internal"])
def test_a_member_cannot_widen_who_reads_a_community_practice(kring: Kring, status: str, wider: str) -> None:
    url = _community_practice(kring, f"kringwerk-{status}-{wider}", status)
    refused = kring.client.patch(url, json={"visibility": wider}, headers={**kring.member, "If-Match": "*"})
    assert refused.status_code == 403, refused.text
    assert refused.json()["errors"][0]["field"] == "visibility"
    assert kring.client.get(url, headers=kring.admin).json()["visibility"] == "community"  # nothing changed
    # narrowing stays with the editors, widening with those who may publish
    allowed = kring.client.patch(url, json={"visibility": wider}, headers={**kring.curator, "If-Match": "*"})
    assert allowed.status_code == 200 and allowed.json()["visibility"] == wider
    narrowed = kring.client.patch(url, json={"visibility": "community"}, headers={**kring.member, "If-Match": "*"})
    assert narrowed.status_code == 200


def _cookie_client(kring: Kring, email: str) -> tuple[TestClient, str]:
    with unit_of_work(kring.runtime.sessions) as session:
        account = session.scalars(select(Account).where(Account.email == email)).one()
        opened = auth.open_session(session, account)
    client = TestClient(kring.client.app, raise_server_exceptions=False)
    client.cookies.set("praktijkbank_sessie", opened.cookie)
    return client, opened.csrf_token


def test_an_api_write_on_a_session_cookie_needs_the_csrf_header_and_our_origin(kring: Kring) -> None:
    url = _community_practice(kring, "archiveerbaar")
    client, csrf = _cookie_client(kring, "curator@kring.nl")
    form = {"data": {"x": "1"}, "headers": {"Origin": "https://kwaadwillend.example"}}
    assert client.post(f"{url}/archive", **form).status_code == 403  # no token: the attack as reported
    foreign = client.post(f"{url}/archive", headers={"X-CSRF-Token": csrf, "Origin": "https://kwaadwillend.example"})
    assert foreign.status_code == 403 and foreign.json()["errors"][0]["field"] == "Origin"
    tokens = client.post("/api/v1/me/tokens", json={"name": "gestolen"}, headers={"Origin": "https://x.example"})
    assert tokens.status_code == 403
    assert kring.client.get(url, headers=kring.admin).json()["status"] == "published"  # nothing happened
    own = client.post(f"{url}/archive", headers={"X-CSRF-Token": csrf, "Origin": "http://testserver"})
    assert own.status_code == 200 and own.json()["status"] == "archived"
    assert client.get("/api/v1/me").status_code == 200  # reads need no token


@pytest.mark.parametrize("path", ["/api/v1/communities", "/api/v1/organisations", "/healthz", "/readyz", "/"])
def test_a_bad_or_revoked_token_is_refused_everywhere(kring: Kring, path: str) -> None:
    malformed = kring.client.get(path, headers={"Authorization": "Bearer nep"})
    assert malformed.status_code == 401, malformed.text
    assert kring.client.get(path, headers={"Authorization": "Basic abc"}).status_code == 401
    issued = kring.client.post("/api/v1/me/tokens", json={"name": "kort"}, headers=kring.outsider).json()
    revoke = kring.client.delete(f"/api/v1/me/tokens/{issued['id']}", headers=kring.outsider)
    assert revoke.status_code in (200, 204), revoke.text
    assert kring.client.get(path, headers=bearer(issued["token"])).status_code == 401


def test_an_answer_names_practices_by_slug_and_hides_those_the_reader_cannot_read(kring: Kring) -> None:
    _community_practice(kring, "kring-concept", status="draft")
    public = kring.client.post("/api/v1/practices", json=practice_body(slug="open-werkwijze"), headers=kring.admin)
    assert public.status_code == 201
    question = kring.client.post(
        "/api/v1/questions",
        json={"title": "Wie weet raad met mantelzorgers?", "body": "Mantelzorgers raken overbelast."},
        headers=kring.outsider,
    ).json()
    answered = kring.client.post(
        f"/api/v1/questions/{question['id']}/answers",
        json={"body": "Kijk hier.", "practices": ["open-werkwijze", "kring-concept"]},
        headers=kring.member,
    )
    assert answered.status_code == 201, answered.text
    assert answered.json()["practices"] == ["open-werkwijze", "kring-concept"]  # the member reads both
    seen_by_outsider = kring.client.get(f"/api/v1/questions/{question['id']}", headers=kring.outsider).json()
    assert seen_by_outsider["answers"][0]["practices"] == ["open-werkwijze"]
    listed = kring.client.get("/api/v1/questions").json()
    assert all("kring-concept" not in a["practices"] for q in listed for a in q["answers"])


def test_a_slug_of_an_unreadable_practice_is_no_existence_oracle(kring: Kring) -> None:
    _community_practice(kring, "geheime-aanpak", status="draft")
    created = kring.client.post("/api/v1/practices", json=practice_body(slug="geheime-aanpak"), headers=kring.outsider)
    assert created.status_code == 201, created.text
    assert created.json()["slug"] == "geheime-aanpak-2"  # a free variant, said in the answer
    # someone who can read the holder is told plainly
    taken = kring.client.post("/api/v1/practices", json=practice_body(slug="geheime-aanpak"), headers=kring.member)
    assert taken.status_code == 422 and taken.json()["errors"][0]["field"] == "slug"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/practices", practice_body(title="Titel met\x00nul"), "title"),
        ("/api/v1/practices", practice_body(summary="Bel\x07letje"), "summary"),
        ("/api/v1/practices", practice_body(themes=["wmo"], region="Noord\x1b"), "region"),
        ("/api/v1/questions", {"title": "Vraag\x00", "body": "Een vraag."}, "title"),
        ("/api/v1/ask", {"question": "Wat werkt\x00 bij eenzaamheid?"}, "question"),
    ],
)
def test_control_characters_are_refused_with_the_field(kring: Kring, path: str, body: dict, field: str) -> None:
    response = kring.client.post(path, json=body, headers=kring.admin)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


def test_control_characters_in_a_search_are_refused_but_line_breaks_are_fine(kring: Kring) -> None:
    assert kring.client.get("/api/v1/search", params={"q": "mantel\x00zorg"}).status_code == 422
    assert kring.client.get("/api/v1/search", params={"q": "mantelzorg\nin de wijk\t"}).status_code == 200
