"""Request ids, the unexpected-error path over a real kept-alive connection, and structured logs."""

from __future__ import annotations

import http.client
import io
import json
import logging
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from core import logging as structured
from tests.e2e.service import free_port


@pytest.fixture
def broken_app(app: FastAPI) -> FastAPI:
    """The real app plus one test-only route whose service fails the way a bug would."""

    def broken() -> dict[str, str]:
        raise RuntimeError("the disk caught fire")

    app.add_api_route("/api/v1/test-only/broken", broken)
    app.add_api_route("/test-only/kapot", broken, include_in_schema=False)  # a page: the Dutch 500 page
    return app


@pytest.fixture
def served(broken_app: FastAPI) -> Iterator[int]:
    """The app under a real uvicorn (h11, keep-alive), in a thread of this process."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(broken_app, host="127.0.0.1", port=port, log_config=None, lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield port
    server.should_exit = True
    thread.join(timeout=10)


def test_an_unexpected_error_is_one_problem_500_and_the_connection_stays_usable(served: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", served, timeout=10)
    connection.request("GET", "/api/v1/test-only/broken", headers={"X-Request-ID": "probe-0001-abcdef"})
    response = connection.getresponse()
    body = json.loads(response.read())
    assert response.status == 500
    assert response.getheader("content-type") == "application/problem+json"
    assert response.getheader("x-request-id") == "probe-0001-abcdef"
    assert body["status"] == 500 and body["request_id"] == "probe-0001-abcdef"
    assert "fire" not in json.dumps(body)  # the cause goes to the log, not to the client
    socket_before = connection.sock
    assert socket_before is not None

    for _ in range(2):  # the same socket serves the next requests: the server did not drop it
        connection.request("GET", "/healthz")
        again = connection.getresponse()
        assert again.status == 200 and json.loads(again.read()) == {"status": "ok"}
        assert connection.sock is socket_before
    connection.close()


@pytest.fixture
def service_log() -> Iterator[io.StringIO]:
    """The service's log as ``serve`` writes it (core.logging.configure): JSON lines, each with its request id."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(structured.RequestIdFilter())
    handler.setFormatter(structured.JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


@pytest.mark.parametrize("where", ["api", "page"])
def test_an_unexpected_error_leaves_its_traceback_in_the_log_under_the_request_id(
    broken_app: FastAPI, service_log: io.StringIO, where: str
) -> None:
    """The README's promise: the client gets a 500 with an id and no detail; the log has the traceback under it."""
    path = "/api/v1/test-only/broken" if where == "api" else "/test-only/kapot"
    with TestClient(broken_app, raise_server_exceptions=False) as client:
        response = client.get(path)
    assert response.status_code == 500
    rid = response.headers["x-request-id"]
    assert len(rid) == 32  # made by the service: the client sent none
    if where == "api":
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["request_id"] == rid
    else:
        assert response.headers["content-type"].startswith("text/html") and "Er ging iets mis" in response.text
    for detail in ("Traceback", "RuntimeError", "the disk caught fire", "test_request_context.py"):
        assert detail not in response.text, detail  # the cause goes to the log, not to the client

    lines = [json.loads(line) for line in service_log.getvalue().splitlines()]
    mine = [line for line in lines if line.get("request_id") == rid]
    errors = [line for line in mine if line["level"] == "error"]
    assert len(errors) == 1, mine
    traceback = errors[0].get("exception", "")
    assert traceback.startswith("Traceback (most recent call last):"), errors[0]
    assert "RuntimeError: the disk caught fire" in traceback and "in broken" in traceback
    assert any(line["logger"] == "praktijkbank.access" and line.get("status") == 500 for line in mine), mine
    assert all(line.get("request_id") != rid for line in lines if line not in mine)


def test_every_response_and_problem_carries_a_request_id(anon: TestClient) -> None:
    made = anon.get("/api/v1/practices/bestaat-niet")
    assert made.status_code == 404
    rid = made.headers["x-request-id"]
    assert len(rid) == 32 and made.json()["request_id"] == rid
    assert anon.get("/healthz").headers["x-request-id"] != rid  # one per request

    kept = anon.get("/healthz", headers={"X-Request-ID": "lb-2026-11-29.abc:1"})
    assert kept.headers["x-request-id"] == "lb-2026-11-29.abc:1"
    for hostile in ("a\u00e9bcdefgh".encode(), b"short", b"x" * 200, b"<script>alert(1)</script>"):
        replaced = anon.get("/healthz", headers={"X-Request-ID": hostile})
        assert replaced.headers["x-request-id"].encode() != hostile and len(replaced.headers["x-request-id"]) == 32

    too_big = anon.post(
        "/api/v1/practices",
        content=b"{" + b" " * 2_000_000 + b"}",
        headers={"content-type": "application/json", "X-Request-ID": "big-body-0001"},
    )
    assert too_big.status_code == 413
    assert too_big.headers["content-type"] == "application/problem+json"
    assert too_big.json()["request_id"] == "big-body-0001" == too_big.headers["x-request-id"]


def test_log_lines_are_json_with_the_request_id(anon: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    formatter = structured.JsonFormatter()
    with caplog.at_level(logging.INFO, logger="praktijkbank.access"):
        anon.get("/api/v1/practices/bestaat-niet", headers={"X-Request-ID": "trace-42-abcdef"})
    lines = [json.loads(formatter.format(r)) for r in caplog.records if r.name == "praktijkbank.access"]
    assert lines, "no access line"
    line = lines[-1]
    assert line["request_id"] == "trace-42-abcdef"
    assert line["route"] == "/api/v1/practices/{ref}" and line["status"] == 404 and line["method"] == "GET"
    assert line["level"] == "info" and isinstance(line["ms"], float)
