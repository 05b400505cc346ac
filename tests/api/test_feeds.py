"""Atom feeds: valid Atom (feedparser, no bozo), only public content in public feeds, the personal feed with its
revocable token, and the feed links on the pages.

One world for the module: practices and questions of every kind, each holding a made-up word, so a feed is checked
both for what must be in it and for what must never be."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import feedparser  # type: ignore[import-untyped]
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from api.app import create_app
from services.runtime import Runtime
from storage.database import unit_of_work
from storage.models import Account, Follow, Person
from tests.conftest import bearer
from tests.factories import csrf_of, make_world, practice_body, sign_in

PASSWORD = "feeds-wachtwoord-lang-genoeg"
XSS_TITLE = '<script>alert("feed")</script> & <b>vet</b> "aanhalingstekens"'

# kind -> (practice overrides, the made-up word only it holds)
PRACTICES: dict[str, tuple[dict[str, Any], str]] = {
    "public": ({"themes": ["wmo"]}, "zonnebloem"),
    "public_kring": ({"themes": ["jeugd"], "community": "kring-noord"}, "dakpannetje"),
    "internal": ({"visibility": "internal"}, "kwartelkoning"),
    "community": ({"visibility": "community", "community": "kring-noord"}, "mosterdzaadje"),
    "other_community": ({"visibility": "community", "community": "kring-zuid"}, "wolkenkrabbel"),
    "draft": ({"status": "draft"}, "brandnetelsoep"),
    "kring_draft": ({"status": "draft", "community": "kring-noord"}, "slakkenhuis"),
    "archived": ({}, "stoomfluitje"),
    "xss": ({"title": XSS_TITLE}, "vuurvliegje"),
}
# kind -> (question overrides, the made-up word only it holds); asked by the member of Kring Noord where they may
QUESTIONS: dict[str, tuple[dict[str, Any], str]] = {
    "public": ({"visibility": "public", "themes": ["schuldhulp"]}, "zeepbel"),
    "internal": ({"visibility": "internal"}, "kikkerdril"),
    "community": ({"visibility": "community", "community": "kring-noord"}, "paddenstoel"),
    "other_community": ({"visibility": "community", "community": "kring-zuid"}, "regenwolk"),
    "answered": ({"visibility": "public"}, "appelboom"),
}
CASE_DETAIL = "burgerservicenummer 123456782"  # a citizen's detail in a question's text: never in a feed


@dataclass
class Feeds:
    client: TestClient
    runtime: Runtime
    tokens: dict[str, str]
    practices: dict[str, dict[str, Any]]
    questions: dict[str, dict[str, Any]]

    def headers(self, key: str) -> dict[str, str]:
        return bearer(self.tokens[key])

    def feed_token(self, key: str) -> dict[str, Any]:
        response = self.client.post("/api/v1/me/feed-tokens", headers=self.headers(key))
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created


@pytest.fixture(scope="module")
def world(module_runtime: Runtime) -> Iterator[Feeds]:
    people = {
        "admin": "Admin Feeds",
        "lid": "Lid Noord",  # a member of Kring Noord
        "collega": "Collega Zonder Kring",  # signed in, no community
        "open": "Openbare Auteur",
        "intern": "Interne Auteur",  # shows their profile to signed-in people only
    }
    kringen = {"Kring Noord": {"lid-noord": "member"}, "Kring Zuid": {}}
    tokens = make_world(module_runtime, people, kringen, password=PASSWORD)
    with unit_of_work(module_runtime.sessions) as session:
        session.execute(update(Person).where(Person.slug == "interne-auteur").values(profile_visibility="internal"))
    app = create_app(module_runtime.settings, runtime=module_runtime)
    with TestClient(app, raise_server_exceptions=False) as client:
        admin = bearer(tokens["admin"])
        practices = {}
        for kind, (overrides, word) in PRACTICES.items():
            body = practice_body(
                title=overrides.get("title", f"Werkwijze {kind} {word}"),
                summary=f"Samenvatting over het {word}.",
                approach=f"Wij gebruiken het {word} elke week.",
                authors=["openbare-auteur", "interne-auteur"],
                **{k: v for k, v in overrides.items() if k != "title"},
            )
            response = client.post("/api/v1/practices", json=body, headers=admin)
            assert response.status_code == 201, response.text
            practices[kind] = response.json()
        archived = client.post(f"/api/v1/practices/{practices['archived']['id']}/archive", headers=admin)
        assert archived.status_code == 200, archived.text
        questions = {}
        for kind, (overrides, word) in QUESTIONS.items():
            body = {"title": f"Vraag over het {word}", "body": f"Een casus met het {word}: {CASE_DETAIL}.", **overrides}
            asker = "admin" if kind == "other_community" else "lid"  # the member may not ask in Kring Zuid
            response = client.post("/api/v1/questions", json=body, headers=bearer(tokens[asker]))
            assert response.status_code == 201, response.text
            questions[kind] = response.json()
        answered = questions["answered"]["id"]
        answer = client.post(f"/api/v1/questions/{answered}/answers", json={"body": "Zo deden wij het."}, headers=admin)
        assert answer.status_code == 201, answer.text
        accepted = client.post(
            f"/api/v1/questions/{answered}/accept",
            json={"answer_id": answer.json()["id"]},
            headers=bearer(tokens["lid"]),
        )
        assert accepted.status_code == 200, accepted.text
        module_runtime.worker.drain()
        yield Feeds(client, module_runtime, tokens, practices, questions)


def parse(response: Any) -> Any:
    """The feed as a feed reader reads it; valid Atom or the test fails."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/atom+xml"
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def ids(parsed: Any) -> list[str]:
    return [entry.id for entry in parsed.entries]


def practice_ids(w: Feeds, *kinds: str) -> set[str]:
    return {f"urn:uuid:{w.practices[kind]['id']}" for kind in kinds}


def question_ids(w: Feeds, *kinds: str) -> set[str]:
    return {f"urn:uuid:{w.questions[kind]['id']}" for kind in kinds}


def words(*kinds: str, table: dict[str, tuple[dict[str, Any], str]] = PRACTICES) -> list[str]:
    return [table[kind][1] for kind in kinds]


def assert_absent(response: Any, forbidden: list[str]) -> None:
    found = [word for word in forbidden if word in response.text]
    assert not found, f"{response.request.url} shows {found}"


PRIVATE_PRACTICES = ("internal", "community", "other_community", "draft", "kring_draft", "archived")
PRIVATE_QUESTIONS = ("internal", "community", "other_community")


# --- public feeds ---------------------------------------------------------------------------------------------


def test_the_public_practices_feed_holds_exactly_the_published_public_practices(world: Feeds) -> None:
    response = world.client.get("/feeds/praktijken.atom")
    parsed = parse(response)
    assert set(ids(parsed)) == practice_ids(world, "public", "public_kring", "xss")
    assert_absent(response, words(*PRIVATE_PRACTICES))
    entry = next(e for e in parsed.entries if e.id in practice_ids(world, "public"))
    practice = world.practices["public"]
    assert entry.title == practice["title"]
    assert entry.link == f"http://testserver/praktijken/{practice['slug']}"
    assert entry.summary == practice["summary"]
    assert [t.term for t in entry.tags] == ["wmo"] and entry.tags[0].label == "Wmo"
    # Author names only where the profile shows to a stranger: the internal profile stays out.
    assert [a.name for a in entry.authors] == ["Openbare Auteur"]
    assert "Interne Auteur" not in response.text
    assert parsed.feed.title == "Praktijkbank: nieuwe praktijken"
    assert parsed.feed.links[0].href == "http://testserver/feeds/praktijken.atom"


def test_a_signed_in_caller_of_a_public_feed_still_gets_only_public_content(world: Feeds) -> None:
    for key in ("lid", "admin"):
        response = world.client.get("/feeds/praktijken.atom", headers=world.headers(key))
        assert set(ids(parse(response))) == practice_ids(world, "public", "public_kring", "xss")
        assert_absent(response, [*words(*PRIVATE_PRACTICES), "Interne Auteur"])


def test_ids_are_stable_and_a_poll_without_changes_is_a_304(world: Feeds) -> None:
    first = world.client.get("/feeds/praktijken.atom")
    second = world.client.get("/feeds/praktijken.atom")
    assert ids(parse(first)) == ids(parse(second)) and parse(first).feed.id == parse(second).feed.id
    assert all(re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", i) for i in [*ids(parse(first)), parse(first).feed.id])
    assert first.content == second.content and first.headers["etag"] == second.headers["etag"]
    again = world.client.get("/feeds/praktijken.atom", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and not again.content
    since = world.client.get("/feeds/praktijken.atom", headers={"If-Modified-Since": first.headers["last-modified"]})
    assert since.status_code == 304
    assert world.client.get("/feeds/praktijken.atom", headers={"If-None-Match": '"anders"'}).status_code == 200


def test_a_practice_published_later_comes_first_and_entries_are_newest_first(world: Feeds) -> None:
    body = practice_body(title="Laatbloeier", summary="Eerst een concept, later gepubliceerd.", status="draft")
    made = world.client.post("/api/v1/practices", json=body, headers=world.headers("admin")).json()
    assert made["id"] not in str(parse(world.client.get("/feeds/praktijken.atom")).entries)
    published = world.client.post(
        f"/api/v1/practices/{made['id']}/status",
        json={"status": "published"},
        headers=world.headers("admin") | {"If-Match": "*"},
    )
    assert published.status_code == 200, published.text
    parsed = parse(world.client.get("/feeds/praktijken.atom"))
    assert parsed.entries[0].id == f"urn:uuid:{made['id']}"
    times = [datetime.fromisoformat(e.updated.replace("Z", "+00:00")) for e in parsed.entries]
    assert times == sorted(times, reverse=True) and len(set(times)) == len(times)
    assert parsed.feed.updated == parsed.entries[0].updated


def test_titles_with_markup_stay_literal_text(world: Feeds) -> None:
    response = world.client.get("/feeds/praktijken.atom")
    entry = next(e for e in parse(response).entries if e.id in practice_ids(world, "xss"))
    assert entry.title == XSS_TITLE
    assert "<script>" not in response.text and "<b>" not in response.text
    assert "&lt;script&gt;alert(" in response.text and "&amp; &lt;b&gt;vet&lt;/b&gt;" in response.text


def test_a_theme_feed_holds_that_theme_only(world: Feeds) -> None:
    wmo = parse(world.client.get("/feeds/thema/wmo.atom"))
    assert practice_ids(world, "public", "xss") <= set(ids(wmo))
    assert not practice_ids(world, "public_kring") & set(ids(wmo))
    assert all("wmo" in [t.term for t in e.tags] for e in wmo.entries)
    assert wmo.feed.title == "Praktijkbank: nieuwe praktijken over Wmo"
    jeugd = world.client.get("/feeds/thema/jeugd.atom")
    assert set(ids(parse(jeugd))) == practice_ids(world, "public_kring")
    assert_absent(jeugd, words(*PRIVATE_PRACTICES))
    assert parse(world.client.get("/feeds/thema/onderwijs.atom")).entries == []  # a theme without practices


def test_a_community_feed_holds_its_public_practices_only(world: Feeds) -> None:
    response = world.client.get("/feeds/gemeenschappen/kring-noord.atom")
    parsed = parse(response)
    assert set(ids(parsed)) == practice_ids(world, "public_kring")
    assert_absent(response, words(*PRIVATE_PRACTICES))  # the kring's own community-only practice and draft
    assert parsed.feed.title == "Praktijkbank: nieuwe praktijken van Kring Noord"
    zuid = world.client.get("/feeds/gemeenschappen/kring-zuid.atom")
    assert parse(zuid).entries == [] and "wolkenkrabbel" not in zuid.text


def test_the_questions_feed_holds_open_public_questions_as_titles_and_links(world: Feeds) -> None:
    response = world.client.get("/feeds/vragen.atom")
    parsed = parse(response)
    assert set(ids(parsed)) == question_ids(world, "public")  # the answered one is no longer open
    assert_absent(response, [*words(*PRIVATE_QUESTIONS, table=QUESTIONS), "appelboom", CASE_DETAIL])
    entry = parsed.entries[0]
    question = world.questions["public"]
    assert entry.title == question["title"] and entry.link == f"http://testserver/vragen/{question['id']}"
    assert "summary" not in entry and "content" not in entry  # a case can hold a citizen's details
    assert [t.term for t in entry.tags] == ["schuldhulp"]
    assert [a.name for a in entry.authors] == ["Lid Noord"]
    assert entry.published == entry.updated


@pytest.mark.parametrize(
    "path",
    ["/feeds/thema/onbekend.atom", "/feeds/gemeenschappen/bestaat-niet.atom", "/feeds/persoonlijk.atom",
     "/feeds/persoonlijk.atom?token=pbf_" + "x" * 40, "/feeds/bestaat-niet.atom"],
)  # fmt: skip
def test_a_feed_that_does_not_exist_is_a_404(world: Feeds, path: str) -> None:
    response = world.client.get(path)
    # Feed readers are programs: the answer is problem+json, as on the API.
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


@pytest.mark.parametrize("path", ["/feeds/gemeenschappen/Kring_Noord.atom", "/feeds/thema/" + "w" * 41 + ".atom"])
def test_a_malformed_feed_address_is_a_422_problem(world: Feeds, path: str) -> None:
    response = world.client.get(path)
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] in ("slug", "theme")


def test_feeds_follow_the_public_url_when_set(world: Feeds, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(world.runtime.settings, "public_url", "https://praktijkbank.example.nl/")
    parsed = parse(world.client.get("/feeds/vragen.atom"))
    assert parsed.feed.links[0].href == "https://praktijkbank.example.nl/feeds/vragen.atom"
    assert parsed.entries[0].link.startswith("https://praktijkbank.example.nl/vragen/")


# --- the personal feed ----------------------------------------------------------------------------------------


def test_the_personal_feed_holds_what_its_person_may_read(world: Feeds) -> None:
    created = world.feed_token("lid")
    assert created["token"].startswith("pbf_") and created["url"].endswith(created["token"])
    response = world.client.get(created["url"])
    parsed = parse(response)
    expected = practice_ids(world, "public", "public_kring", "internal", "community", "xss")
    expected |= question_ids(world, "public", "internal", "community")
    assert expected <= set(ids(parsed))
    assert {e.title for e in parsed.entries if e.id not in expected} <= {"Laatbloeier"}  # published by another test
    # Never another community's content, nor a draft (a feed carries what is published), nor a case's text.
    assert_absent(response, [*words("other_community", "draft", "kring_draft", "archived"), "regenwolk", CASE_DETAIL])
    entry = next(e for e in parsed.entries if e.id in practice_ids(world, "internal"))
    assert sorted(a.name for a in entry.authors) == ["Interne Auteur", "Openbare Auteur"]  # signed in: internal shows
    assert parsed.feed.title == "Praktijkbank voor Lid Noord"
    assert response.headers["cache-control"].startswith("private")


def test_a_colleague_outside_the_community_reads_internal_but_no_community_content(world: Feeds) -> None:
    response = world.client.get(world.feed_token("collega")["url"])
    found = set(ids(parse(response)))
    assert practice_ids(world, "internal") | question_ids(world, "internal") <= found
    assert_absent(response, [*words("community", "other_community", "draft"), "paddenstoel", "regenwolk"])


def test_an_admins_feed_reads_as_a_colleague_never_every_community(world: Feeds) -> None:
    # An admin who wrote none of the practices (their creator may read their own, as any author may).
    admin = make_world(world.runtime, {"admin": "Tweede Beheerder"}, domain="beheer.nl")["admin"]
    assert world.client.get("/api/v1/practices/" + world.practices["community"]["id"], headers=bearer(admin)).is_success
    created = world.client.post("/api/v1/me/feed-tokens", headers=bearer(admin)).json()
    response = world.client.get(created["url"])
    assert practice_ids(world, "internal") <= set(ids(parse(response)))
    assert_absent(response, [*words("community", "other_community", "draft", "kring_draft"), "paddenstoel"])


def test_a_followed_question_stays_in_the_personal_feed_after_its_answer(world: Feeds) -> None:
    url = world.feed_token("collega")["url"]
    answered = question_ids(world, "answered")
    assert not answered & set(ids(parse(world.client.get(url))))  # answered: not open any more
    with unit_of_work(world.runtime.sessions) as session:
        person = session.scalars(select(Person).where(Person.slug == "collega-zonder-kring")).one()
        session.add(Follow(person_id=person.id, target_kind="question", target=world.questions["answered"]["id"]))
    parsed = parse(world.client.get(url))
    entry = next(e for e in parsed.entries if e.id in answered)
    assert entry.updated > entry.published  # its last answer brought it back
    assert "appelboom" in entry.title


def test_revoked_and_foreign_tokens(world: Feeds) -> None:
    created = world.feed_token("collega")
    assert world.client.get(created["url"]).status_code == 200
    listed = world.client.get("/api/v1/me/feed-tokens", headers=world.headers("collega")).json()
    assert created["id"] in [t["id"] for t in listed] and all("token" not in t for t in listed)
    # Another person neither revokes it nor learns it exists.
    foreign = world.client.delete(f"/api/v1/me/feed-tokens/{created['id']}", headers=world.headers("lid"))
    assert foreign.status_code == 404
    assert world.client.get(created["url"]).status_code == 200
    revoked = world.client.delete(f"/api/v1/me/feed-tokens/{created['id']}", headers=world.headers("collega"))
    assert revoked.status_code == 204
    assert world.client.get(created["url"]).status_code == 404
    listed = world.client.get("/api/v1/me/feed-tokens", headers=world.headers("collega")).json()
    assert next(t for t in listed if t["id"] == created["id"])["revoked_at"] is not None


def test_a_feed_token_reads_only_feeds_and_an_api_token_opens_no_feed(world: Feeds) -> None:
    created = world.feed_token("lid")
    assert world.client.get("/api/v1/me", headers=bearer(created["token"])).status_code == 401
    assert world.client.get("/api/v1/practices", headers=bearer(created["token"])).status_code == 401
    api_token = world.tokens["lid"]
    assert world.client.get("/feeds/persoonlijk.atom", params={"token": api_token}).status_code == 404
    assert world.client.post("/api/v1/me/feed-tokens").status_code == 401
    assert world.client.get("/api/v1/me/feed-tokens").status_code == 401


def test_a_disabled_account_has_no_feed(world: Feeds) -> None:
    tokens = make_world(world.runtime, {"weg": "Vertrokken Collega"}, domain="weg.nl")
    response = world.client.post("/api/v1/me/feed-tokens", headers=bearer(tokens["weg"]))
    url = response.json()["url"]
    assert world.client.get(url).status_code == 200
    with unit_of_work(world.runtime.sessions) as session:
        session.execute(
            update(Account).where(Account.email == "weg@weg.nl").values(disabled_at=datetime.now().astimezone())
        )
    assert world.client.get(url).status_code == 404


def test_only_hashes_of_feed_tokens_are_stored(world: Feeds) -> None:
    created = world.feed_token("lid")
    with unit_of_work(world.runtime.sessions) as session:
        from storage.models import FeedToken

        stored = session.get(FeedToken, uuid.UUID(created["id"]))
        assert stored is not None and created["token"] not in stored.token_hash and len(stored.token_hash) == 64


# --- the OpenAPI document ------------------------------------------------------------------------------------


def test_feeds_are_documented_as_atom_and_the_token_routes_as_json(world: Feeds) -> None:
    paths = world.client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/feeds/praktijken.atom", "/feeds/thema/{theme}.atom", "/feeds/gemeenschappen/{slug}.atom",
                 "/feeds/vragen.atom", "/feeds/persoonlijk.atom"):  # fmt: skip
        responses = paths[path]["get"]["responses"]
        assert list(responses["200"]["content"]) == ["application/atom+xml"], path
        assert list(responses["404"]["content"]) == ["application/problem+json"], path
    assert {"get", "post"} <= set(paths["/api/v1/me/feed-tokens"])
    assert "delete" in paths["/api/v1/me/feed-tokens/{token_id}"]
    created = paths["/api/v1/me/feed-tokens"]["post"]["responses"]["201"]["content"]["application/json"]
    assert created["schema"]["$ref"].endswith("/FeedTokenCreated")


# --- pages ---------------------------------------------------------------------------------------------------

FEED_LINK = re.compile(r'<link rel="alternate" type="application/atom\+xml" title="([^"]+)" href="([^"]+)">')


def feed_links(html: str) -> dict[str, str]:
    return {href: title for title, href in FEED_LINK.findall(html)}


def test_pages_name_their_feeds(world: Feeds) -> None:
    expected = {
        "/": {"/feeds/praktijken.atom"},
        "/?q=mantelzorg": {"/feeds/praktijken.atom"},
        "/?q=mantelzorg&theme=wmo": {"/feeds/thema/wmo.atom", "/feeds/praktijken.atom"},
        "/?q=mantelzorg&theme=wmo&theme=jeugd": {"/feeds/praktijken.atom"},
        "/gemeenschappen/kring-noord": {"/feeds/gemeenschappen/kring-noord.atom"},
        "/vragen": {"/feeds/vragen.atom"},
    }
    for path, hrefs in expected.items():
        page = world.client.get(path)
        assert page.status_code == 200, path
        links = feed_links(page.text)
        assert set(links) == hrefs, (path, links)
        for href in hrefs:
            parse(world.client.get(href))  # each named feed is there, and valid
    assert feed_links(world.client.get("/?q=mantelzorg&theme=wmo").text)["/feeds/thema/wmo.atom"] == (
        "Praktijkbank: nieuwe praktijken over Wmo"
    )
    assert not feed_links(world.client.get("/mensen").text)  # a page without a feed names none


def test_the_feed_page_makes_shows_once_and_revokes_an_address(world: Feeds) -> None:
    browser = sign_in(world.client.app, "lid@test.nl", PASSWORD)  # type: ignore[arg-type]
    assert "/mijn/feed" in browser.get("/mijn").text
    page = browser.get("/mijn/feed")
    assert page.status_code == 200 and "Persoonlijke feed" in page.text
    made = browser.post("/mijn/feed", data={"csrf": csrf_of(page.text)})
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    url = re.search(r'<code class="pb-token">([^<]+)</code>', made.text).group(1)  # type: ignore[union-attr]
    url = url.replace("&amp;", "&")
    assert url.startswith("http://testserver/feeds/persoonlijk.atom?token=pbf_")
    assert "kwartelkoning" in world.client.get(url).text  # the internal practice: this is the person's feed
    again = browser.get("/mijn/feed").text
    assert url.split("token=")[1] not in again  # shown once
    token_id = re.findall(r"/mijn/feed/([0-9a-f-]+)/intrekken", again)[0]
    assert browser.post(f"/mijn/feed/{token_id}/intrekken", data={"csrf": "vals"}).status_code == 403
    revoked = browser.post(f"/mijn/feed/{token_id}/intrekken", data={"csrf": csrf_of(again)}, follow_redirects=False)
    assert revoked.status_code == 303 and revoked.headers["location"] == "/mijn/feed?melding=feed_revoked"
    assert "Feedadres ingetrokken." in browser.get(revoked.headers["location"]).text
    assert world.client.get(url).status_code == 404
    assert world.client.get("/mijn/feed", follow_redirects=False).status_code == 303  # signed out: sign in first
