"""/metrics: Prometheus text for a scraper with the metrics token or an admin; nothing for anyone else."""

from __future__ import annotations

from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from core.settings import Settings
from services.runtime import Runtime
from tests.conftest import bearer, make_account
from tests.factories import create_practice


def test_metrics_are_hidden_from_the_public_and_the_plain_user(
    anon: TestClient, runtime: Runtime, settings: Settings
) -> None:
    assert anon.get("/metrics").status_code == 404
    assert anon.get("/metrics").headers["content-type"] == "application/problem+json"
    assert anon.get("/metrics", headers=bearer("pbk_not-a-real-token-at-all")).status_code == 401
    plain = make_account(runtime, "plain@test.nl", "Plain Reader")
    assert anon.get("/metrics", headers=bearer(plain)).status_code == 404
    openapi = anon.get("/api/v1/openapi.json")
    assert openapi.status_code == 200 and "/api/v1/search" in openapi.json()["paths"]
    assert "/metrics" not in openapi.text


def test_metrics_show_latency_by_route_queue_searches_and_embedding(
    client: TestClient, runtime: Runtime, settings: Settings
) -> None:
    client.get("/api/v1/practices/bestaat-niet")
    client.get("/api/v1/search", params={"q": "schuldhulpverlening aan jongeren"})  # empty instance: zero results
    create_practice(client)
    text = client.get("/metrics").text
    assert (
        'praktijkbank_http_request_duration_seconds_count{method="GET",route="/api/v1/practices/{ref}",status="4xx"}'
        in text
    )
    assert "bestaat-niet" not in text  # templates, never raw paths
    assert "praktijkbank_index_queue_depth 1.0" in text  # the new practice waits for the worker
    assert 'praktijkbank_zero_result_searches_total{kind="search"}' in text
    assert 'praktijkbank_embedding_seconds_count{call="query"}' in text
    assert "praktijkbank_index_lag_seconds" in text

    runtime.worker.drain()
    scraper = create_app(settings.model_copy(update={"metrics_token": SecretStr("scrape-secret-123")}), runtime=runtime)
    with TestClient(scraper) as prometheus:
        assert prometheus.get("/metrics").status_code == 404
        scraped = prometheus.get("/metrics", headers={"Authorization": "Bearer scrape-secret-123"})
        assert scraped.status_code == 200 and "praktijkbank_index_queue_depth 0.0" in scraped.text
        assert 'praktijkbank_embedding_seconds_count{call="documents"}' in scraped.text
