"""Mail choices through the API and the page, and the one-click unsubscribe round trip from a real mail: showing
the link changes nothing, posting to it (without signing in) sets "never", and the next notification of that
kind sends no mail."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from core.vocab import MailFrequency, NotificationKind
from services import notifications
from services.mail import preferences, tokens
from services.runtime import Runtime
from storage.database import unit_of_work
from storage.models import Account, Question
from tests.conftest import RuntimeMaker
from tests.factories import World, csrf_of, make_world, serve_world, sign_in
from tests.mail_world import PUBLIC_URL, SENDER
from tests.smtp import Receiver, smtp_server

PASSWORD = "een-lang-wachtwoord-123"
ALL_KINDS = [k.value for k in NotificationKind]


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with smtp_server() as server:
        yield server


@pytest.fixture(scope="module")
def world(new_runtime: RuntimeMaker, receiver: Receiver) -> Iterator[World]:
    mail = {"smtp_url": receiver.url, "mail_from": SENDER, "public_url": PUBLIC_URL, "writes_per_minute": 10_000}
    with new_runtime("mail", **mail) as runtime:
        people = {"admin": "Beheer Mail", "ine": "Ine Vrager", "piet": "Piet Antwoord", "kees": "Kees Digest"}
        tokens_ = make_world(runtime, people, domain="mail.nl", password=PASSWORD)
        with serve_world(runtime, tokens_) as served:
            yield served


def person_of(runtime: Runtime, email: str) -> object:
    with unit_of_work(runtime.sessions) as session:
        return session.scalars(select(Account.person_id).where(Account.email == email)).one()


def choices(world: World, key: str) -> dict[str, str]:
    response = world.client.get("/api/v1/me/mail-preferences", headers=world.bearer(key))
    assert response.status_code == 200, response.text
    return response.json()["preferences"]  # type: ignore[no-any-return]


def test_the_api_shows_every_kind_with_its_default_and_takes_a_choice(world: World) -> None:
    shown = world.client.get("/api/v1/me/mail-preferences", headers=world.bearer("kees")).json()
    assert shown["preferences"] == shown["defaults"] and set(shown["preferences"]) == set(ALL_KINDS)
    assert shown["defaults"]["answer"] == "direct" and shown["defaults"]["suggested_question"] == "weekly"
    put = world.client.put(
        "/api/v1/me/mail-preferences",
        json={"preferences": {"answer": "daily", "followed": "never"}},
        headers=world.bearer("kees"),
    )
    assert put.status_code == 200, put.text
    assert put.json()["preferences"] == shown["defaults"] | {"answer": "daily", "followed": "never"}
    again = world.client.put(
        "/api/v1/me/mail-preferences", json={"preferences": {"followed": "never"}}, headers=world.bearer("kees")
    )
    assert again.json()["preferences"]["answer"] == "direct"  # left out: back to its default
    assert choices(world, "piet") == shown["defaults"]  # one person's choice is theirs alone


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"preferences": {"answer": "hourly"}}, "preferences.answer"),
        ({"preferences": {"gossip": "direct"}}, "preferences.gossip"),
        ({"preferences": {}, "extra": 1}, "extra"),
        ({}, "preferences"),
    ],
)
def test_a_wrong_choice_is_a_problem_naming_the_field(world: World, body: dict, field: str) -> None:
    response = world.client.put("/api/v1/me/mail-preferences", json=body, headers=world.bearer("kees"))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert any(e["field"].startswith(field) for e in response.json()["errors"]), response.json()


def test_without_an_account_there_are_no_mail_preferences(world: World) -> None:
    assert world.client.get("/api/v1/me/mail-preferences").status_code == 401
    refused = world.client.put("/api/v1/me/mail-preferences", json={"preferences": {}})
    assert refused.status_code == 401 and refused.headers["content-type"] == "application/problem+json"


def test_the_page_shows_each_choice_and_saves_them_with_its_csrf_token(world: World) -> None:
    browser = sign_in(world.app, "piet@mail.nl", PASSWORD)
    mine = browser.get("/mijn")
    assert 'href="/mijn/meldingen-instellingen"' in mine.text
    page = browser.get("/mijn/meldingen-instellingen")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Mail over meldingen" in text and "Antwoorden op mijn vragen" in text and "Standaard: direct" in text
    assert '<label class="utrecht-form-label" for="veld-answer">' in page.text
    assert re.search(r'<option value="weekly" selected>\s*In een wekelijks overzicht', page.text)
    form = {kind: "daily" for kind in ALL_KINDS} | {"answer": "never", "csrf": csrf_of(page.text)}
    saved = browser.post("/mijn/meldingen-instellingen", data=form, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"].endswith("melding=mail_preferences_saved")
    assert choices(world, "piet")["answer"] == "never" and choices(world, "piet")["review"] == "daily"
    shown = browser.get(saved.headers["location"])
    assert "Je keuzes voor mail zijn opgeslagen." in html.unescape(shown.text)
    assert re.search(r'<option value="never" selected>', shown.text)

    wrong = browser.post("/mijn/meldingen-instellingen", data=form | {"review": "elk-uur"})
    assert wrong.status_code == 422
    assert 'id="fout-review"' in wrong.text and 'href="#veld-review"' in wrong.text
    assert choices(world, "piet")["review"] == "daily"  # nothing saved
    forged = browser.post("/mijn/meldingen-instellingen", data=form | {"csrf": "vervalst", "answer": "direct"})
    assert forged.status_code == 403 and choices(world, "piet")["answer"] == "never"
    with TestClient(world.app, raise_server_exceptions=False) as anonymous:
        away = anonymous.get("/mijn/meldingen-instellingen", follow_redirects=False)
        assert away.status_code in (303, 401)


def ask_and_answer(world: World, title: str) -> None:
    """Ine asks, Piet answers: Ine is told (and, by default, mailed at once)."""
    question = world.client.post(
        "/api/v1/questions",
        json={"title": title, "body": "Een gezin met schulden en een jongere die zijn post niet opent."},
        headers=world.bearer("ine"),
    )
    assert question.status_code == 201, question.text
    answer = world.client.post(
        f"/api/v1/questions/{question.json()['id']}/answers",
        json={"body": "Wij werken met een vaste contactpersoon."},
        headers=world.bearer("piet"),
    )
    assert answer.status_code == 201, answer.text
    world.runtime.worker.drain()
    world.runtime.jobs.drain()


def test_the_unsubscribe_round_trip_from_a_real_mail(world: World, receiver: Receiver) -> None:
    ask_and_answer(world, "Hoe bereik je een jongere die zijn post niet opent?")
    (mail,) = [r for r in receiver.to("ine@mail.nl") if "post niet opent" in r.subject]
    assert mail.subject.startswith("Er is een nieuw antwoord op je vraag")
    link = re.fullmatch(r"<(.+)>", mail.message["List-Unsubscribe"])
    assert link and link.group(1).startswith(f"{PUBLIC_URL}/afmelden/")
    path = link.group(1).removeprefix(PUBLIC_URL)

    with TestClient(world.app, raise_server_exceptions=False) as scanner:  # a mail scanner follows the link
        shown = scanner.get(path)
        assert shown.status_code == 200
        assert "Wil je geen mail meer krijgen over ‘Antwoorden op mijn vragen’?" in html.unescape(shown.text)
        assert f'<form method="post" action="{path}" class="pb-unsubscribe">' in shown.text
        assert shown.headers["cache-control"] == "no-store"
        assert choices(world, "ine")["answer"] == "direct"  # looking changed nothing

        # RFC 8058: the mail program posts List-Unsubscribe=One-Click, without cookies or a CSRF token
        one_click = scanner.post(path, data={"List-Unsubscribe": "One-Click"})
        assert one_click.status_code == 200
        assert "Je krijgt geen mail meer over ‘Antwoorden op mijn vragen’." in html.unescape(one_click.text)
    assert choices(world, "ine")["answer"] == "never"
    assert choices(world, "ine")["accepted"] == "direct"  # only the kind the link names

    before = len(receiver.to("ine@mail.nl"))
    ask_and_answer(world, "Wie kent een goede aanpak voor wachtlijsten?")
    assert len(receiver.to("ine@mail.nl")) == before  # the next answer: no mail
    notes = world.client.get("/api/v1/me/notifications", headers=world.bearer("ine")).json()["items"]
    assert any("wachtlijsten" in n["title"] for n in notes)  # but still in Meldingen


def test_a_digest_link_unsubscribes_from_that_digest(world: World) -> None:
    kees = person_of(world.runtime, "kees@mail.nl")
    world.client.put(
        "/api/v1/me/mail-preferences", json={"preferences": {"answer": "weekly"}}, headers=world.bearer("kees")
    )
    token = tokens.token_for(world.runtime.settings, kees, MailFrequency.WEEKLY)  # type: ignore[arg-type]
    with TestClient(world.app, raise_server_exceptions=False) as mail_program:
        assert "Wil je het wekelijkse overzicht niet meer krijgen?" in mail_program.get(f"/afmelden/{token}").text
        assert mail_program.post(f"/afmelden/{token}", data={"List-Unsubscribe": "One-Click"}).status_code == 200
    chosen = choices(world, "kees")
    weekly_before = {k for k, f in preferences.DEFAULTS.items() if f is MailFrequency.WEEKLY} | {
        NotificationKind.ANSWER
    }
    assert {k for k, f in chosen.items() if f == "never"} == {k.value for k in weekly_before}
    assert chosen["feedback"] == "daily"


def test_a_forged_or_broken_unsubscribe_link_is_not_found_and_changes_nothing(world: World) -> None:
    piet = person_of(world.runtime, "piet@mail.nl")
    real = tokens.token_for(world.runtime.settings, piet, NotificationKind.REVIEW)  # type: ignore[arg-type]
    before = choices(world, "piet")
    forged = [real[:-3] + "abc", real.replace(".review.", ".accepted."), "niets", "a" * 200, "%00"]
    with TestClient(world.app, raise_server_exceptions=False) as anyone:
        for token in forged:
            for method in ("GET", "POST"):
                response = anyone.request(method, f"/afmelden/{token}", data={"List-Unsubscribe": "One-Click"})
                assert response.status_code == 404, (token, method, response.status_code)
                assert "text/html" in response.headers["content-type"]
        assert anyone.get(f"/afmelden/{'x' * 300}").status_code in (404, 422)
    assert choices(world, "piet") == before


def test_the_ask_form_offers_to_share_the_text_off_by_default(world: World) -> None:
    browser = sign_in(world.app, "ine@mail.nl", PASSWORD)
    page = browser.get("/vragen/nieuw", params={"vraag": "Wie helpt bij schulden van een jongere?"})
    box = re.search(r'<input[^>]*name="share_text"[^>]*>', page.text)
    assert box and "checked" not in box.group(0)
    body = {"title": "Schulden en een jongere", "body": "Wie helpt bij schulden van een jongere?"}
    posted = browser.post(
        "/vragen", data=body | {"share_text": "true", "csrf": csrf_of(page.text)}, follow_redirects=False
    )
    assert posted.status_code == 303, posted.text
    api = world.client.post("/api/v1/questions", json=body | {"title": "Zonder delen"}, headers=world.bearer("ine"))
    shared = world.client.post(
        "/api/v1/questions", json=body | {"title": "Met delen", "share_text": True}, headers=world.bearer("ine")
    )
    assert api.status_code == shared.status_code == 201
    with unit_of_work(world.runtime.sessions) as session:
        rows = {row.title: row.share_text for row in session.execute(select(Question.title, Question.share_text))}
    assert rows["Schulden en een jongere"] is True and rows["Met delen"] is True and rows["Zonder delen"] is False


def test_notify_queues_no_mail_for_a_person_who_chose_never(world: World, receiver: Receiver) -> None:
    piet = person_of(world.runtime, "piet@mail.nl")
    with unit_of_work(world.runtime.sessions) as session:
        question = session.scalars(select(Question.id)).first()
        assert question is not None
        notifications.notify(session, piet, NotificationKind.ANSWER, "question", question, "answer:never")  # type: ignore[arg-type]
    before = len(receiver.messages())
    world.runtime.jobs.drain()
    assert len(receiver.messages()) == before  # Piet chose never for answers on the page above
