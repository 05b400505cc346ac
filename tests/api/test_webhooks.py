"""Registering webhooks: admins for public content, a community's curators for their community only; a clear 422
per field; the secret shown once and never listed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import delete, select
from standardwebhooks.webhooks import Webhook as Signer

from services.runtime import Runtime
from storage.database import unit_of_work
from storage.models import AuditEntry, Webhook
from tests.factories import World, make_world, serve_world

PEOPLE = {
    "admin": "Persoon Admin",
    "curator": "Persoon Curator",
    "coach": "Persoon Coach",
    "member": "Persoon Member",
    "other": "Persoon Other",
    "user": "Persoon User",
}
COMMUNITIES = {
    "Kring A": {"persoon-curator": "curator", "persoon-coach": "coach", "persoon-member": "member"},
    "Kring B": {"persoon-other": "curator"},
}
URL = "https://ontvanger.example.nl/hooks/praktijkbank"


@pytest.fixture(scope="module")
def world(module_runtime: Runtime) -> Iterator[World]:
    tokens = make_world(module_runtime, PEOPLE, COMMUNITIES)
    with serve_world(module_runtime, tokens) as w:
        yield w


@pytest.fixture(autouse=True)
def no_webhooks(world: World) -> Iterator[None]:
    yield
    with unit_of_work(world.runtime.sessions) as session:
        session.execute(delete(Webhook))


def create(w: World, who: str, **body: Any) -> Any:
    return w.client.post(
        "/api/v1/webhooks", json={"url": URL, "events": ["practice.published"]} | body, headers=w.bearer(who)
    )


def test_an_admin_registers_a_webhook_and_sees_its_secret_once(world: World) -> None:
    made = create(world, "admin", events=["practice.published", "question.created", "practice.published"])
    assert made.status_code == 201, made.text
    hook = made.json()
    assert hook["secret"].startswith("whsec_") and Signer(hook["secret"])  # base64 that the receiver's library reads
    assert hook["events"] == ["practice.published", "question.created"]  # once each
    assert (hook["url"], hook["community"], hook["active"], hook["allow_private"]) == (URL, None, True, False)
    listed = world.client.get("/api/v1/webhooks", headers=world.bearer("admin"))
    assert [h["id"] for h in listed.json()] == [hook["id"]] and "secret" not in listed.json()[0]
    one = world.client.get(f"/api/v1/webhooks/{hook['id']}", headers=world.bearer("admin")).json()
    assert "secret" not in one and hook["secret"] not in listed.text
    with unit_of_work(world.runtime.sessions) as session:
        audit = session.scalars(select(AuditEntry).where(AuditEntry.target_id == hook["id"])).one()
        assert audit.action == "webhook.created" and hook["secret"] not in str(audit.detail)


def test_who_may_register(world: World) -> None:
    assert world.client.post("/api/v1/webhooks", json={"url": URL, "events": ["practice.published"]}).status_code == 401
    for who in ("user", "member", "curator", "coach"):
        assert create(world, who).status_code == 403, who  # public content: admins only
    assert create(world, "member", community="kring-a").status_code == 403  # a member is not a curator
    refused = create(world, "other", community="kring-a")  # a curator of another community
    assert refused.status_code == 403 and refused.json()["errors"][0]["field"] == "community"
    private = create(world, "curator", community="kring-a", allow_private=True)
    assert private.status_code == 403 and private.json()["errors"][0]["field"] == "allow_private"
    for who in ("curator", "coach"):
        made = create(world, who, community="kring-a")
        assert made.status_code == 201 and made.json()["community"] == "kring-a", made.text


def test_a_curator_manages_only_their_communitys_webhooks(world: World) -> None:
    public = create(world, "admin").json()
    own = create(world, "curator", community="kring-a").json()
    theirs = create(world, "other", community="kring-b").json()
    listed = world.client.get("/api/v1/webhooks", headers=world.bearer("curator"))
    assert [h["id"] for h in listed.json()] == [own["id"]]
    assert {h["id"] for h in world.client.get("/api/v1/webhooks", headers=world.bearer("admin")).json()} == {
        public["id"],
        own["id"],
        theirs["id"],
    }
    assert world.client.get("/api/v1/webhooks", headers=world.bearer("user")).status_code == 403
    assert world.client.get("/api/v1/webhooks", headers=world.bearer("member")).status_code == 403
    for hook in (public, theirs):  # another's webhook does not exist for the curator
        path = f"/api/v1/webhooks/{hook['id']}"
        assert world.client.get(path, headers=world.bearer("curator")).status_code == 404
        assert world.client.patch(path, json={"active": False}, headers=world.bearer("curator")).status_code == 404
        assert world.client.delete(path, headers=world.bearer("curator")).status_code == 404
        assert world.client.get(path + "/deliveries", headers=world.bearer("curator")).status_code == 404
        assert world.client.post(path + "/secret", headers=world.bearer("curator")).status_code == 404
        assert world.client.post(path + "/test", headers=world.bearer("curator")).status_code == 404
    assert world.client.get(f"/api/v1/webhooks/{public['id']}", headers=world.bearer("admin")).json()["active"]
    path = f"/api/v1/webhooks/{own['id']}"
    paused = world.client.patch(path, json={"active": False}, headers=world.bearer("curator"))
    assert paused.status_code == 200 and paused.json()["active"] is False, paused.text
    widened = world.client.patch(path, json={"allow_private": True}, headers=world.bearer("curator"))
    assert widened.status_code == 403 and widened.json()["errors"][0]["field"] == "allow_private"
    assert world.client.delete(path, headers=world.bearer("curator")).status_code == 204
    assert world.client.get(path, headers=world.bearer("curator")).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"events": ["practice.deleted"]}, "events[0]"),
        ({"events": []}, "events"),
        ({"events": "practice.published"}, "events"),
        ({"url": "ftp://ontvanger.example.nl/x"}, "url"),
        ({"url": "ontvanger.example.nl/x"}, "url"),
        ({"url": "https://user:pw@ontvanger.example.nl/x"}, "url"),
        ({"url": "https://ontvanger.example.nl:99999/x"}, "url"),
        ({"url": "http://ontvanger.example.nl/x"}, "url"),  # http: only with allow_private
        ({"url": "https://127.0.0.1/x"}, "url"),
        ({"url": "https://localhost./x"}, "url"),
        ({"url": "https://ontvanger..example.nl/x"}, "url"),
        ({"url": "https://ontvanger example.nl/x"}, "url"),
        ({"url": ""}, "url"),
        ({"url": "https://ontvanger.example.nl/" + "x" * 2000}, "url"),
        ({"community": "geen-kring"}, "community"),
        ({"community": "Geen Kring"}, "community"),
        ({"secret": "whsec_zelfgekozen"}, "secret"),
        ({"allow_private": "misschien"}, "allow_private"),
    ],
)
def test_bad_input_is_a_422_on_its_field(world: World, body: dict[str, Any], field: str) -> None:
    response = create(world, "admin", **body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]], response.json()


def test_updates_are_checked_like_registrations(world: World) -> None:
    hook = create(world, "admin").json()
    path = f"/api/v1/webhooks/{hook['id']}"
    for body, field in (
        ({"url": "http://ontvanger.example.nl/x"}, "url"),
        ({"events": ["geen.gebeurtenis"]}, "events[0]"),
        ({"url": None}, "url"),
        ({"active": None}, "active"),
        ({"secret": "whsec_x"}, "secret"),
    ):
        response = world.client.patch(path, json=body, headers=world.bearer("admin"))
        assert response.status_code == 422 and field in [e["field"] for e in response.json()["errors"]], body
    changed = world.client.patch(
        path,
        json={"url": "http://10.0.0.8/praktijkbank", "allow_private": True, "events": ["answer.created"]},
        headers=world.bearer("admin"),
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["url"], changed.json()["events"]) == ("http://10.0.0.8/praktijkbank", ["answer.created"])
    narrowed = world.client.patch(path, json={"allow_private": False}, headers=world.bearer("admin"))
    assert narrowed.status_code == 422 and narrowed.json()["errors"][0]["field"] == "url"
    with unit_of_work(world.runtime.sessions) as session:
        row = session.get(Webhook, uuid.UUID(hook["id"]))
        row.active, row.disabled_reason, row.failures = False, "the receiver answered 410 Gone", 3
    resumed = world.client.patch(path, json={"active": True}, headers=world.bearer("admin")).json()
    assert (resumed["active"], resumed["disabled_reason"], resumed["failures"]) == (True, None, 0)


def test_an_unknown_webhook_is_a_404_and_a_bad_id_a_422(world: World) -> None:
    missing = world.client.get("/api/v1/webhooks/00000000-0000-0000-0000-000000000000", headers=world.bearer("admin"))
    assert missing.status_code == 404
    bad = world.client.get("/api/v1/webhooks/geen-id", headers=world.bearer("admin"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "webhook_id"
