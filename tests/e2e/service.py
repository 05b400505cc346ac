"""Start the real service as a process (as `praktijkbank serve` does) for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from starlette.types import ASGIApp


@contextmanager
def serving(app: ASGIApp) -> Iterator[str]:
    """The app served by uvicorn in a thread on a free loopback port, for a test's browser; yields its URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(f"{url}/healthz", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Service:
    def __init__(self, data_dir: Path, database_url: str, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "PRAKTIJKBANK_DATA_DIR": str(data_dir),
            "PRAKTIJKBANK_DATABASE_URL": database_url,
            "PRAKTIJKBANK_SEED_ON_FIRST_START": "false",
            "PRAKTIJKBANK_WORKER_POLL_SECONDS": "0.2",
            "PRAKTIJKBANK_TORCH_THREADS": "1",
            **env,
        }
        self.log = data_dir.parent / f"service-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120) -> None:
        command = [sys.executable, "-c", "from cli.main import main; main()", "serve", "--port", str(self.port)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"service exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        raise TimeoutError("service did not start")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def wait_until_indexed(self, timeout: float = 300) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready = httpx.get(f"{self.url}/readyz", timeout=10).json()
            if ready["index_lag"]["pending_tasks"] == 0:
                return dict(ready)
            time.sleep(0.5)
        raise TimeoutError("index did not catch up")


def admin_token(database_url: str) -> str:
    """An admin account and token, made straight in the database (no model needed)."""
    from services import auth
    from storage.database import make_engine, make_session_factory, unit_of_work
    from storage.migrate import upgrade

    engine = make_engine(database_url)
    upgrade(engine)
    with unit_of_work(make_session_factory(engine)) as session:
        account = auth.create_account(session, email="e2e@test.nl", name="E2E Beheer", password=None, is_admin=True)
        secret = auth.issue_token(session, account, "e2e").secret
    engine.dispose()
    return secret
