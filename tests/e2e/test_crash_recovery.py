"""SIGKILL the service in the middle of an import of several hundred practices: after a restart every
acknowledged practice is found by search, and the index holds exactly as many practices as SQL."""

from __future__ import annotations

import string
from pathlib import Path

import httpx
import pytest

from tests.conftest import PgDatabases, make_database_url
from tests.e2e.service import Service, admin_token
from tests.factories import practice_body

TOTAL = 400
KILL_AFTER = 180


def codeword(n: int) -> str:
    """A made-up word per practice, e.g. 'kwabac', that no stemmer or other text shares."""
    letters = string.ascii_lowercase
    return "kwa" + letters[n // 676 % 26] + letters[n // 26 % 26] + letters[n % 26] + "zel"


@pytest.mark.slow
def test_sigkill_during_import_loses_nothing(tmp_path: Path, pg_databases: PgDatabases | None) -> None:
    database_url = make_database_url(tmp_path / "db", pg_databases)
    service = Service(tmp_path / "data", database_url, PRAKTIJKBANK_WRITES_PER_MINUTE="100000")
    headers = {"Authorization": f"Bearer {admin_token(database_url)}"}
    service.start()
    acknowledged: dict[str, str] = {}
    try:
        with httpx.Client(base_url=service.url, timeout=30, headers=headers) as client:
            for n in range(TOTAL):
                word = codeword(n)
                body = practice_body(
                    title=f"Werkwijze {n} voor gezinnen in de wijk",
                    summary=f"Een aanpak met het {word} als kern, ontwikkeld door een wijkteam.",
                    approach=f"Het team gebruikt het {word} in elk huisbezoek. " * 3,
                )
                if n == KILL_AFTER:
                    backlog = client.get("/readyz").json()["index_lag"]["pending_tasks"]
                    assert backlog > 0  # the worker is busy: the kill lands mid-indexing
                    service.kill()
                try:
                    response = client.post("/api/v1/practices", json=body)
                except httpx.TransportError:
                    continue  # the service is gone: this practice was never acknowledged
                assert response.status_code == 201
                acknowledged[response.json()["id"]] = word
        assert len(acknowledged) == KILL_AFTER

        service.start()
        ready = service.wait_until_indexed()
        assert ready["practices"] == len(acknowledged)
        assert ready["indexed_practices"] == ready["practices"]
        with httpx.Client(base_url=service.url, timeout=30) as client:
            for practice_id, word in acknowledged.items():
                hits = client.get("/api/v1/search", params={"q": word, "mode": "lexical", "limit": 3}).json()["hits"]
                assert [h["practice"]["id"] for h in hits][:1] == [practice_id], word
    finally:
        service.stop()
