"""Every command and curl of the README runs as written against a freshly started service with the seed data.

Each ```bash block in the README carries a marker comment: ``live`` blocks run in order in one shell beside the
running service (so ``$TOKEN`` carries from one block to the next), ``stopped`` blocks after it has stopped (the
embedded index belongs to one process), ``skip (reason)`` blocks are the install/serve/test commands themselves.
A block without a marker fails the test, so a new example cannot go unchecked.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.e2e.service import Service

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"(?:<!-- readme-test: (?P<marker>[^>]*?) -->\n)?```bash\n(?P<body>.*?)```", re.DOTALL)
# curl answers 0 on an HTTP error; in these examples every request must succeed.
PRELUDE = """set -euo pipefail
curl() { command curl --silent --show-error --fail-with-body "$@"; echo; }
"""

WRITTEN = ("praktijken.jsonl", "praktijkbank-kopie.sqlite3")

pytestmark = pytest.mark.slow


def blocks() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"live": [], "stopped": [], "skip": []}
    for match in BLOCK.finditer((ROOT / "README.md").read_text(encoding="utf-8")):
        marker = (match.group("marker") or "").split(" ", 1)[0]
        assert marker in found, f"README block without a readme-test marker:\n{match.group('body')}"
        found[marker].append(match.group("body"))
    return found


def run(script: str, service: Service) -> str:
    script = PRELUDE + script.replace("http://127.0.0.1:8000", service.url)
    env = {**service.env, "PRAKTIJKBANK_PORT": str(service.port)}
    result = subprocess.run(["bash", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    assert "Traceback" not in result.stderr
    return result.stdout


@pytest.mark.sqlite_pass  # the README's examples use the embedded default (SQLite)
def test_every_readme_example_runs_as_written(tmp_path: Path) -> None:
    assert (ROOT / ".venv" / "bin" / "praktijkbank").exists(), "the README's commands need `make run` or `make test`"
    found = blocks()
    assert found["live"] and found["stopped"]
    for written in WRITTEN:  # left by an earlier run that failed half-way
        (ROOT / written).unlink(missing_ok=True)
    data = tmp_path / "data"
    service = Service(data, f"sqlite:///{data / 'praktijkbank.sqlite3'}", PRAKTIJKBANK_SEED_ON_FIRST_START="true")
    service.env.pop("PRAKTIJKBANK_TORCH_THREADS", None)
    service.start()
    try:
        ready = service.wait_until_indexed()
        assert ready["practices"] and ready["questions"]
        output = run("\n".join(found["live"]), service)
    finally:
        service.stop()
    assert '"slug":"inloopspreekuur-voor-mantelzorgers"' in output.replace(" ", "")
    assert '"status":"archived"' in output.replace(" ", "")
    assert "reindexed" in output and "questions" in output
    for written in WRITTEN:  # the examples write into the project folder, as a user's would
        assert (ROOT / written).exists()
        (ROOT / written).unlink()
    stopped = run("\n".join(found["stopped"]), service)
    assert "imported 0 practices" in stopped
