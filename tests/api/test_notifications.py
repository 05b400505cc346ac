"""Notifications ('Meldingen'): every event tells exactly the right people, once; nobody is told of what they may
not read, then or later; the list, the header's count and marking read, on the API and the pages."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from schemas.practices import PracticeCreate
from services import audience, notifications
from services import practices as practice_service
from services.access import SYSTEM, AccessPolicy
from services.events import Event
from services.jobs import JobContext
from services.runtime import Runtime
from storage.database import unit_of_work
from storage.models import Job, Notification, Person, Question
from storage.repositories import directory
from tests.factories import World, csrf_of, make_world, practice_body, serve_world, sign_in

PASSWORD = "een-lang-wachtwoord-123"
PEOPLE = {
    "admin": "Beheer Meldingen",
    "asker": "Vera Vrager",
    "expert": "Erik Expert",
    "follower": "Fien Volger",
    "curator": "Cora Curator",
    "member": "Mila Lid",
    "colleague": "Mark Mede",
    "outsider": "Olga Buiten",
}
KRING = {"Kring Meldingen": {"cora-curator": "curator", "mila-lid": "member", "mark-mede": "member"}}
QUESTION = {
    "title": "Hoe bereik ik jongeren met schulden via de sportclub?",
    "body": "Jongeren met betalingsachterstanden melden zich bij ons pas bij de schuldhulp als de schulden hoog zijn "
    "opgelopen. Werkt het om trainers van sportverenigingen geldzorgen te laten herkennen en jongeren warm door te "
    "verwijzen naar de schuldhulpverlening?",
    "themes": ["schuldhulp"],
}


@pytest.fixture(scope="module")
def world(module_runtime: Runtime) -> Iterator[World]:
    tokens = make_world(module_runtime, PEOPLE, KRING, domain="meldingen.nl", password=PASSWORD)
    with unit_of_work(module_runtime.sessions) as session:
        directory.ensure_person(session, "Paul Papier")  # an author without an account
    with serve_world(module_runtime, tokens) as w:
        expertise = practice_body(
            slug="schuldhulp-via-de-sportclub",
            title="Schuldhulp voor jongeren via de sportvereniging",
            summary="Trainers van sportverenigingen herkennen geldzorgen bij jongeren en verwijzen hen warm door naar "
            "de schuldhulpverlening.",
            situation="Jongeren tussen 18 en 23 jaar met betalingsachterstanden melden zich pas bij de schuldhulp als "
            "de schulden hoog zijn opgelopen.",
            approach="Een schuldhulpverlener traint de trainers van de voetbal- en hockeyclub om geldzorgen bij "
            "jongeren te herkennen; zij verwijzen jongeren door naar een vast spreekuur over schulden in de kantine.",
            themes=["schuldhulp", "jeugd"],
            authors=["erik-expert", "paul-papier"],
        )
        created(w, "expert", expertise)
        unrelated = practice_body(
            slug="groene-daken",
            title="Groene daken op sociale huurwoningen",
            summary="Bewoners leggen samen met de corporatie sedumdaken aan op hun flats.",
            themes=["wonen"],
            authors=["olga-buiten"],
        )
        created(w, "outsider", unrelated)
        settle(w)
        yield w


def created(w: World, who: str, body: dict[str, Any]) -> dict[str, Any]:
    response = w.client.post("/api/v1/practices", json=body, headers=w.bearer(who))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def asked(w: World, who: str, **overrides: Any) -> dict[str, Any]:
    response = w.client.post("/api/v1/questions", json=QUESTION | overrides, headers=w.bearer(who))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def follow(w: World, who: str, kind: str, target: str) -> None:
    response = w.client.post("/api/v1/me/follows", json={"kind": kind, "target": target}, headers=w.bearer(who))
    assert response.status_code in (200, 201), response.text


def settle(w: World) -> None:
    """Index what was written, then do the jobs it queued (its events)."""
    w.runtime.worker.drain()
    w.runtime.jobs.drain()


def told(w: World, key: str) -> list[tuple[str, str]]:
    """Who has a notification with this key, and of which kind (person slug, kind), sorted."""
    with unit_of_work(w.runtime.sessions) as session:
        rows = session.execute(
            select(Person.slug, Notification.kind)
            .join(Person, Person.id == Notification.person_id)
            .where(Notification.key == key)
        )
        return sorted((slug, kind) for slug, kind in rows)


def replayed(w: World, subject: str, *kinds: str) -> int:
    """The events of these kinds about this subject heard again by the notifications listener, as a crash before
    the job's 'done' would: how many notifications that makes (a repeat must make none)."""
    with unit_of_work(w.runtime.sessions) as session:
        payloads = [job.payload for job in session.scalars(select(Job).where(Job.kind == "event"))]
        events = [Event.from_payload(p) for p in payloads if p["subject_id"] == subject and p["kind"] in kinds]
        assert events
        context = JobContext(session, lambda: w.runtime.searcher, w.runtime.settings)
        return sum(notifications.on_event(context, event) for event in events)


def listed(w: World, who: str) -> dict[str, Any]:
    response = w.client.get("/api/v1/me/notifications", headers=w.bearer(who))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def expertise_id(w: World) -> str:
    return str(w.client.get("/api/v1/practices/schuldhulp-via-de-sportclub", headers=w.bearer("expert")).json()["id"])


def etag(w: World, slug: str, who: str) -> str:
    return w.client.get(f"/api/v1/practices/{slug}", headers=w.bearer(who)).headers["ETag"]


# --- questions and answers ---------------------------------------------------------------------------------------


def test_a_question_reaches_the_people_who_know_and_the_followers_once_never_the_asker(world: World) -> None:
    follow(world, "follower", "theme", "schuldhulp")
    follow(world, "asker", "theme", "schuldhulp")  # the asker follows the theme too: still not told of their own
    question = asked(world, "asker")
    ask = world.client.post("/api/v1/ask", json={"question": f"{QUESTION['title']}\n{QUESTION['body']}"},
                            headers=world.bearer("asker")).json()  # fmt: skip
    suggested = {p["person"]["slug"]: p["label"] for p in ask["people"]}
    assert suggested.get("erik-expert") in ("sterk", "mogelijk"), suggested  # the evidence /ask shows the asker
    settle(world)
    key = f"question:{question['id']}"
    assert told(world, key) == [("erik-expert", "suggested_question"), ("fien-volger", "followed")]
    settle(world)
    assert replayed(world, question["id"], "question.created") == 0
    assert told(world, key) == [("erik-expert", "suggested_question"), ("fien-volger", "followed")]
    item = next(n for n in listed(world, "expert")["items"] if n["subject_id"] == question["id"])
    assert item | {"id": None, "created_at": None} == {
        "id": None,
        "kind": "suggested_question",
        "event": "question.created",
        "subject_kind": "question",
        "subject_id": question["id"],
        "title": QUESTION["title"],
        "link": f"/vragen/{question['id']}",
        "created_at": None,
        "read_at": None,
    }


def test_a_community_question_never_reaches_a_non_member_even_when_the_evidence_points_at_them(world: World) -> None:
    follow(world, "follower", "theme", "schuldhulp")  # no member of the kring
    follow(world, "colleague", "theme", "schuldhulp")  # a member
    question = asked(world, "member", visibility="community", community="kring-meldingen")
    settle(world)
    with unit_of_work(world.runtime.sessions) as session:
        stored = session.get(Question, uuid.UUID(question["id"]))
        assert stored is not None
        experts = audience.who_know(session, world.runtime.searcher, stored)
        erik = directory.person_by_slug(session, "erik-expert")
        assert erik is not None and erik.id in experts  # the evidence points at the expert …
    assert told(world, f"question:{question['id']}") == [("mark-mede", "followed")]  # … who may not read it
    assert all(n["subject_id"] != question["id"] for n in listed(world, "expert")["items"])


def test_an_answer_tells_the_asker_and_the_questions_followers_never_its_author_and_accepting_tells_the_author(
    world: World,
) -> None:
    question = asked(world, "asker", title="Wie kent een aanpak voor schulden bij jongeren in de sport?")
    follow(world, "asker", "question", question["id"])  # the asker follows their own question: told once
    follow(world, "follower", "question", question["id"])
    follow(world, "expert", "question", question["id"])  # the author of the answer follows it: not told of it
    reply = world.client.post(f"/api/v1/questions/{question['id']}/answers", json={"body": "Kijk naar de sportclub."},
                              headers=world.bearer("expert"))  # fmt: skip
    assert reply.status_code == 201, reply.text
    answer = reply.json()["id"]
    settle(world)
    assert told(world, f"answer:{answer}") == [("fien-volger", "followed"), ("vera-vrager", "answer")]
    accepted = world.client.post(f"/api/v1/questions/{question['id']}/accept", json={"answer_id": answer},
                                 headers=world.bearer("asker"))  # fmt: skip
    assert accepted.status_code == 200, accepted.text
    settle(world)
    assert told(world, f"accepted:{answer}") == [("erik-expert", "accepted")]
    assert replayed(world, question["id"], "answer.created", "answer.accepted") == 0
    note = next(n for n in listed(world, "asker")["items"] if n["event"] == "answer.created")
    assert note["link"] == f"/vragen/{question['id']}#antwoorden" and note["kind"] == "answer"


# --- practices -----------------------------------------------------------------------------------------------------


def test_applied_and_feedback_tell_the_authors_with_an_account_not_the_one_who_did_it(world: World) -> None:
    slug = "schuldhulp-via-de-sportclub"
    applied = world.client.post(f"/api/v1/practices/{slug}/applications",
                                json={"applied_on": "2026-01-05", "note": "In twee wijken."},
                                headers=world.bearer("outsider"))  # fmt: skip
    feedback = world.client.post(f"/api/v1/practices/{slug}/feedback", json={"body": "Werkt ook bij ons."},
                                 headers=world.bearer("outsider"))  # fmt: skip
    own = world.client.post(f"/api/v1/practices/{slug}/feedback", json={"body": "Aanvulling van mij."},
                            headers=world.bearer("expert"))  # fmt: skip
    assert {applied.status_code, feedback.status_code, own.status_code} == {201}
    settle(world)
    assert told(world, f"applied:{applied.json()['id']}") == [("erik-expert", "applied")]  # not Paul: no account
    assert told(world, f"feedback:{feedback.json()['id']}") == [("erik-expert", "feedback")]
    assert told(world, f"feedback:{own.json()['id']}") == []
    assert replayed(world, expertise_id(world), "practice.applied", "practice.feedback") == 0


def test_review_publish_and_send_back_tell_the_curators_and_the_authors(world: World) -> None:
    follow(world, "colleague", "community", "kring-meldingen")
    follow(world, "follower", "community", "kring-meldingen")  # may not read the kring's practices
    body = practice_body(slug="kring-inloop", title="Inloop voor mantelzorgers in de kring", community="kring-meldingen",
                         visibility="community", status="in_review", authors=["mila-lid"])  # fmt: skip
    practice = created(world, "member", body)
    settle(world)
    version = practice["version"]
    assert told(world, f"review:{practice['id']}:{version}") == [("cora-curator", "review")]
    published = world.client.post("/api/v1/practices/kring-inloop/status", json={"status": "published"},
                                  headers=world.bearer("curator"))  # fmt: skip
    assert published.status_code == 200, published.text
    settle(world)
    assert told(world, f"published:{practice['id']}:{published.json()['version']}") == [
        ("mark-mede", "followed"),
        ("mila-lid", "published"),
    ]
    again = created(world, "member", body | {"slug": "kring-inloop-twee", "title": "Inloop, tweede opzet"})
    back = world.client.post("/api/v1/practices/kring-inloop-twee/status", json={"status": "draft"},
                             headers=world.bearer("curator"))  # fmt: skip
    assert back.status_code == 200, back.text
    settle(world)
    assert told(world, f"sent_back:{again['id']}:{back.json()['version']}") == [("mila-lid", "sent_back")]
    assert replayed(world, practice["id"], "practice.submitted", "practice.published") == 0
    assert replayed(world, again["id"], "practice.sent_back") == 0


def test_a_practice_offered_for_review_outside_a_community_tells_nobody(world: World) -> None:
    practice = created(world, "expert", practice_body(slug="eigen-concept", status="in_review", authors=[]))
    settle(world)
    with unit_of_work(world.runtime.sessions) as session:
        keys = session.scalars(select(Notification.key).where(Notification.subject_id == uuid.UUID(practice["id"])))
        assert list(keys) == []


def test_an_import_tells_the_followers_but_not_the_authors_that_it_was_published(world: World) -> None:
    follow(world, "follower", "theme", "participatie")
    body = practice_body(slug="ingelezen-werkwijze", title="Een ingelezen werkwijze", themes=["participatie"],
                         authors=["erik-expert"])  # fmt: skip
    with unit_of_work(world.runtime.sessions) as session:  # as `praktijkbank import` and the seed do
        practice = practice_service.create(session, PracticeCreate(**body), policy=AccessPolicy(SYSTEM))
        key = f"published:{practice.id}:{practice.version}"
    settle(world)
    assert told(world, key) == [("fien-volger", "followed")]


def test_a_new_version_tells_the_practices_followers(world: World) -> None:
    slug = "schuldhulp-via-de-sportclub"
    follow(world, "follower", "practice", slug)
    follow(world, "expert", "practice", slug)  # the one who changes it is not told
    changed = world.client.patch(f"/api/v1/practices/{slug}", json={"summary": "Trainers herkennen geldzorgen."},
                                 headers=world.bearer("expert") | {"If-Match": etag(world, slug, "expert")})  # fmt: skip
    assert changed.status_code == 200, changed.text
    settle(world)
    key = f"updated:{changed.json()['id']}:{changed.json()['version']}"
    assert told(world, key) == [("fien-volger", "followed")]
    assert replayed(world, changed.json()["id"], "practice.updated") == 0


def test_a_practice_no_longer_readable_disappears_from_the_list_and_the_count(world: World) -> None:
    follow(world, "follower", "theme", "wonen")
    practice = created(world, "outsider", practice_body(slug="buurtmoestuin", title="Een moestuin in de buurt",
                                                        themes=["wonen"]))  # fmt: skip
    settle(world)
    before = listed(world, "follower")
    assert practice["id"] in {n["subject_id"] for n in before["items"]}
    withdrawn = world.client.post("/api/v1/practices/buurtmoestuin/status", json={"status": "draft"},
                                  headers=world.bearer("outsider"))  # fmt: skip
    assert withdrawn.status_code == 200, withdrawn.text
    after = listed(world, "follower")
    assert practice["id"] not in {n["subject_id"] for n in after["items"]}
    assert after["unread"] == before["unread"] - 1
    assert (
        "Een moestuin in de buurt" not in sign_in(world.app, "follower@meldingen.nl", PASSWORD).get("/meldingen").text
    )


# --- reading: the API, the page and the header's count --------------------------------------------------------------


def test_marking_read_one_and_all_through_the_api(world: World) -> None:
    mine = listed(world, "expert")
    unread = [n for n in mine["items"] if n["read_at"] is None]
    assert mine["unread"] == len(unread) >= 2
    first = unread[0]["id"]
    assert world.client.post(f"/api/v1/me/notifications/{first}/read", headers=world.bearer("expert")).json() == {
        "unread": mine["unread"] - 1
    }
    foreign = world.client.post(f"/api/v1/me/notifications/{first}/read", headers=world.bearer("follower"))
    assert foreign.status_code == 404 and foreign.headers["content-type"] == "application/problem+json"
    assert world.client.post(f"/api/v1/me/notifications/{first}/read").status_code == 401
    only_unread = world.client.get("/api/v1/me/notifications", params={"unread_only": True},
                                   headers=world.bearer("expert")).json()  # fmt: skip
    assert first not in {n["id"] for n in only_unread["items"]}
    everything = world.client.post("/api/v1/me/notifications/read-all", headers=world.bearer("expert"))
    assert everything.json() == {"unread": 0} and listed(world, "expert")["unread"] == 0
    assert world.client.get("/api/v1/me/notifications").status_code == 401


def header_count(html: str) -> int:
    match = re.search(r'href="/meldingen"[^>]*>Meldingen(?: \((\d+)<span class="pb-visually-hidden"> ongelezen)?', html)
    assert match, "no Meldingen link in the header"
    return int(match.group(1) or 0)


def test_the_page_lists_in_dutch_and_marks_read_and_the_header_counts(world: World) -> None:
    browser = sign_in(world.app, "follower@meldingen.nl", PASSWORD)
    unread = listed(world, "follower")["unread"]
    assert unread >= 2
    page = browser.get("/meldingen")
    assert page.status_code == 200
    assert header_count(browser.get("/").text) == unread == header_count(page.text)
    assert "Een nieuwe vraag over wat je volgt" in page.text and 'href="/vragen/' in page.text
    note = listed(world, "follower")["items"][0]["id"]
    refused = browser.post(f"/meldingen/{note}/gelezen", data={"csrf": "vervalst"}, follow_redirects=False)
    assert refused.status_code == 403 and listed(world, "follower")["unread"] == unread
    done = browser.post(f"/meldingen/{note}/gelezen", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/meldingen")
    assert header_count(browser.get("/meldingen").text) == unread - 1
    everything = browser.post("/meldingen/alles-gelezen", data={"csrf": csrf_of(page.text)}, follow_redirects=True)
    assert header_count(everything.text) == 0 and "Alle meldingen zijn gelezen." in everything.text
    assert world.client.get("/meldingen", follow_redirects=False).headers["location"].startswith("/inloggen")
