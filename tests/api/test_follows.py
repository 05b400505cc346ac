"""Following: a theme, a community, a practice or a question, on the API and with the pages' buttons; what may not
be read cannot be followed and is never revealed; Mijn Praktijkbank lists it with a way back."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

import pytest

from services.runtime import Runtime
from tests.factories import World, csrf_of, make_world, practice_body, serve_world, sign_in

PASSWORD = "een-lang-wachtwoord-123"
FOLLOWS = "/api/v1/me/follows"


@pytest.fixture(scope="module")
def world(module_runtime: Runtime) -> Iterator[World]:
    people = {"admin": "Beheer Volgen", "lid": "Lotte Lid", "buiten": "Bram Buiten"}
    tokens = make_world(module_runtime, people, {"Kring Volgen": {"lotte-lid": "curator"}}, domain="volgen.nl",
                        password=PASSWORD)  # fmt: skip
    with serve_world(module_runtime, tokens) as w:
        for slug, extra in (("open-werkwijze", {}),
                            ("besloten-werkwijze", {"visibility": "community", "community": "kring-volgen"})):  # fmt: skip
            body = practice_body(slug=slug, title=f"Werkwijze {slug}", **extra)
            assert w.client.post("/api/v1/practices", json=body, headers=w.bearer("lid")).status_code == 201
        yield w


def question(w: World, who: str, **extra: Any) -> str:
    body = {"title": "Wie weet raad met mantelzorgers?", "body": "Mantelzorgers raken overbelast."} | extra
    response = w.client.post("/api/v1/questions", json=body, headers=w.bearer(who))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def follows(w: World, who: str) -> list[dict[str, Any]]:
    response = w.client.get(FOLLOWS, headers=w.bearer(who))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_follow_list_and_unfollow_round_trip_on_the_api(world: World) -> None:
    asked = question(world, "lid")
    for kind, target, status in (("theme", "wmo", 201), ("theme", "wmo", 200), ("community", "kring-volgen", 201),
                                 ("practice", "open-werkwijze", 201), ("question", asked, 201)):  # fmt: skip
        response = world.client.post(FOLLOWS, json={"kind": kind, "target": target}, headers=world.bearer("buiten"))
        assert response.status_code == status, response.text
    listed = {(f["kind"], f["target"]): (f["title"], f["link"]) for f in follows(world, "buiten")}
    assert listed == {
        ("theme", "wmo"): ("wmo", "/?q=wmo&theme=wmo"),
        ("community", "kring-volgen"): ("Kring Volgen", "/gemeenschappen/kring-volgen"),
        ("practice", "open-werkwijze"): ("Werkwijze open-werkwijze", "/praktijken/open-werkwijze"),
        ("question", asked): ("Wie weet raad met mantelzorgers?", f"/vragen/{asked}"),
    }
    by_id = world.client.get("/api/v1/practices/open-werkwijze", headers=world.bearer("buiten")).json()["id"]
    assert (
        world.client.post(
            FOLLOWS, json={"kind": "practice", "target": by_id}, headers=world.bearer("buiten")
        ).status_code
        == 200
    )  # the same practice by its id
    for kind, target in (("theme", "wmo"), ("community", "kring-volgen"), ("practice", "open-werkwijze"),
                         ("question", asked)):  # fmt: skip
        assert world.client.delete(f"{FOLLOWS}/{kind}/{target}", headers=world.bearer("buiten")).status_code == 204
        again = world.client.delete(f"{FOLLOWS}/{kind}/{target}", headers=world.bearer("buiten"))
        assert again.status_code == 404 and again.json()["errors"][0]["field"] == "target"
    assert follows(world, "buiten") == []


@pytest.mark.parametrize(
    ("kind", "target", "status"),
    [
        ("theme", "astrologie", 422),
        ("community", "bestaat-niet", 422),
        ("question", "geen-uuid", 422),
        ("question", "0b3c0f9e-8a4e-4c1e-9a43-3d3f3c2b1a00", 404),
        ("practice", "bestaat-niet", 404),
        ("practice", "besloten-werkwijze", 404),  # exists, but not for this caller: the same answer
        ("gemeente", "utrecht", 422),
        ("theme", "../../etc", 422),
    ],
)
def test_what_cannot_be_followed_is_refused_with_the_field(world: World, kind: str, target: str, status: int) -> None:
    response = world.client.post(FOLLOWS, json={"kind": kind, "target": target}, headers=world.bearer("buiten"))
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert {e["field"] for e in response.json()["errors"]} <= {"target", "kind", "body.kind", "body.target"}
    assert "besloten" not in response.text.replace(target, "")


def test_an_unreadable_practice_or_question_answers_exactly_like_a_missing_one(world: World) -> None:
    hidden = question(world, "lid", visibility="community", community="kring-volgen")
    missing = "0b3c0f9e-8a4e-4c1e-9a43-3d3f3c2b1a00"

    def answer(kind: str, target: str) -> tuple[int, str]:
        response = world.client.post(FOLLOWS, json={"kind": kind, "target": target}, headers=world.bearer("buiten"))
        return response.status_code, response.json()["detail"]

    assert answer("question", hidden) == answer("question", missing)
    assert answer("practice", "besloten-werkwijze") == answer("practice", "nergens-te-vinden")
    assert world.client.post(FOLLOWS, json={"kind": "question", "target": hidden},
                             headers=world.bearer("lid")).status_code == 201  # a member may  # fmt: skip
    assert world.client.get(FOLLOWS).status_code == 401
    assert world.client.post(FOLLOWS, json={"kind": "theme", "target": "wmo"}).status_code == 401
    assert world.client.delete(f"{FOLLOWS}/theme/wmo").status_code == 401


def test_a_follow_no_longer_readable_leaves_the_list_and_can_still_be_undone(world: World) -> None:
    body = practice_body(slug="straks-besloten", title="Werkwijze straks besloten")
    assert world.client.post("/api/v1/practices", json=body, headers=world.bearer("lid")).status_code == 201
    assert world.client.post(FOLLOWS, json={"kind": "practice", "target": "straks-besloten"},
                             headers=world.bearer("buiten")).status_code == 201  # fmt: skip
    draft = world.client.post("/api/v1/practices/straks-besloten/status", json={"status": "draft"},
                              headers=world.bearer("lid"))  # fmt: skip
    assert draft.status_code == 200, draft.text
    assert "straks-besloten" not in str(follows(world, "buiten"))
    assert world.client.delete(f"{FOLLOWS}/practice/straks-besloten", headers=world.bearer("buiten")).status_code == 204


def _button(page: str, action: str, target: str) -> bool:
    """Whether the page has a follow form posting to ``action`` for ``target``."""
    text = html.unescape(page)
    return any(
        f'action="{action}"' in form and f'name="target" value="{target}"' in form for form in text.split("<form")[1:]
    )


def test_follow_buttons_on_the_pages_and_the_list_on_mijn(world: World) -> None:
    browser = sign_in(world.app, "buiten@volgen.nl", PASSWORD)
    asked = question(world, "lid")
    pages = {
        ("practice", "open-werkwijze"): "/praktijken/open-werkwijze",
        ("question", asked): f"/vragen/{asked}",
        ("community", "kring-volgen"): "/gemeenschappen/kring-volgen",
        ("theme", "wmo"): "/?q=mantelzorg&theme=wmo",
    }
    for (kind, target), path in pages.items():
        page = browser.get(path)
        assert page.status_code == 200 and _button(page.text, "/volgen", target), path
        form = {"csrf": csrf_of(page.text), "kind": kind, "target": target, "terug": path}
        forged = browser.post("/volgen", data=form | {"csrf": "vervalst"}, follow_redirects=False)
        assert forged.status_code == 403
        followed = browser.post("/volgen", data=form, follow_redirects=False)
        assert followed.status_code == 303 and followed.headers["location"].startswith(path), followed.headers
        again = browser.get(followed.headers["location"])
        assert _button(again.text, "/niet-meer-volgen", target) and "Je volgt dit nu." in again.text, path
    mine = browser.get("/mijn")
    assert all(_button(mine.text, "/niet-meer-volgen", target) for _, target in pages)
    assert "Wat ik volg" in mine.text and "Thema" in mine.text and "Wmo" in mine.text
    undo = {"csrf": csrf_of(mine.text), "kind": "community", "target": "kring-volgen", "terug": "/mijn#volgen"}
    undone = browser.post("/niet-meer-volgen", data=undo, follow_redirects=False)
    assert undone.status_code == 303 and undone.headers["location"] == "/mijn?melding=unfollowed#volgen"
    assert not _button(browser.get("/mijn").text, "/niet-meer-volgen", "kring-volgen")
    assert ("community", "kring-volgen") not in {(f["kind"], f["target"]) for f in follows(world, "buiten")}
    # the way back is a path on this site, never another site
    elsewhere = {"csrf": csrf_of(mine.text), "kind": "theme", "target": "jeugd", "terug": "//kwaadwillend.example/x"}
    response = browser.post("/volgen", data=elsewhere, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/?q=jeugd&theme=jeugd")
    refused = browser.post("/volgen", data=elsewhere | {"kind": "practice", "target": "besloten-werkwijze"})
    assert refused.status_code == 404 and "besloten" not in refused.text.lower().replace("besloten-werkwijze", "")


def test_signed_out_pages_show_no_follow_buttons(world: World) -> None:
    for path in ("/praktijken/open-werkwijze", "/gemeenschappen/kring-volgen", "/?q=mantelzorg&theme=wmo"):
        page = world.client.get(path)
        assert page.status_code == 200 and 'action="/volgen"' not in page.text


def test_a_question_asked_on_the_page_with_a_theme_reaches_who_follows_that_theme(world: World) -> None:
    followed = world.client.post(
        FOLLOWS, json={"kind": "theme", "target": "schuldhulp"}, headers=world.bearer("buiten")
    )
    assert followed.status_code in (200, 201), followed.text
    browser = sign_in(world.app, "lid@volgen.nl", PASSWORD)
    vraag = "Een gezin met betalingsachterstanden bij drie schuldeisers: wie heeft een aanpak die werkt?"
    page = browser.get("/vragen/nieuw", params={"vraag": vraag})
    assert page.status_code == 200 and 'name="themes" value="schuldhulp"' in page.text
    form = {"csrf": csrf_of(page.text), "body": vraag, "title": "Gezin met drie schuldeisers",
            "visibility": "internal", "themes": ["schuldhulp", "wonen"]}  # fmt: skip
    asked = browser.post("/vragen", data=form, follow_redirects=False)
    assert asked.status_code == 303, asked.text[:500]
    question_id = asked.headers["location"].split("?")[0].rsplit("/", 1)[1]
    world.runtime.worker.drain()
    world.runtime.jobs.drain()
    notes = world.client.get("/api/v1/me/notifications", headers=world.bearer("buiten")).json()
    kinds = {(n["kind"], n["subject_id"]) for n in notes["items"]}
    assert ("followed", question_id) in kinds, notes
    refused = browser.post("/vragen", data=form | {"csrf": csrf_of(page.text), "themes": ["astrologie"]})
    assert refused.status_code == 422 and 'id="veld-themes"' in refused.text
