"""One place that turns settings into a vector index: embedded by default, a Qdrant server when a URL is set.

Which index is live: embedded, the folder named in ``index-current.json`` in the data folder (``index`` when the
file is absent); on a server, the collection behind the alias ``qdrant_collection``. ``reindex`` builds a new one
beside the live one and then moves that pointer in one step; running processes follow it (services.runtime).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.profiles import ModelProfile
from core.settings import INDEX_POINTER_FILE, Settings
from indexing.edge_index import EdgeIndex
from indexing.embedder import Embedder, load_embedder
from indexing.index import IndexMeta, VectorIndex

if TYPE_CHECKING:
    from qdrant_client import QdrantClient

    from indexing.server_index import CollectionLayout

POINTER_FILE = INDEX_POINTER_FILE
LEGACY_FOLDER = "index"


@dataclass(frozen=True)
class LiveIndex:
    """Where the live index is (a folder name in the data folder, or a collection) and the model it was built
    with, when a ``reindex --model`` recorded it (None: the configured model)."""

    name: str | None  # None: there is no index yet
    model: str | None


def live_index(settings: Settings, client: QdrantClient | None = None) -> LiveIndex:
    if settings.uses_embedded_index:
        pointer = settings.data_dir / POINTER_FILE
        if not pointer.exists():
            return LiveIndex(LEGACY_FOLDER, None)
        data = json.loads(pointer.read_text())
        return LiveIndex(str(data["folder"]), data.get("model"))
    from indexing.server_index import configured_model, live_collection

    client = client or make_client(settings)
    collection = live_collection(client, settings.qdrant_collection)
    return LiveIndex(collection, configured_model(client, collection) if collection else None)


def point_embedded_index_at(settings: Settings, folder: str, model: str) -> None:
    """Make ``folder`` the live embedded index: written beside, then renamed over the pointer (atomic on POSIX)."""
    pointer = settings.data_dir / POINTER_FILE
    temporary = pointer.with_suffix(".tmp")
    temporary.write_text(json.dumps({"folder": folder, "model": model}))
    os.replace(temporary, pointer)


def load_cross_model(settings: Settings, profile: ModelProfile | None = None) -> Embedder | None:
    """The second model of a two-model profile (the configured one unless ``profile`` is given), or None for the
    one-model layout."""
    cross = (profile or settings.profile).cross
    if not cross:
        return None
    return load_embedder(cross, batch_size=settings.embedding_batch_size, torch_threads=settings.torch_threads)


def index_meta(embedder: Embedder, lexical_scheme: str, cross: Embedder | None = None) -> IndexMeta:
    """What an index built by these models records, and must find again when it is opened."""
    if cross is None:
        return IndexMeta(embedder.name, embedder.dimension, lexical=lexical_scheme)
    return IndexMeta(
        embedder.name,
        embedder.dimension,
        lexical=lexical_scheme,
        cross_model=cross.name,
        cross_dimension=cross.dimension,
    )


def open_index(
    settings: Settings,
    meta: IndexMeta,
    *,
    recreate: bool = False,
    client: QdrantClient | None = None,
    name: str | None = None,
    configured_model: str | None = None,
) -> VectorIndex:
    """Open (or with ``recreate`` wipe and create) the live index that ``settings`` point at, or the one called
    ``name`` (a folder in the data folder, or a collection).

    ``client`` lets tests hand the same in-memory qdrant-client to several opens.
    """
    if settings.uses_embedded_index:
        folder = name or live_index(settings).name or LEGACY_FOLDER
        return EdgeIndex(settings.data_dir / folder, meta, recreate=recreate, quantization=settings.qdrant_quantization)

    from indexing.server_index import ServerIndex, live_collection, new_collection_name, switch_alias

    client = client or make_client(settings)
    layout = collection_layout(settings)
    if name is not None:
        return ServerIndex(client, name, meta, layout, configured_model=configured_model)
    alias = settings.qdrant_collection
    live = live_collection(client, alias)
    if recreate and live is not None:
        client.delete_collection(live)
        live = None
    if live is not None:
        return ServerIndex(client, live, meta, layout)
    created = ServerIndex(client, new_collection_name(alias), meta, layout, configured_model=configured_model)
    switch_alias(client, alias, created.name)
    return created


def collection_layout(settings: Settings) -> CollectionLayout:
    from indexing.server_index import CollectionLayout

    return CollectionLayout(
        shards=settings.qdrant_shards,
        replication_factor=settings.qdrant_replication_factor,
        write_consistency=settings.qdrant_write_consistency,
        quantization=settings.qdrant_quantization,
    )


def make_client(settings: Settings) -> QdrantClient:
    from qdrant_client import QdrantClient

    if settings.qdrant_url == ":memory:":
        return QdrantClient(location=":memory:")
    api_key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
    return QdrantClient(url=settings.qdrant_url, api_key=api_key, timeout=30)
