"""Direct mail against a real SMTP server on 127.0.0.1: what a mail holds (headers, parts, links), one mail per
item per person, access checked again when the mail is built, the choice of its person, and what happens when
the server is away, refuses, or the process dies while sending."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import update

from core.vocab import MailFrequency, NotificationKind
from services.mail import outbox, tokens, transport
from storage.base import utcnow
from storage.database import Database, unit_of_work
from storage.models import Account, Job, Question
from storage.repositories import directory
from tests.conftest import PgDatabases, make_database_url
from tests.mail_world import PUBLIC_URL, Outbox, mail_settings
from tests.smtp import Receiver, smtp_server


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def database_url(tmp_path: Path, pg_databases: PgDatabases | None) -> str:
    return make_database_url(tmp_path / "db", pg_databases)


@pytest.fixture
def mail(tmp_path: Path, database_url: str, receiver: Receiver) -> Iterator[Outbox]:
    db = Database.open(database_url)
    yield Outbox(db, mail_settings(tmp_path, database_url, receiver.url))
    db.close()


def test_a_direct_mail_is_dutch_text_and_html_with_links_back_and_one_click_unsubscribe(
    mail: Outbox, receiver: Receiver
) -> None:
    asker = mail.person("ine", name="Ine Jansen-Ölçer")
    question = mail.question()
    mail.notify(asker, NotificationKind.ANSWER, question)
    assert mail.drain() == 1
    (got,) = receiver.messages()
    m = got.message
    (job,) = mail.jobs("mail")
    assert job.outcome == "sent"
    assert got.sender == "noreply@praktijkbank.test" and got.recipients == ["ine@test.nl"]
    assert m["From"] == "Praktijkbank <noreply@praktijkbank.test>"
    assert m["To"].addresses[0].display_name == "Ine Jansen-Ölçer"
    assert got.subject == "Er is een nieuw antwoord op je vraag: Jongere met schulden opent zijn post niet"
    assert re.fullmatch(r"<[0-9a-f]{32}@praktijkbank\.test>", m["Message-ID"])
    assert m["Content-Language"] == "nl" and m["Auto-Submitted"] == "auto-generated"
    # RFC 8058: one https URI in angle brackets, and the one-click POST body
    unsubscribe = re.fullmatch(rf"<({PUBLIC_URL}/afmelden/([^>]+))>", m["List-Unsubscribe"])
    assert unsubscribe and m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    found = tokens.parse(mail.settings, unsubscribe.group(2))
    assert found == tokens.Unsubscribe(asker, NotificationKind.ANSWER)
    # multipart/alternative: plain text first, then HTML, both UTF-8
    assert m.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in m.iter_parts()] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in m.iter_parts())
    link = f"{PUBLIC_URL}/vragen/{question}#antwoorden"
    assert "Beste Ine Jansen-Ölçer," in got.text and f"Bekijk de vraag: {link}" in got.text
    assert unsubscribe.group(1) in got.text and f"{PUBLIC_URL}/mijn/meldingen-instellingen" in got.text
    assert '<html lang="nl"' in got.html and f'<a href="{link}"' in got.html
    assert "<h1" in got.html and "<title>Er is een nieuw antwoord op je vraag" in got.html
    assert f'href="{unsubscribe.group(1)}"' in got.html
    assert "Sem (19)" not in got.raw.decode()  # a question's text stays in Praktijkbank


def test_one_mail_per_item_per_person_however_often_it_is_told_or_drained(mail: Outbox, receiver: Receiver) -> None:
    asker, other = mail.person("ine"), mail.person("piet")
    question = mail.question()
    assert mail.notify(asker, NotificationKind.ANSWER, question, key="answer:a1")
    assert mail.notify(asker, NotificationKind.ANSWER, question, key="answer:a1") is None  # the same item again
    mail.notify(other, NotificationKind.ANSWER, question, key="answer:a1")  # another person: their own mail
    assert mail.drain() == 2
    assert mail.drain() == 0
    with unit_of_work(mail.db.sessions) as session:  # a repeat of the queueing itself is no second job
        (job,) = [j for j in mail.jobs("mail") if j.key.startswith("mail:")][:1]
        from storage.repositories import jobs

        jobs.enqueue(session, "mail", job.key, job.payload)
    assert mail.drain() == 0
    assert sorted(r.recipients[0] for r in receiver.messages()) == ["ine@test.nl", "piet@test.nl"]
    assert len({r.message["Message-ID"] for r in receiver.messages()}) == 2


def test_access_is_checked_again_when_the_mail_is_built(
    mail: Outbox, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    colleague = mail.person("piet")
    mail.choose(colleague, suggested_question=MailFrequency.DIRECT)
    question = mail.question(title="Huisuitzetting dreigt")
    mail.notify(colleague, NotificationKind.SUGGESTED_QUESTION, question)
    with unit_of_work(mail.db.sessions) as session:  # before the runner gets to it, the question becomes private
        community = directory.ensure_community(session, "Leergemeenschap Schulden")
        row = session.get(Question, question)
        assert row is not None
        row.visibility, row.community_id = "community", community.id
    with caplog.at_level(logging.INFO, logger="services.mail"):
        mail.drain()
    assert receiver.messages() == []
    (job,) = mail.jobs("mail")
    assert job.outcome == "skipped: the recipient may no longer read the question"
    assert f"{job.key} not sent: the recipient may no longer read the question" in caplog.text


def test_a_routed_question_is_mailed_as_its_title_and_a_link_unless_its_asker_shares_the_text(
    mail: Outbox, receiver: Receiver
) -> None:
    colleague = mail.person("piet")
    mail.choose(colleague, suggested_question=MailFrequency.DIRECT)
    private = mail.question(title="Gezin met schulden en veel hulpverleners")
    shared = mail.question(title="Wachtlijst schuldhulp", body="Hoe overbruggen jullie de wachttijd?", share_text=True)
    mail.notify(colleague, NotificationKind.SUGGESTED_QUESTION, private)
    mail.notify(colleague, NotificationKind.SUGGESTED_QUESTION, shared)
    mail.drain()
    by_subject = {r.subject: r for r in receiver.messages()}
    kept = by_subject["Een collega stelt een vraag die past bij jouw werk: Gezin met schulden en veel hulpverleners"]
    assert "Sem (19)" not in kept.raw.decode() and "Om privacyredenen" in kept.text
    assert f"{PUBLIC_URL}/vragen/{private}" in kept.text
    told = by_subject["Een collega stelt een vraag die past bij jouw werk: Wachtlijst schuldhulp"]
    assert "Hoe overbruggen jullie de wachttijd?" in told.text and "Om privacyredenen" not in told.text


XSS = '<script>alert("xss")</script><img src=x onerror="alert(1)"><a href="javascript:alert(2)">klik</a>'


class _Active(HTMLParser):
    """What a mail program could run or follow: a script, an event-handler attribute, a javascript: URL."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "img"):
            self.found.append(tag)
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"{tag} {name}")


def test_markup_in_a_title_or_summary_is_text_in_the_html_of_a_direct_mail_and_a_digest(
    mail: Outbox, receiver: Receiver
) -> None:
    ine = mail.person("ine")
    question = mail.question(title=f"Vraag {XSS}")
    practice = mail.practice(title=f"Praktijk {XSS}", summary=f"Samenvatting {XSS}")
    mail.notify(ine, NotificationKind.ANSWER, question)  # direct
    mail.notify(ine, NotificationKind.FEEDBACK, practice, subject_kind="practice")  # the daily digest
    mail.notify(ine, NotificationKind.APPLIED, question)  # the daily digest, a question
    with unit_of_work(mail.db.sessions) as session:
        assert outbox.queue_digests(session, utcnow()) == 1
    assert mail.drain() == 2
    direct = next(r for r in receiver.messages() if "antwoord" in r.subject)
    digest = next(r for r in receiver.messages() if "overzicht" in r.subject)
    escaped = "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;&lt;img src=x onerror=&#34;alert(1)&#34;&gt;"
    for got, shown in ((direct, ["Vraag"]), (digest, ["Vraag", "Praktijk", "Samenvatting"])):
        for text in shown:  # on the page as text, every character of it
            assert f"{text} {escaped}" in got.html, (got.subject, text)
        parser = _Active()
        parser.feed(got.html)
        assert parser.found == [], (got.subject, parser.found)
        assert XSS in got.text  # the plain-text part shows it as typed: nothing there runs


def test_only_a_direct_choice_queues_a_mail_and_the_choice_at_send_time_counts(
    mail: Outbox, receiver: Receiver
) -> None:
    person = mail.person("ine")
    question = mail.question()
    mail.notify(person, NotificationKind.FEEDBACK, question)  # default: daily digest
    mail.choose(person, answer=MailFrequency.NEVER)
    mail.notify(person, NotificationKind.ANSWER, question)
    assert mail.jobs("mail") == []
    mail.choose(person, answer=MailFrequency.DIRECT)
    mail.notify(person, NotificationKind.ANSWER, question)
    mail.choose(person, answer=MailFrequency.WEEKLY)  # changed before it went out
    mail.drain()
    assert receiver.messages() == []
    assert [j.outcome for j in mail.jobs("mail")] == ["skipped: the person now chooses weekly for answer"]


def test_a_notification_that_queues_no_mail_says_why_in_the_log(
    mail: Outbox, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    digest, never, disabled = mail.person("ine"), mail.person("piet"), mail.person("kees")
    mail.choose(never, answer=MailFrequency.NEVER)
    with unit_of_work(mail.db.sessions) as session:
        without_account = directory.ensure_person(session, "Paul Papier").id
        session.execute(update(Account).where(Account.person_id == disabled).values(disabled_at=utcnow()))
    question = mail.question()
    with caplog.at_level(logging.INFO, logger="services.mail"):
        notes = [
            mail.notify(digest, NotificationKind.FEEDBACK, question),  # default: the daily digest
            mail.notify(never, NotificationKind.ANSWER, question),
            mail.notify(without_account, NotificationKind.ANSWER, question),
            mail.notify(disabled, NotificationKind.ANSWER, question),
        ]
    assert mail.jobs("mail") == []
    logged = [
        r.getMessage() for r in caplog.records if r.name.startswith("services.mail") and r.levelno == logging.INFO
    ]
    assert logged == [
        f"mail:{notes[0]} not sent: the person chooses daily for feedback",
        f"mail:{notes[1]} not sent: the person chooses never for answer",
        f"mail:{notes[2]} not sent: the person has no active account",
        f"mail:{notes[3]} not sent: the person has no active account",
    ]


def test_a_notification_read_before_its_mail_went_out_is_not_mailed(mail: Outbox, receiver: Receiver) -> None:
    person = mail.person("ine")
    note = mail.notify(person, NotificationKind.ANSWER, mail.question())
    assert note is not None
    mail.read(note)
    mail.drain()
    assert receiver.messages() == [] and mail.jobs("mail")[0].outcome == "skipped: already read in Meldingen"


def test_without_a_server_mail_waits_in_the_outbox_untouched(
    tmp_path: Path, database_url: str, mail: Outbox, receiver: Receiver
) -> None:
    unconfigured = Outbox(mail.db, mail_settings(tmp_path, database_url, None))
    no_sender = Outbox(mail.db, mail_settings(tmp_path, database_url, receiver.url, mail_from=None))
    mail.notify(mail.person("ine"), NotificationKind.ANSWER, mail.question())
    assert unconfigured.drain() == 0 and no_sender.drain() == 0
    (job,) = mail.jobs("mail")
    assert job.done_at is None and job.attempts == 0  # no attempt used up while nothing can be sent
    with unit_of_work(mail.db.sessions) as session:
        assert outbox.waiting(session) == 1
    assert mail.drain() == 1 and len(receiver.messages()) == 1  # configured: it goes


def test_a_server_away_is_tried_again_later_and_a_refused_recipient_ends_the_job(
    tmp_path: Path, database_url: str, mail: Outbox, receiver: Receiver
) -> None:
    question = mail.question()
    away = Outbox(mail.db, mail_settings(tmp_path, database_url, "smtp://127.0.0.1:1"))
    mail.notify(mail.person("ine"), NotificationKind.ANSWER, question)
    away.drain()
    (job,) = mail.jobs("mail")
    assert job.done_at is None and "connection refused" in (job.last_error or "")
    assert job.due_at > utcnow() + timedelta(seconds=15)  # the runner's backoff

    receiver.refuse["piet@test.nl"] = "550 5.1.1 no such mailbox"
    receiver.refuse["kees@test.nl"] = "451 4.3.0 try again later"
    mail.notify(mail.person("piet"), NotificationKind.ANSWER, question)
    mail.notify(mail.person("kees"), NotificationKind.ANSWER, question)
    mail.drain()
    outcomes = {j.payload["notification"]: j for j in mail.jobs("mail")}
    done = [j for j in outcomes.values() if j.done_at is not None]
    assert [j.outcome for j in done] == ["failed: RCPT TO: 550 5.1.1 no such mailbox"]
    waiting = [j for j in outcomes.values() if j.done_at is None and "451" in (j.last_error or "")]
    assert len(waiting) == 1
    assert receiver.messages() == []


class Killed(BaseException):
    """Stands for SIGKILL inside one process: nothing after it runs, no handler catches it."""


def test_a_crash_before_the_final_dot_loses_nothing_and_is_sent_again(
    mail: Outbox, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process dies after recording "sending", before the server had the whole message: the server drops
    the half message, and the job (marked "sending") goes again: one mail arrives, its outcome says it may be a
    repeat. (The real SIGKILL, mid-batch: tests/services/test_mail_crash.py.)"""
    mail.notify(mail.person("ine"), NotificationKind.ANSWER, mail.question())
    real_send = transport.Delivery.send

    def dies_after_the_mark(self: transport.Delivery, message: object, before_commit: object = None) -> None:
        def mark_then_die() -> None:
            before_commit()  # type: ignore[operator]
            raise Killed

        real_send(self, message, mark_then_die)  # type: ignore[arg-type]

    monkeypatch.setattr(transport.Delivery, "send", dies_after_the_mark)
    with pytest.raises(Killed):
        mail.drain()
    (job,) = mail.jobs("mail")
    assert job.outcome == outbox.SENDING and job.done_at is None
    monkeypatch.setattr(transport.Delivery, "send", real_send)
    with unit_of_work(mail.db.sessions) as session:  # the restart: the dead process's lease is void
        session.execute(update(Job).values(claimed_until=None))
    mail.drain()
    assert len(receiver.messages()) == 1
    assert mail.jobs("mail")[0].outcome == outbox.SENT_AGAIN


def test_an_unsubscribe_token_is_signed_and_the_key_survives_a_restart(tmp_path: Path, mail: Outbox) -> None:
    person = uuid.uuid4()
    token = tokens.token_for(mail.settings, person, NotificationKind.ANSWER)
    assert tokens.parse(mail.settings, token) == tokens.Unsubscribe(person, NotificationKind.ANSWER)
    assert (mail.settings.data_dir / tokens.KEY_FILE).stat().st_mode & 0o777 == 0o600
    restarted = mail_settings(tmp_path, "sqlite://", None)  # a new process: the key file is read again
    assert tokens.parse(restarted, token) is not None
    other = token.replace(".answer.", ".feedback.")
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (other, forged, "", "x" * 80, f"{person.hex}.weekly.{token.rsplit('.', 1)[1]}"):
        assert tokens.parse(mail.settings, bad) is None
    elsewhere = mail.settings.model_copy(update={"secret_key": SecretStr("another instance's key")})
    assert tokens.parse(elsewhere, token) is None
