"""The expensive, long-lived things of one process, built once: SQL engine, model, index, searcher, worker.

The web app builds one in its lifespan; CLI commands build one for their run. No HTTP here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.metrics import TimedEmbedder
from core.settings import Settings
from indexing.dutch import CompoundLexicalEncoder
from indexing.embedder import Embedder, load_embedder
from indexing.factory import open_index
from indexing.index import IndexMeta, VectorIndex
from indexing.lexical import LexicalEncoder
from indexing.search import HybridSearcher, weights_for
from indexing.worker import IndexWorker
from services.index_source import SqlDocumentSource
from storage.database import Database, unit_of_work
from storage.repositories import index_tasks

if TYPE_CHECKING:
    from qdrant_client import QdrantClient

logger = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    database: Database
    embedder: Embedder
    index: VectorIndex
    searcher: HybridSearcher
    worker: IndexWorker
    background: bool = field(default=False)

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        recreate_index: bool = False,
        qdrant_client: QdrantClient | None = None,
    ) -> Runtime:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        database = Database.open(settings.sqlalchemy_url)
        sessions = database.sessions
        embedder = embedder or load_embedder(
            settings.embedding_model,
            batch_size=settings.embedding_batch_size,
            torch_threads=settings.torch_threads,
        )
        embedder = TimedEmbedder(embedder)  # type: ignore[assignment]  # same protocol, each call timed
        lexical = CompoundLexicalEncoder() if settings.dutch_compounds else LexicalEncoder()
        meta = IndexMeta(embedder.name, embedder.dimension, lexical=lexical.scheme)
        index = open_index(settings, meta, recreate=recreate_index, client=qdrant_client)
        searcher = HybridSearcher(
            index, embedder, lexical, weights_for(embedder.name, settings.fusion_weights, settings.rrf_k)
        )
        worker = IndexWorker(
            SqlDocumentSource(sessions), index, embedder, lexical, batch_size=settings.worker_batch_size
        )
        if settings.uses_embedded_index:
            # One process owns the embedded index: leases left by a killed process are void.
            with unit_of_work(sessions) as session:
                index_tasks.release_all(session)
        return cls(settings, database, embedder, index, searcher, worker)

    @property
    def engine(self) -> Engine:
        return self.database.engine

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self.database.sessions

    def start_worker(self) -> None:
        self.worker.start(self.settings.worker_poll_seconds)
        self.background = True

    def close(self) -> None:
        if self.background:
            self.worker.stop()
        self.index.close()
        self.database.close()
