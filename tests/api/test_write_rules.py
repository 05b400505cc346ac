"""Writes an outside probe found unguarded, and the answers that told more than they should."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.runtime import Runtime
from tests.conftest import bearer
from tests.factories import World, make_world, practice_body, serve_world

Kring = World  # the admin, a member ("lid"), the curator and an outsider ("buiten") of the community "kring"


@pytest.fixture(scope="module")
def kring(module_runtime: Runtime) -> Iterator[Kring]:
    people = {"admin": "Beheer Kring", "lid": "Lid Kring", "curator": "Curator Kring", "buiten": "Buiten Staander"}
    members = {"Kring": {"lid-kring": "member", "curator-kring": "curator"}}
    with serve_world(module_runtime, make_world(module_runtime, people, members, domain="kring.nl")) as world:
        yield world


def _community_practice(kring: Kring, slug: str, status: str = "published") -> str:
    body = practice_body(slug=slug, title=f"Werkwijze {slug}", visibility="community", community="kring", status=status)
    response = kring.client.post("/api/v1/practices", json=body, headers=kring.bearer("admin"))
    assert response.status_code == 201, response.text
    return f"/api/v1/practices/{slug}"


@pytest.mark.parametrize("status", ["published", "draft"])
@pytest.mark.parametrize("wider", ["public", "internal"])
def test_a_member_cannot_widen_who_reads_a_community_practice(kring: Kring, status: str, wider: str) -> None:
    url = _community_practice(kring, f"kringwerk-{status}-{wider}", status)
    refused = kring.client.patch(url, json={"visibility": wider}, headers={**kring.bearer("lid"), "If-Match": "*"})
    assert refused.status_code == 403, refused.text
    assert refused.json()["errors"][0]["field"] == "visibility"
    assert kring.client.get(url, headers=kring.bearer("admin")).json()["visibility"] == "community"  # nothing changed
    # narrowing stays with the editors, widening with those who may publish
    allowed = kring.client.patch(url, json={"visibility": wider}, headers={**kring.bearer("curator"), "If-Match": "*"})
    assert allowed.status_code == 200 and allowed.json()["visibility"] == wider
    narrowed = kring.client.patch(
        url, json={"visibility": "community"}, headers={**kring.bearer("lid"), "If-Match": "*"}
    )
    assert narrowed.status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/communities", "/api/v1/organisations", "/healthz", "/readyz", "/"])
def test_a_bad_or_revoked_token_is_refused_everywhere(kring: Kring, path: str) -> None:
    malformed = kring.client.get(path, headers={"Authorization": "Bearer nep"})
    assert malformed.status_code == 401, malformed.text
    assert kring.client.get(path, headers={"Authorization": "Basic abc"}).status_code == 401
    issued = kring.client.post("/api/v1/me/tokens", json={"name": "kort"}, headers=kring.bearer("buiten")).json()
    revoke = kring.client.delete(f"/api/v1/me/tokens/{issued['id']}", headers=kring.bearer("buiten"))
    assert revoke.status_code in (200, 204), revoke.text
    assert kring.client.get(path, headers=bearer(issued["token"])).status_code == 401


def test_an_answer_names_practices_by_slug_and_hides_those_the_reader_cannot_read(kring: Kring) -> None:
    _community_practice(kring, "kring-concept", status="draft")
    public = kring.client.post(
        "/api/v1/practices", json=practice_body(slug="open-werkwijze"), headers=kring.bearer("admin")
    )
    assert public.status_code == 201
    question = kring.client.post(
        "/api/v1/questions",
        json={"title": "Wie weet raad met mantelzorgers?", "body": "Mantelzorgers raken overbelast."},
        headers=kring.bearer("buiten"),
    ).json()
    answered = kring.client.post(
        f"/api/v1/questions/{question['id']}/answers",
        json={"body": "Kijk hier.", "practices": ["open-werkwijze", "kring-concept"]},
        headers=kring.bearer("lid"),
    )
    assert answered.status_code == 201, answered.text
    assert answered.json()["practices"] == ["open-werkwijze", "kring-concept"]  # the member reads both
    seen_by_outsider = kring.client.get(f"/api/v1/questions/{question['id']}", headers=kring.bearer("buiten")).json()
    assert seen_by_outsider["answers"][0]["practices"] == ["open-werkwijze"]
    listed = kring.client.get("/api/v1/questions").json()
    assert all("kring-concept" not in a["practices"] for q in listed for a in q["answers"])


def test_a_slug_of_an_unreadable_practice_is_no_existence_oracle(kring: Kring) -> None:
    _community_practice(kring, "geheime-aanpak", status="draft")
    created = kring.client.post(
        "/api/v1/practices", json=practice_body(slug="geheime-aanpak"), headers=kring.bearer("buiten")
    )
    assert created.status_code == 201, created.text
    assert created.json()["slug"] == "geheime-aanpak-2"  # a free variant, said in the answer
    # someone who can read the holder is told plainly
    taken = kring.client.post(
        "/api/v1/practices", json=practice_body(slug="geheime-aanpak"), headers=kring.bearer("lid")
    )
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
    response = kring.client.post(path, json=body, headers=kring.bearer("admin"))
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


def test_control_characters_in_a_search_are_refused_but_line_breaks_are_fine(kring: Kring) -> None:
    assert kring.client.get("/api/v1/search", params={"q": "mantel\x00zorg"}).status_code == 422
    assert kring.client.get("/api/v1/search", params={"q": "mantelzorg\nin de wijk\t"}).status_code == 200
