"""Bad input on every write endpoint (and the read parameters): a 4xx problem+json that names the field,
and nothing stored or changed.

Every case is refused, so the cases share one service (module scope): building a runtime per case (a fresh
database, migrations, an index shard, an app and its lifespan) cost about 3 s a case on a loaded machine and was
nearly all of this file's time. Each case compares the stored rows before and after itself, so sharing cannot
hide a write.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from core.settings import Settings
from services.runtime import Runtime
from storage.database import unit_of_work
from storage.models import IndexTask, Practice, PracticeVersion
from tests.conftest import bearer, make_account
from tests.factories import create_practice, csrf_of, make_world, practice_body, sign_in


@pytest.fixture(scope="module")
def runtime(module_runtime: Runtime) -> Runtime:
    """The module's one service. Its write limit is out of the way: the shared admin writes more than the default
    per minute; the limit has its own tests below, on a copy of the settings."""
    return module_runtime


@pytest.fixture(scope="module")
def settings(runtime: Runtime) -> Settings:
    return runtime.settings


@pytest.fixture(scope="module")
def client(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    token = make_world(runtime, {"admin": "Admin Tester"})["admin"]
    with TestClient(create_app(settings, runtime=runtime), raise_server_exceptions=False, headers=bearer(token)) as c:
        yield c


def state(runtime: Runtime) -> tuple[int, int, int]:
    with unit_of_work(runtime.sessions) as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model)) for model in (Practice, PracticeVersion, IndexTask)
        )


def assert_problem(response: Any, status: int, field: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert field in [e["field"] for e in body.get("errors", [])], body


CREATE_CASES = [
    ("wrong type", practice_body(title=42), "title"),
    ("missing field", {k: v for k, v in practice_body().items() if k != "approach"}, "approach"),
    ("unknown field", practice_body(colour="blue"), "colour"),
    ("over-long title", practice_body(title="x" * 201), "title"),
    ("over-long section", practice_body(results="woord " * 5000), "results"),
    ("empty title", practice_body(title="   "), "title"),
    ("unknown theme", practice_body(themes=["astrologie"]), "themes[0]"),
    ("no themes", practice_body(themes=[]), "themes"),
    ("repeated theme", practice_body(themes=["wmo", "wmo"]), "themes"),
    ("unknown status", practice_body(status="secret"), "status"),
    ("bad slug", practice_body(slug="Met Spaties"), "slug"),
    ("unknown author", practice_body(authors=["niemand-bekend"]), "authors[0]"),
    ("unknown organisation", practice_body(organisation="gemeente-nergens"), "organisation"),
    ("bad source url", practice_body(sources=[{"title": "x", "url": "geen url"}]), "sources[0].url"),
    ("body is a list", [practice_body()], "body"),
]


@pytest.mark.parametrize(("case", "body", "field"), CREATE_CASES, ids=[c[0] for c in CREATE_CASES])
def test_create_rejects_bad_input_and_stores_nothing(
    client: TestClient, runtime: Runtime, case: str, body: Any, field: str
) -> None:
    before = state(runtime)
    assert_problem(client.post("/api/v1/practices", json=body), 422, field)
    assert state(runtime) == before


def test_invalid_json_is_a_400(client: TestClient, runtime: Runtime) -> None:
    before = state(runtime)
    response = client.post("/api/v1/practices", content=b'{"title": "x",', headers={"content-type": "application/json"})
    assert_problem(response, 400, "body")
    assert state(runtime) == before


def test_oversized_body_is_a_413(client: TestClient, runtime: Runtime) -> None:
    before = state(runtime)
    huge = practice_body(situation="a" * 1_100_000)
    assert_problem(client.post("/api/v1/practices", json=huge), 413, "body")

    def chunks():  # no Content-Length: the limit must hold for streamed bodies too
        yield b'{"title": "'
        for _ in range(200):
            yield b"a" * 10_000
        yield b'"}'

    streamed = client.post("/api/v1/practices", content=chunks(), headers={"content-type": "application/json"})
    assert_problem(streamed, 413, "body")
    assert state(runtime) == before


def test_duplicate_slug_is_refused(client: TestClient, runtime: Runtime) -> None:
    create_practice(client, slug="dubbel")
    before = state(runtime)
    assert_problem(client.post("/api/v1/practices", json=practice_body(slug="dubbel")), 422, "slug")
    assert state(runtime) == before


UPDATE_CASES = [
    ("wrong type", {"themes": "jeugd"}, "themes"),
    ("unknown field", {"id": "x"}, "id"),
    ("null title", {"title": None}, "title"),
    ("over-long summary", {"summary": "x" * 2001}, "summary"),
    ("unknown legal frame", {"legal_frames": ["wet-x"]}, "legal_frames[0]"),
    ("unknown community", {"community": "geen-idee"}, "community"),
]


@pytest.mark.parametrize(("case", "body", "field"), UPDATE_CASES, ids=[c[0] for c in UPDATE_CASES])
def test_update_rejects_bad_input_and_changes_nothing(
    client: TestClient, runtime: Runtime, case: str, body: dict[str, Any], field: str
) -> None:
    created = create_practice(client, slug=f"bij-te-werken-{uuid.uuid4().hex[:8]}")
    url = f"/api/v1/practices/{created['id']}"
    etag = client.get(url).headers["ETag"]
    before = state(runtime)
    assert_problem(client.patch(url, json=body, headers={"If-Match": etag}), 422, field)
    assert state(runtime) == before
    assert client.get(url).json() == client.get(url).json() | {"version": 1, "title": created["title"]}


@pytest.mark.parametrize("method", ["get", "patch", "delete", "post-archive"])
def test_bad_and_unknown_ids(client: TestClient, runtime: Runtime, method: str) -> None:
    def call(ref: str) -> Any:
        if method == "post-archive":
            return client.post(f"/api/v1/practices/{ref}/archive")
        if method == "patch":
            return client.patch(f"/api/v1/practices/{ref}", json={"title": "x"}, headers={"If-Match": "*"})
        return getattr(client, method)(f"/api/v1/practices/{ref}")

    before = state(runtime)
    assert_problem(call("Not A Valid Id!"), 422, "ref")  # the path parameter, as the OpenAPI names it
    assert_problem(call("00000000-0000-0000-0000-000000000000"), 404, "id")
    assert_problem(call("bestaat-niet"), 404, "id")
    assert state(runtime) == before


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "eyJ0IjogMX0"}, "cursor"),  # valid base64 of a wrong object
        (
            {
                "cursor": "eyJ0IjogIjAwMDEtMDEtMDFUMDA6MDA6MDArMTQ6MDAiLCAiaSI6ICIwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDEifQ"
            },
            "cursor",
        ),  # before the year 1 in UTC
        (
            {
                "cursor": "eyJ0IjogIjk5OTktMTItMzFUMjM6NTk6NTktMjM6NTkiLCAiaSI6ICIwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDEifQ"
            },
            "cursor",
        ),  # after the year 9999 in UTC
        (
            {"cursor": "eyJ0IjogIjIwMjYtMDEtMDFUMDA6MDA6MDArMDA6MDAiLCAiaSI6IDV9"},
            "cursor",
        ),  # an id that is not a string
        ({"theme": "astrologie"}, "theme[0]"),
        ({"status": "secret"}, "status[0]"),
        ({"limit": 0}, "limit"),
        ({"limit": "veel"}, "limit"),
        ({"organisation": "Geen Slug"}, "organisation"),
    ],
)
def test_list_rejects_bad_parameters(client: TestClient, params: dict[str, Any], field: str) -> None:
    assert_problem(client.get("/api/v1/practices", params=params), 422, field)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x", "mode": "magic"}, "mode"),
        ({"q": "x", "limit": 51}, "limit"),
    ],
)
def test_search_rejects_bad_parameters(client: TestClient, params: dict[str, Any], field: str) -> None:
    assert_problem(client.get("/api/v1/search", params=params), 422, field)


def test_unknown_route_and_method_are_problems(client: TestClient) -> None:
    assert client.get("/api/v1/nothing-here").headers["content-type"] == "application/problem+json"
    response = client.put("/api/v1/practices")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"


def test_writes_are_rate_limited_per_account(settings: Settings, runtime: Runtime) -> None:
    before = state(runtime)[0]
    limited = settings.model_copy(update={"writes_per_minute": 3})
    token = make_account(runtime, "snel@test.nl", "Snelle Schrijver", admin=True)
    with TestClient(create_app(limited, runtime=runtime), raise_server_exceptions=False, headers=bearer(token)) as c:
        statuses = [c.post("/api/v1/practices", json=practice_body(slug=f"snel-{n}")).status_code for n in range(5)]
        assert statuses == [201, 201, 201, 429, 429]
        blocked = c.post("/api/v1/practices", json=practice_body(slug="snel-9"))
        assert blocked.headers["content-type"] == "application/problem+json"
        assert int(blocked.headers["Retry-After"]) > 0
        assert c.get("/api/v1/practices").status_code == 200  # reads are not limited
    assert state(runtime)[0] == before + 3


def test_page_form_writes_are_rate_limited_like_api_writes(settings: Settings, runtime: Runtime) -> None:
    """Feedback sent through a page counts against the account's write window, as an API write does; past it, a
    Dutch 429 page with Retry-After and nothing stored. Signing in and reading pages are not counted."""
    admin = bearer(make_account(runtime, "beheer@test.nl", "Beheer", admin=True))
    make_account(runtime, "vlot@test.nl", "Vlotte Collega", password="een-lang-wachtwoord-9")
    limited = create_app(settings.model_copy(update={"writes_per_minute": 2}), runtime=runtime)
    with TestClient(limited, raise_server_exceptions=False) as client:
        slug = client.post("/api/v1/practices", json=practice_body(), headers=admin).json()["slug"]
        browser = sign_in(limited, "vlot@test.nl", "een-lang-wachtwoord-9")
        token = csrf_of(browser.get(f"/praktijken/{slug}").text)
        sent = [
            browser.post(f"/praktijken/{slug}/feedback", data={"csrf": token, "body": f"Snel bericht {n}"})
            for n in range(3)
        ]
        assert [r.status_code for r in sent] == [200, 200, 429]
        assert sent[2].headers["content-type"].startswith("text/html") and "Even geduld" in sent[2].text
        assert int(sent[2].headers["Retry-After"]) > 0
        page = browser.get(f"/praktijken/{slug}")
        assert page.status_code == 200 and "Snel bericht 1" in page.text and "Snel bericht 2" not in page.text
