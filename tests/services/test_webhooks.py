"""Webhook deliveries against a real receiver on 127.0.0.1 (allowed for the test with allow_private): signed per
Standard Webhooks and verified by the receiver, once per event, only of what the webhook may see, retried on the
spec's schedule or when the receiver says, never through a redirect, and never to an address it may not reach."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from datetime import timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from services import webhook_delivery, webhook_targets
from services.runtime import Runtime
from storage.base import utcnow
from storage.database import unit_of_work
from storage.models import Job, Webhook
from tests.factories import World, make_world, practice_body, serve_world
from tests.webhook_receiver import Receiver, Reply, running_receiver

PEOPLE = {"admin": "Persoon Admin", "curator": "Persoon Curator", "other": "Persoon Other"}
COMMUNITIES = {"Kring A": {"persoon-curator": "curator"}, "Kring B": {"persoon-other": "curator"}}


@pytest.fixture(scope="module")
def world(module_runtime: Runtime) -> Iterator[World]:
    tokens = make_world(module_runtime, PEOPLE, COMMUNITIES)
    with serve_world(module_runtime, tokens) as w:
        yield w


@pytest.fixture
def receiver(world: World) -> Iterator[Receiver]:
    """A fresh receiver; afterwards no webhook is left and nothing is waiting to be delivered."""
    with running_receiver() as r:
        yield r
    with unit_of_work(world.runtime.sessions) as session:
        session.execute(delete(Webhook))
        session.execute(update(Job).where(Job.done_at.is_(None)).values(done_at=utcnow(), outcome="test over"))


def register(w: World, receiver: Receiver, path: str, events: list[str], **extra: Any) -> dict[str, Any]:
    body = {"url": receiver.base + path, "events": events, "allow_private": True} | extra
    response = w.client.post("/api/v1/webhooks", json=body, headers=w.bearer("admin"))
    assert response.status_code == 201, response.text
    receiver.secrets[path] = response.json()["secret"]
    return dict(response.json())


def publish(w: World, title: str, **overrides: Any) -> dict[str, Any]:
    body = practice_body(title=title, **overrides)
    response = w.client.post("/api/v1/practices", json=body, headers=w.bearer("admin"))
    assert response.status_code == 201, response.text
    return dict(response.json())


def settle(w: World) -> None:
    """Every due job: the event's fan-out, then the deliveries it queued."""
    w.runtime.worker.drain()
    w.runtime.jobs.drain()


def log(w: World, hook_id: str) -> list[dict[str, Any]]:
    response = w.client.get(f"/api/v1/webhooks/{hook_id}/deliveries", headers=w.bearer("admin"))
    assert response.status_code == 200, response.text
    return list(response.json())


def webhook(w: World, hook_id: str) -> dict[str, Any]:
    return dict(w.client.get(f"/api/v1/webhooks/{hook_id}", headers=w.bearer("admin")).json())


def pending(w: World, hook_id: str) -> Job:
    with unit_of_work(w.runtime.sessions) as session:
        return session.scalars(
            select(Job).where(Job.key.startswith(f"webhook:{hook_id}:"), Job.done_at.is_(None))
        ).one()


def make_due(w: World, hook_id: str) -> None:
    """The wait before the next attempt has passed."""
    with unit_of_work(w.runtime.sessions) as session:
        session.execute(
            update(Job)
            .where(Job.key.startswith(f"webhook:{hook_id}:"), Job.done_at.is_(None))
            .values(due_at=utcnow() - timedelta(seconds=1))
        )


def test_a_published_practice_is_delivered_once_signed_and_thin(world: World, receiver: Receiver) -> None:
    hook = register(world, receiver, "/alles", ["practice.published"])
    practice = publish(world, "Huisbezoek binnen drie dagen bij een eerste huurachterstand")
    settle(world)
    (delivery,) = receiver.accepted("/alles").values()
    assert len(receiver.at("/alles")) == 1 and delivery.verified
    body = delivery.json()
    assert body["type"] == "practice.published" and body["timestamp"].endswith("Z")
    assert body["data"]["id"] == practice["id"] and body["data"]["slug"] == practice["slug"]
    assert body["data"]["links"] == {
        "self": f"{world.runtime.settings.base_url}/api/v1/practices/{practice['id']}",
        "html": f"{world.runtime.settings.base_url}/praktijken/{practice['slug']}",
    }
    assert set(body) == {"type", "timestamp", "data"} and b"respijtzorg" not in delivery.body  # no text
    assert delivery.headers["host"] == f"127.0.0.1:{receiver.port}"
    (entry,) = log(world, hook["id"])
    assert entry["state"] == "delivered" and entry["attempts"] == 1 and entry["last_status"] == 204
    assert entry["message_id"] == delivery.message_id and entry["type"] == "practice.published"
    assert (webhook(world, hook["id"])["last_status"], webhook(world, hook["id"])["failures"]) == (204, 0)
    # A practice of another type of event, and an update, do not reach a webhook that did not ask for them.
    world.client.patch(
        f"/api/v1/practices/{practice['id']}",
        json={"title": "Huisbezoek"},
        headers=world.bearer("admin") | {"If-Match": "*"},
    )
    settle(world)
    assert len(receiver.at("/alles")) == 1


def test_community_content_reaches_only_a_webhook_scoped_to_that_community(world: World, receiver: Receiver) -> None:
    public = register(world, receiver, "/publiek", ["practice.published", "question.created"])
    # A curator scopes one to their community; an admin lets it reach this test's receiver.
    made = world.client.post(
        "/api/v1/webhooks",
        json={
            "url": "https://ontvanger.example.nl/kring",
            "events": ["practice.published", "question.created"],
            "community": "kring-a",
        },
        headers=world.bearer("curator"),
    )
    assert made.status_code == 201, made.text
    receiver.secrets["/kring"] = made.json()["secret"]
    allowed = world.client.patch(
        f"/api/v1/webhooks/{made.json()['id']}",
        json={"allow_private": True, "url": receiver.base + "/kring"},
        headers=world.bearer("admin"),
    )
    assert allowed.status_code == 200, allowed.text
    register(world, receiver, "/kring-b", ["practice.published", "question.created"], community="kring-b")

    inside = publish(world, "Intervisie in de kring", visibility="community", community="kring-a")
    internal = publish(world, "Alleen voor collega's", visibility="internal")
    open_one = publish(world, "Voor iedereen", visibility="public")
    asked = world.client.post(
        "/api/v1/questions",
        json={
            "title": "Wie kent een aanpak?",
            "body": "Binnen de kring gevraagd.",
            "visibility": "community",
            "community": "kring-a",
        },
        headers=world.bearer("curator"),
    )
    assert asked.status_code == 201, asked.text
    settle(world)

    def ids(path: str) -> set[str]:
        return {r.json()["data"]["id"] for r in receiver.accepted(path).values()}

    assert ids("/publiek") == {open_one["id"]}
    assert ids("/kring") == {open_one["id"], inside["id"], asked.json()["id"]}
    assert ids("/kring-b") == {open_one["id"]}
    assert internal["id"] not in ids("/publiek") | ids("/kring") | ids("/kring-b")
    assert all(r.verified for path in ("/publiek", "/kring", "/kring-b") for r in receiver.at(path))
    assert len(log(world, public["id"])) == 1


def test_content_made_private_before_delivery_is_skipped_and_logged(world: World, receiver: Receiver) -> None:
    hook = register(world, receiver, "/later", ["practice.published"])
    practice = publish(world, "Eerst openbaar, dan toch niet")
    world.runtime.worker.drain()
    world.runtime.jobs.run_once()  # the event is fanned out: its delivery is queued, not yet made
    narrowed = world.client.patch(
        f"/api/v1/practices/{practice['id']}",
        json={"visibility": "internal"},
        headers=world.bearer("admin") | {"If-Match": "*"},
    )
    assert narrowed.status_code == 200, narrowed.text
    settle(world)
    assert receiver.at("/later") == []
    (entry,) = log(world, hook["id"])
    assert entry["state"] == "skipped" and "no longer visible" in entry["outcome"]


def test_410_gone_disables_the_webhook(world: World, receiver: Receiver) -> None:
    hook = register(world, receiver, "/weg", ["practice.published"])
    receiver.script("/weg", Reply(410))
    publish(world, "Een ontvanger die er niet meer is")
    settle(world)
    state = webhook(world, hook["id"])
    assert state["active"] is False and "410" in state["disabled_reason"] and state["last_status"] == 410
    (entry,) = log(world, hook["id"])
    assert entry["state"] == "failed" and entry["last_status"] == 410 and entry["attempts"] == 1
    publish(world, "Na het uitzetten")
    settle(world)
    assert len(receiver.at("/weg")) == 1 and len(log(world, hook["id"])) == 1  # nothing more is queued


def test_503_with_retry_after_is_tried_again_then_with_the_same_id(world: World, receiver: Receiver) -> None:
    hook = register(world, receiver, "/druk", ["practice.published"])
    receiver.script("/druk", Reply(503, {"Retry-After": "120"}))
    publish(world, "Een drukke ontvanger")
    before = utcnow()
    settle(world)
    job = pending(world, hook["id"])
    assert timedelta(seconds=115) < job.due_at - before < timedelta(seconds=125)  # Retry-After, not the schedule
    assert job.payload["last_status"] == 503 and "503" in (job.last_error or "")
    assert webhook(world, hook["id"])["failures"] == 1
    settle(world)
    assert len(receiver.at("/druk")) == 1  # not before its time
    make_due(world, hook["id"])
    settle(world)
    first, second = receiver.at("/druk")
    assert first.message_id == second.message_id and first.verified and second.verified
    assert len(receiver.accepted("/druk")) == 1
    (entry,) = log(world, hook["id"])
    assert (entry["state"], entry["attempts"], entry["last_status"]) == ("delivered", 2, 204)
    assert webhook(world, hook["id"])["failures"] == 0


def test_failures_follow_the_standard_schedule_and_then_disable_the_webhook(world: World, receiver: Receiver) -> None:
    hook = register(world, receiver, "/stuk", ["practice.published"])
    receiver.script("/stuk", *[Reply(500)] * webhook_delivery.ATTEMPTS)
    publish(world, "Een ontvanger die steeds faalt")
    waits = []
    for attempt in range(1, webhook_delivery.ATTEMPTS + 1):
        before = utcnow()
        settle(world)
        assert len(receiver.at("/stuk")) == attempt
        if attempt < webhook_delivery.ATTEMPTS:
            waits.append((pending(world, hook["id"]).due_at - before).total_seconds())
            make_due(world, hook["id"])
    expected = [5, 300, 1800, 7200, 18000, 36000, 36000]
    assert all(0.85 * e < wait < 1.15 * e + 1 for wait, e in zip(waits, expected, strict=True)), waits
    state = webhook(world, hook["id"])
    assert state["active"] is False and "8 attempts" in state["disabled_reason"] and state["failures"] == 8
    (entry,) = log(world, hook["id"])
    assert entry["state"] == "failed" and entry["attempts"] == 8 and entry["last_status"] == 500
    assert len({r.message_id for r in receiver.at("/stuk")}) == 1


def test_a_redirect_is_not_followed(world: World, receiver: Receiver) -> None:
    hook = register(world, receiver, "/verhuisd", ["practice.published"])
    register(world, receiver, "/elders", ["question.created"])  # the redirect's target, a receiver too
    receiver.script("/verhuisd", Reply(302, {"Location": receiver.base + "/elders"}))
    publish(world, "Een ontvanger die doorverwijst")
    settle(world)
    assert len(receiver.at("/verhuisd")) == 1 and receiver.at("/elders") == []
    job = pending(world, hook["id"])
    assert job.payload["last_status"] == 302 and "not followed" in (job.last_error or "")


def test_a_receiver_that_does_not_answer_in_time_is_tried_again(
    world: World, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhook_delivery, "TIMEOUT_SECONDS", 0.5)
    hook = register(world, receiver, "/traag", ["practice.published"])
    receiver.script("/traag", Reply(204, delay=3))
    publish(world, "Een trage ontvanger")
    started = utcnow()
    settle(world)
    assert utcnow() - started < timedelta(seconds=3)
    job = pending(world, hook["id"])
    assert "no answer within 0.5 s" in (job.last_error or "") and job.payload["last_status"] is None
    assert webhook(world, hook["id"])["failures"] == 1


def test_a_private_address_is_refused_without_allow_private(
    world: World, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Registered: a literal private address, or a loopback name, is a 422 on the url.
    for url in (
        f"https://127.0.0.1:{receiver.port}/x",
        "https://localhost/x",
        "https://[::1]/x",
        "https://10.1.2.3/x",
        "https://169.254.169.254/latest/meta-data",
        "https://[::ffff:192.168.1.1]/x",
        f"http://ontvanger.example.nl:{receiver.port}/x",  # http: only with allow_private
    ):
        response = world.client.post(
            "/api/v1/webhooks", json={"url": url, "events": ["practice.published"]}, headers=world.bearer("admin")
        )
        assert response.status_code == 422, (url, response.text)
        assert response.json()["errors"][0]["field"] == "url"
    # Delivered: a name is resolved, and every address it has must be public.
    real = socket.getaddrinfo

    def resolver(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "ontvanger.example.nl":
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 443)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 443)),
            ]
        if host == "intranet.example.nl":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", receiver.port))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    refused = world.client.post(
        "/api/v1/webhooks",
        json={"url": f"https://ontvanger.example.nl:{receiver.port}/x", "events": ["practice.published"]},
        headers=world.bearer("admin"),
    )
    assert refused.status_code == 201, refused.text
    # Allowed, the delivery goes to the address that was checked, with the registered name as its Host.
    pinned = register(world, receiver, "/intranet", ["practice.published"])
    world.client.patch(
        f"/api/v1/webhooks/{pinned['id']}",
        json={"url": f"http://intranet.example.nl:{receiver.port}/intranet"},
        headers=world.bearer("admin"),
    )
    publish(world, "Naar een adres dat niet mag")
    settle(world)
    assert receiver.at("/x") == []
    (entry,) = log(world, refused.json()["id"])
    assert entry["state"] == "failed" and "127.0.0.1, a loopback address" in entry["outcome"]
    (arrived,) = receiver.at("/intranet")
    assert arrived.verified and arrived.headers["host"] == f"intranet.example.nl:{receiver.port}"


def test_a_webhook_no_longer_allowed_private_addresses_delivers_nothing(world: World, receiver: Receiver) -> None:
    hook = register(world, receiver, "/binnen", ["practice.published"])
    with unit_of_work(world.runtime.sessions) as session:
        session.execute(update(Webhook).where(Webhook.id == uuid.UUID(hook["id"])).values(allow_private=False))
    publish(world, "Niet meer naar binnen")
    settle(world)
    assert receiver.at("/binnen") == []
    (entry,) = log(world, hook["id"])
    assert entry["state"] == "failed" and entry["outcome"].startswith("failed: refused")


def test_a_repeated_run_delivers_again_with_the_same_id_and_an_event_is_queued_once(
    world: World, receiver: Receiver
) -> None:
    hook = register(world, receiver, "/dubbel", ["practice.published"])
    publish(world, "Een levering die nog eens loopt")
    settle(world)
    # As after a crash between the POST and the commit: the delivery job and the event's fan-out run again.
    with unit_of_work(world.runtime.sessions) as session:
        delivery = session.scalars(select(Job).where(Job.key.startswith(f"webhook:{hook['id']}:"))).one()
        event_key = f"event:{delivery.payload['message_id']}"
        session.execute(
            update(Job)
            .where(Job.key.in_([delivery.key, event_key]))
            .values(done_at=None, outcome=None, due_at=utcnow() - timedelta(seconds=1))
        )
    settle(world)
    first, second = receiver.at("/dubbel")
    assert first.message_id == second.message_id and first.verified and second.verified
    assert len(receiver.accepted("/dubbel")) == 1 and len(log(world, hook["id"])) == 1


def test_a_test_delivery_and_a_new_secret(world: World, receiver: Receiver) -> None:
    hook = register(world, receiver, "/proef", ["practice.published"])
    queued = world.client.post(f"/api/v1/webhooks/{hook['id']}/test", headers=world.bearer("admin"))
    assert queued.status_code == 202 and queued.json()["state"] == "pending", queued.text
    settle(world)
    (first,) = receiver.at("/proef")
    assert first.verified and first.json()["type"] == "webhook.test"
    rotated = world.client.post(f"/api/v1/webhooks/{hook['id']}/secret", headers=world.bearer("admin"))
    assert rotated.status_code == 200 and rotated.json()["secret"] != hook["secret"]
    world.client.post(f"/api/v1/webhooks/{hook['id']}/test", headers=world.bearer("admin"))
    settle(world)
    assert not receiver.at("/proef")[1].verified  # the receiver still holds the old secret
    receiver.secrets["/proef"] = rotated.json()["secret"]
    world.client.post(f"/api/v1/webhooks/{hook['id']}/test", headers=world.bearer("admin"))
    settle(world)
    assert receiver.at("/proef")[2].verified


def test_retry_after_in_seconds_or_as_a_date_within_bounds() -> None:
    now = utcnow().replace(microsecond=0)
    assert webhook_delivery.retry_after("120", now) == timedelta(seconds=120)
    assert webhook_delivery.retry_after(format_datetime(now + timedelta(minutes=3), usegmt=True), now) == timedelta(
        minutes=3
    )
    assert webhook_delivery.retry_after("0", now) == timedelta(seconds=1)
    assert webhook_delivery.retry_after(str(7 * 24 * 3600), now) == webhook_delivery.LONGEST_WAIT
    assert webhook_delivery.retry_after("morgen", now) is None and webhook_delivery.retry_after(None, now) is None


def test_an_https_delivery_goes_to_the_checked_address_with_the_registered_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def resolver(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        assert host == "ontvanger.example.nl"
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("2a00:1450:4001::1", port, 0, 0)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    target = webhook_targets.pin("https://ontvanger.example.nl:8443/hooks?bron=pb", allow_private=False)
    assert target.url == "https://[2a00:1450:4001::1]:8443/hooks?bron=pb"
    assert (target.host, target.server_name) == ("ontvanger.example.nl:8443", "ontvanger.example.nl")
    with pytest.raises(webhook_targets.Refused, match="loopback"):
        webhook_targets.pin("https://[::ffff:127.0.0.1]/x", allow_private=False)
