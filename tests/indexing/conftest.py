"""Fixtures of the index tests: every adapter test runs on the embedded engine and on qdrant-client's server API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import Settings


@pytest.fixture(params=["edge", "server"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Settings, object]]:
    """Settings for an index, and the qdrant-client (in-memory mode) for the server adapter (None: qdrant-edge)."""
    if request.param == "edge":
        yield Settings(data_dir=tmp_path, qdrant_url=None), None
    else:
        from qdrant_client import QdrantClient

        client = QdrantClient(location=":memory:")
        yield Settings(data_dir=tmp_path, qdrant_url=":memory:"), client
        client.close()
