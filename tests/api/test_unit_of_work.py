"""A write is committed before its response leaves: a 2xx means durable, and a redirect is never read too early."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from api.app import create_app, limit_store
from api.ratelimit import SlidingWindow
from core.settings import Settings
from services.runtime import Runtime
from tests.conftest import bearer, make_account
from tests.factories import practice_body


@pytest.mark.anyio
async def test_the_commit_happens_before_the_response_starts(
    settings: Settings, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = make_account(runtime, "admin@test.nl", "Admin", admin=True)
    events: list[str] = []
    original_commit = Session.commit

    def commit(self: Session) -> None:
        original_commit(self)
        events.append("commit")

    monkeypatch.setattr(Session, "commit", commit)
    app = create_app(settings, runtime=runtime)
    # httpx's ASGI transport does not run the lifespan: set what it would
    app.state.runtime = runtime
    app.state.write_limit = SlidingWindow(limit_store(settings, runtime), "write", settings.writes_per_minute, 60)

    async def recording(scope: Any, receive: Any, send: Any) -> None:
        async def send_and_record(message: Any) -> None:
            if message["type"] == "http.response.start":
                events.append("response")
            await send(message)

        await app(scope, receive, send_and_record)

    transport = httpx.ASGITransport(app=recording)
    async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=bearer(token)) as client:
        response = await client.post("/api/v1/practices", json=practice_body())
    assert response.status_code == 201
    assert events.index("commit") < events.index("response"), events
