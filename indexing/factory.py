"""One place that turns settings into a vector index: embedded by default, a Qdrant server when a URL is set."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.settings import Settings
from indexing.edge_index import EdgeIndex
from indexing.index import IndexMeta, VectorIndex

if TYPE_CHECKING:
    from qdrant_client import QdrantClient


def open_index(
    settings: Settings, meta: IndexMeta, *, recreate: bool = False, client: QdrantClient | None = None
) -> VectorIndex:
    """Open (or with ``recreate`` wipe and create) the index that ``settings`` point at.

    ``client`` lets tests hand the same in-memory qdrant-client to several opens.
    """
    if settings.uses_embedded_index:
        return EdgeIndex(settings.index_path, meta, recreate=recreate)

    from indexing.server_index import ServerIndex

    client = client or make_client(settings)
    if recreate and client.collection_exists(settings.qdrant_collection):
        client.delete_collection(settings.qdrant_collection)
    return ServerIndex(client, settings.qdrant_collection, meta)


def make_client(settings: Settings) -> QdrantClient:
    from qdrant_client import QdrantClient

    if settings.qdrant_url == ":memory:":
        return QdrantClient(location=":memory:")
    api_key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
    return QdrantClient(url=settings.qdrant_url, api_key=api_key, timeout=30)
