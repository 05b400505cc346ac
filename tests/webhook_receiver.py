"""A webhook receiver on 127.0.0.1 for tests: it verifies each delivery's signature with the receiver's half of
``standardwebhooks``, deduplicates by ``webhook-id`` as a receiver should, and answers what a test scripts."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool

    @property
    def message_id(self) -> str:
        return self.headers.get("webhook-id", "")

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    status: int = 204
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a slow receiver)


class Receiver:
    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}  # path -> the webhook's secret
        self.replies: dict[str, deque[Reply]] = defaultdict(deque)  # path -> scripted answers, then 204
        self.received: list[Received] = []
        self.port = 0
        self._lock = threading.Lock()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def at(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == path]

    def accepted(self, path: str) -> dict[str, Received]:
        """The verified deliveries at ``path``, once per webhook-id: what a receiver acts on."""
        once: dict[str, Received] = {}
        for item in self.at(path):
            if item.verified:
                once.setdefault(item.message_id, item)
        return once

    def script(self, path: str, *replies: Reply) -> None:
        self.replies[path].extend(replies)

    def _handle(self, path: str, headers: dict[str, str], body: bytes) -> Reply:
        secret = self.secrets.get(path)
        verified = False
        if secret is not None:
            try:
                Webhook(secret).verify(body, headers)
                verified = True
            except WebhookVerificationError:
                verified = False
        with self._lock:
            self.received.append(Received(path, headers, body, verified))
            queue = self.replies[path]
            return queue.popleft() if queue else Reply()


@contextlib.contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            reply = receiver._handle(self.path, headers, body)
            if reply.delay:
                time.sleep(reply.delay)
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
