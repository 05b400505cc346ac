"""Rules with one home, seen from both sides: how an error is said (problem+json for the API, a Dutch page for
a person, a 413 on a page form included), the CSRF comparison, a refused form that writes nothing, who may
accept an answer, and a search counted once however many of its pages are read."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import CSRF_HEADER
from core import metrics
from services.runtime import Runtime
from tests.conftest import bearer
from tests.factories import csrf_of, make_world, practice_body, sign_in

PASSWORD = "een-lang-wachtwoord-456"


@dataclass
class World:
    app: FastAPI
    runtime: Runtime
    tokens: dict[str, str]

    def api(self, key: str) -> TestClient:
        return TestClient(self.app, raise_server_exceptions=False, headers=bearer(self.tokens[key]))

    def browser(self, key: str) -> TestClient:
        return sign_in(self.app, f"{key}@regels.nl", PASSWORD)


@pytest.fixture(scope="module")
def world(module_runtime: Runtime) -> Iterator[World]:
    people = {"admin": "Ada Beheer", "kurator": "Kees Kurator", "vrager": "Vera Vrager"}
    tokens = make_world(
        module_runtime, people, {"Kring Regels": {"kees-kurator": "curator"}}, domain="regels.nl", password=PASSWORD
    )
    app = create_app(module_runtime.settings, runtime=module_runtime)
    with TestClient(app):  # the lifespan: the app's state (runtime, limits) for every client of the module
        yield World(app, module_runtime, tokens)


def is_dutch_page(response: object, status: int, text: str) -> bool:
    return (
        response.status_code == status  # type: ignore[attr-defined]
        and response.headers["content-type"].startswith("text/html")  # type: ignore[attr-defined]
        and '<html lang="nl"' in response.text  # type: ignore[attr-defined]
        and text in response.text  # type: ignore[attr-defined]
    )


def test_a_too_large_page_form_is_a_dutch_page_and_the_api_keeps_problem_json(world: World) -> None:
    browser = world.browser("vrager")
    csrf = csrf_of(browser.get("/vragen/nieuw").text)
    too_much = "x" * (world.runtime.settings.max_body_bytes + 1)
    page = browser.post("/vragen", data={"csrf": csrf, "title": "Te lang", "body": too_much})
    assert is_dutch_page(page, 413, "Te veel tekst"), (page.status_code, page.headers, page.text[:300])
    api = world.api("vrager").post("/api/v1/questions", content=too_much, headers={"content-type": "application/json"})
    assert api.status_code == 413 and api.headers["content-type"] == "application/problem+json"
    assert api.json()["errors"][0]["field"] == "body"


@pytest.mark.parametrize("sent", ["é", "tökén-ø", "\x7f"])
def test_a_csrf_token_of_any_characters_is_refused_never_a_crash(world: World, sent: str) -> None:
    browser = world.browser("vrager")
    page = browser.post("/vragen", data={"csrf": sent, "title": "Vraag", "body": "Een vraag over mantelzorg?"})
    assert is_dutch_page(page, 403, "verlopen"), (page.status_code, page.text[:300])
    own = {"origin": b"http://testserver", CSRF_HEADER: sent.encode("latin-1")}  # as a browser may send it
    api = browser.post("/api/v1/questions", json={"title": "Vraag", "body": "Een vraag?"}, headers=own)
    assert api.status_code == 403 and api.json()["errors"][0]["field"] == CSRF_HEADER, api.text
    assert world.api("admin").get("/api/v1/questions").json() == []  # neither wrote anything


def test_a_malformed_reference_is_a_missing_page_and_invalid_input_to_the_api(world: World) -> None:
    for path in ("/praktijken/Geen_Slug", "/praktijken/a--b/versies", "/mensen/Hoofd.Letters"):
        page = world.browser("vrager").get(path)
        assert is_dutch_page(page, 404, "Pagina niet gevonden"), (path, page.status_code)
    api = world.api("vrager").get("/api/v1/practices/Geen_Slug")
    assert api.status_code == 422 and api.json()["errors"][0]["field"] == "ref"


def test_a_refused_form_writes_nothing_of_what_it_did_before_the_refusal(world: World) -> None:
    """Publishing sets the recognition level first and then the status; publishing what is already published
    is refused at the second step, so the first must not be kept either."""
    admin = world.api("admin")
    body = practice_body(title="Buurtgesprek bij burenruzie", community="kring-regels", status="published")
    created = admin.post("/api/v1/practices", json=body)
    assert created.status_code == 201, created.text
    before = created.json()
    curator = world.browser("kurator")
    review = curator.get("/beoordelen")
    assert review.status_code == 200 and "Beoordelen" in review.text
    form = {"csrf": csrf_of(review.text), "version": str(before["version"]), "action": "publish",
            "level": "goed_onderbouwd", "comment": "Onderbouwd met twee evaluaties."}  # fmt: skip
    refused = curator.post(f"/praktijken/{before['slug']}/beoordeling", data=form)
    # Refused as the API refuses it (409: no such move), the queue shown again with the reason beside the form.
    assert refused.status_code == 409 and "Beoordelen" in refused.text, refused.text[:300]
    assert "botst met bestaande gegevens" in refused.text
    after = admin.get(f"/api/v1/practices/{before['slug']}").json()
    assert (after["version"], after["recognition_level"]) == (before["version"], before["recognition_level"])
    versions = admin.get(f"/api/v1/practices/{before['slug']}/versions").json()
    assert [v["version"] for v in versions] == [before["version"]]


def test_a_form_refused_for_who_sends_it_is_the_403_page_not_the_form_again(world: World) -> None:
    """A form shows beside its fields what is wrong with the input (422, 409); a refusal of the person (403) or of
    a missing practice (404) is the page of that status, as the API answers it."""
    created = world.api("admin").post("/api/v1/practices", json=practice_body(title="Ochtendloop", status="published"))
    assert created.status_code == 201, created.text
    practice = created.json()
    stranger = world.browser("vrager")  # may read the public practice, may neither review nor edit it
    shown = stranger.get(f"/praktijken/{practice['slug']}")
    form = {"csrf": csrf_of(shown.text), "version": str(practice["version"]), "action": "send_back",
            "comment": "Graag anders."}  # fmt: skip
    refused = stranger.post(f"/praktijken/{practice['slug']}/beoordeling", data=form)
    assert is_dutch_page(refused, 403, "Geen toegang"), (refused.status_code, refused.text[:300])
    assert "Ingelogd als Vera Vrager" in refused.text and "Inloggen" not in refused.text  # still signed in
    edit = {"csrf": csrf_of(shown.text), "version": str(practice["version"]), "title": "Anders", "summary": "Anders.",
            "situation": "Anders.", "approach": "Anders.", "themes": "wmo", "visibility": "public", "language": "nl"}  # fmt: skip
    refused = stranger.post(f"/praktijken/{practice['slug']}/bewerken", data=edit)
    assert is_dutch_page(refused, 403, "Geen toegang"), (refused.status_code, refused.text[:300])
    missing = stranger.post("/praktijken/bestaat-niet/beoordeling", data=form)
    assert is_dutch_page(missing, 404, "Pagina niet gevonden"), missing.status_code
    after = world.api("admin").get(f"/api/v1/practices/{practice['slug']}").json()
    assert (after["version"], after["status"], after["title"]) == (1, "published", "Ochtendloop")


def test_a_review_without_its_explanation_asks_for_it_beside_the_form(world: World) -> None:
    body = practice_body(title="Samen koken in de wijk", community="kring-regels", status="in_review")
    created = world.api("admin").post("/api/v1/practices", json=body)
    assert created.status_code == 201, created.text
    curator = world.browser("kurator")
    queue = curator.get("/beoordelen").text
    form = {"csrf": csrf_of(queue), "version": str(created.json()["version"]), "action": "publish", "comment": " "}
    refused = curator.post(f"/praktijken/{created.json()['slug']}/beoordeling", data=form)
    assert refused.status_code == 422 and "Samen koken in de wijk" in refused.text
    assert f'id="fout-comment-{created.json()["id"]}"' in refused.text and "Vul dit veld in." in refused.text
    assert world.api("admin").get(f"/api/v1/practices/{created.json()['slug']}").json()["status"] == "in_review"


def test_the_asker_and_an_admin_may_accept_an_answer_and_others_see_no_button(world: World) -> None:
    asked = world.api("vrager").post(
        "/api/v1/questions", json={"title": "Wie kent dit?", "body": "Een buurman die niemand binnenlaat?"}
    )
    assert asked.status_code == 201, asked.text
    question = asked.json()["id"]
    answered = world.api("kurator").post(f"/api/v1/questions/{question}/answers", json={"body": "Bel het wijkteam."})
    assert answered.status_code == 201, answered.text
    for key, sees in (("vrager", True), ("admin", True), ("kurator", False)):
        page = world.browser(key).get(f"/vragen/{question}")
        assert page.status_code == 200 and "Bel het wijkteam." in page.text
        assert (f'action="/vragen/{question}/accepteren"' in page.text) is sees, key
    refused = world.api("kurator").post(
        f"/api/v1/questions/{question}/accept", json={"answer_id": answered.json()["id"]}
    )
    assert refused.status_code == 403, refused.text


def test_a_search_counts_once_however_many_of_its_pages_are_read(world: World) -> None:
    admin = world.api("admin")
    for n in range(12):
        body = practice_body(title=f"Schuldhulp aan huis, variant {n}", status="published", themes=["schuldhulp"])
        assert admin.post("/api/v1/practices", json=body).status_code == 201
    world.runtime.worker.drain()
    counted = metrics.SEARCHES.labels("search")
    browser = world.browser("vrager")
    before = counted._value.get()
    first = browser.get("/", params={"q": "schuldhulp aan huis"})
    assert first.status_code == 200 and "variant" in first.text
    assert counted._value.get() == before + 1
    second = browser.get("/", params={"q": "schuldhulp aan huis", "pagina": 2})
    assert second.status_code == 200 and "variant" in second.text
    assert counted._value.get() == before + 1
