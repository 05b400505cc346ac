"""Readiness tells a load balancer, a script and a person whether the index has caught up."""

from __future__ import annotations

from fastapi.testclient import TestClient

from services.runtime import Runtime
from tests.factories import create_practice


def test_readyz_says_indexing_with_progress_until_the_backlog_is_empty(client: TestClient, runtime: Runtime) -> None:
    for n in range(3):
        create_practice(client, title=f"Praktijk nummer {n} over mantelzorg in de wijk")
    waiting = client.get("/readyz")
    assert waiting.status_code == 200  # it can serve: only the index lags
    body = waiting.json()
    assert body["status"] == "indexing"
    assert body["practices"] == 3 and body["indexed_practices"] == 0 and body["index_lag"]["pending_tasks"] == 3
    assert body["progress"] == 0.0

    runtime.worker.drain()
    done = client.get("/readyz").json()
    assert done["status"] == "ready" and done["progress"] == 1.0
    assert done["indexed_practices"] == 3 and done["index_lag"]["pending_tasks"] == 0


def test_readyz_counts_questions_apart_from_practices(client: TestClient, runtime: Runtime) -> None:
    create_practice(client)
    asked = client.post(
        "/api/v1/questions",
        json={"title": "Wie heeft ervaring met mantelzorgondersteuning?", "body": "Een mantelzorger raakt overbelast."},
    )
    assert asked.status_code == 201, asked.text
    runtime.worker.drain()
    body = client.get("/api/v1/readyz").json()
    assert (body["practices"], body["indexed_practices"]) == (1, 1)
    assert (body["questions"], body["indexed_questions"]) == (1, 1)
