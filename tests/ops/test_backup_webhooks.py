"""A backup never holds a webhook's signing secret: a restored webhook keeps its URL, events and community, gets a
secret nobody knows and waits, paused, until an admin issues a new one and resumes it."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from schemas.accounts import CommunityCreate
from schemas.webhooks import WebhookCreate, WebhookUpdate
from services import directory as directory_service
from services import webhooks
from services.access import SYSTEM, AccessPolicy
from storage.database import make_session_factory, unit_of_work
from storage.models import Webhook
from tests.conftest import PgDatabases
from tests.ops.test_backup import run, two_instances


def test_a_restored_webhook_has_no_known_secret_and_waits_to_be_given_one(
    tmp_path: Path, pg_databases: PgDatabases | None
) -> None:
    source_url, target_url, source, target = two_instances(tmp_path, pg_databases)
    policy = AccessPolicy(SYSTEM)
    with unit_of_work(make_session_factory(source)) as session:
        directory_service.create_community(session, CommunityCreate(name="Kring A", slug="kring-a"), policy)
        made = webhooks.create(
            session,
            WebhookCreate(url="https://ontvanger.example.nl/x", events=["practice.published"], community="kring-a"),
            policy,
        )
    dump = tmp_path / "backup.jsonl"
    run(["export", str(dump)], {"PRAKTIJKBANK_DATABASE_URL": source_url, "PRAKTIJKBANK_DATA_DIR": str(tmp_path / "a")})
    text = dump.read_text()
    assert made.secret not in text and made.secret.removeprefix("whsec_") not in text
    (row,) = [r["row"] for r in map(json.loads, text.splitlines()) if r.get("table") == "webhooks"]
    assert "secret" not in row and row["url"] == "https://ontvanger.example.nl/x"

    run(["import", str(dump)], {"PRAKTIJKBANK_DATABASE_URL": target_url, "PRAKTIJKBANK_DATA_DIR": str(tmp_path / "b")})
    with Session(target) as session:
        hook = session.scalars(select(Webhook)).one()
        assert (hook.id, hook.url, hook.events) == (made.id, made.url, made.events)
        assert hook.community_id is not None and hook.secret.startswith("whsec_") and hook.secret != made.secret
        assert hook.active is False and hook.disabled_reason == webhooks.RESTORED
        read = webhooks.get(session, made.id, policy)
        assert read.community == "kring-a" and not read.active

    with unit_of_work(make_session_factory(target)) as session:
        issued = webhooks.rotate_secret(session, made.id, policy)
        resumed = webhooks.update(session, made.id, WebhookUpdate(active=True), policy)
    assert issued.secret not in (made.secret, hook.secret) and resumed.active and resumed.disabled_reason is None
    source.dispose()
    target.dispose()
