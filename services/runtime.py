"""The expensive, long-lived things of one process, built once: SQL engine, model, index, searcher, worker.

The web app builds one in its lifespan; CLI commands build one for their run. No HTTP here.

The model, index, searcher and worker form one *generation*. ``praktijkbank reindex`` builds a new index beside
the live one and then moves the pointer to it (embedded: ``index-current.json``; server: the collection alias);
a running process follows within ``worker_poll_seconds``: it opens the new generation, swaps it in with one
assignment, and closes the old one after in-flight searches are done. A request takes the searcher once, so it
never mixes two models.
"""

from __future__ import annotations

import logging
import shutil
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.metrics import TimedEmbedder
from core.profiles import profile_for
from core.settings import Settings
from indexing.dutch import CompoundLexicalEncoder
from indexing.embedder import Embedder, load_embedder
from indexing.factory import index_meta, live_index, load_cross_model, make_client, open_index
from indexing.index import VectorIndex
from indexing.lexical import LexicalEncoder
from indexing.search import HybridSearcher, weights_for
from indexing.worker import IndexWorker
from services.index_source import SqlDocumentSource, enqueue_out_of_date
from services.jobs import Handler, JobRunner
from storage.database import Database, unit_of_work
from storage.repositories import index_tasks, jobs

if TYPE_CHECKING:
    from qdrant_client import QdrantClient

logger = logging.getLogger(__name__)
RETIRE_AFTER_SECONDS = 30.0  # an old generation stays open this long for searches that started on it


def make_lexical(settings: Settings) -> LexicalEncoder:
    return CompoundLexicalEncoder() if settings.dutch_compounds else LexicalEncoder()


def load_model(settings: Settings, model: str) -> Embedder:
    return load_embedder(model, batch_size=settings.embedding_batch_size, torch_threads=settings.torch_threads)


@dataclass(frozen=True)
class Generation:
    """One index with the model that built it, and the searcher and worker over them."""

    name: str  # the index folder in the data folder, or the collection on the server
    model: str  # the profile that built it (``e5+use-multilingual``, ``use-multilingual``...; core/profiles.py)
    embedder: Embedder
    index: VectorIndex
    searcher: HybridSearcher
    worker: IndexWorker
    cross: Embedder | None = None  # the second model of a two-model index (``cross_model``)


def job_handlers(settings: Settings | None = None) -> dict[str, Handler]:
    """What the job runner does with each kind of job (mail only when ``settings`` name a server and a sender)."""
    from services import events, mail, webhook_delivery
    from storage.repositories.webhooks import DELIVERY_JOB

    return {events.EVENT_JOB: events.fan_out, DELIVERY_JOB: webhook_delivery.deliver, **mail.handlers(settings)}


class Runtime:
    def __init__(
        self, settings: Settings, database: Database, live: Generation, client: QdrantClient | None = None
    ) -> None:
        self.settings = settings
        self.database = database
        self.live = live
        self.background = False
        self.retire_after = RETIRE_AFTER_SECONDS
        self._client = client
        self._follow_lock = threading.Lock()
        self._stop = threading.Event()
        self._follower: threading.Thread | None = None
        self._retiring: list[tuple[Generation, threading.Timer]] = []
        self.jobs = JobRunner(database.sessions, lambda: self.searcher, job_handlers(settings), settings=settings)

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        cross: Embedder | None = None,
        recreate_index: bool = False,
        qdrant_client: QdrantClient | None = None,
    ) -> Runtime:
        """``embedder`` and ``cross`` (tests, benchmarks): models already loaded; otherwise the settings' ones."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        database = Database.open(settings.sqlalchemy_url)
        client = None if settings.uses_embedded_index else qdrant_client or make_client(settings)
        live = live_index(settings, client)
        # A `reindex --model` recorded the model the live index was built with; it wins over the setting until
        # the next reindex (the setting then is what a fresh install or a plain `reindex` uses).
        model = live.model or settings.profile.name
        if live.model and live.model != settings.profile.name:
            logger.warning(
                "the live index was built with %s (reindex --model); PRAKTIJKBANK_EMBEDDING_MODEL says %s",
                live.model,
                settings.profile.name,
            )
        profile = profile_for(model)
        embedder = embedder or load_model(settings, profile.model)
        cross = cross or load_cross_model(settings, profile)
        generation = _generation(
            settings, database, embedder, model, live.name, client, cross=cross, recreate=recreate_index
        )
        if settings.uses_embedded_index:
            # One process owns the embedded index: leases left by a killed process are void.
            with unit_of_work(database.sessions) as session:
                index_tasks.release_all(session)
                jobs.release_all(session)
        return cls(settings, database, generation, client)

    # The live generation's parts. Read ``searcher`` once per request: it carries its own index and model.
    @property
    def embedder(self) -> Embedder:
        return self.live.embedder

    @property
    def index(self) -> VectorIndex:
        return self.live.index

    @property
    def models(self) -> str:
        """The live index's model, and its cross model when there is one (as status and readiness name them)."""
        cross = self.live.cross
        return f"{self.live.embedder.name} + {cross.name}" if cross else self.live.embedder.name

    @property
    def searcher(self) -> HybridSearcher:
        return self.live.searcher

    @property
    def worker(self) -> IndexWorker:
        return self.live.worker

    @property
    def engine(self) -> Engine:
        return self.database.engine

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self.database.sessions

    def follow(self) -> bool:
        """Switch to the index the live pointer names, if it is another one than ours. True when switched."""
        with self._follow_lock:
            live = live_index(self.settings, self._client)
            old = self.live
            if live.name is None or live.name == old.name:
                return False
            model = live.model or self.settings.profile.name
            profile = profile_for(model)
            embedder = old.embedder if model == old.model else load_model(self.settings, profile.model)
            cross = old.cross if model == old.model else load_cross_model(self.settings, profile)
            new = _generation(self.settings, self.database, embedder, model, live.name, self._client, cross=cross)
            if self.background:
                old.worker.stop()  # its batch in hand ends in the old index; the catch-up below sees it
            self.live = new
            logger.info("switched to index %s (model %s)", new.name, new.embedder.name)
            # Writes the rebuild did not see (made while it ran, or by our old worker) are queued again.
            with unit_of_work(self.sessions) as session:
                queued = enqueue_out_of_date(session, new.index)
            if queued:
                logger.info("queued %d documents changed during the rebuild", queued)
            if self.background:
                new.worker.start(self.settings.worker_poll_seconds)
            timer = threading.Timer(self.retire_after, self._retire, args=(old,))
            timer.daemon = True
            self._retiring.append((old, timer))
            timer.start()
            return True

    def _retire(self, old: Generation) -> None:
        with self._follow_lock:
            self._retiring = [(g, t) for g, t in self._retiring if g is not old]
        _close_generation(self.settings, old)

    def start_worker(self) -> None:
        """Index in the background, and follow the live pointer to a rebuilt index."""
        self.live.worker.start(self.settings.worker_poll_seconds)
        from services import mail

        with unit_of_work(self.sessions) as session:
            mail.start(session, self.settings)  # the hourly digest schedule
        self.jobs.start(self.settings.worker_poll_seconds)
        self.background = True
        self._follower = threading.Thread(target=self._follow_loop, name="index-follower", daemon=True)
        self._follower.start()

    def _follow_loop(self) -> None:
        while not self._stop.wait(self.settings.worker_poll_seconds):
            try:
                self.follow()
            except Exception:  # a failed switch leaves the old generation serving; it is tried again
                logger.exception("could not switch to the rebuilt index")

    def close(self) -> None:
        self._stop.set()
        if self._follower:
            self._follower.join(30)
        if self.background:
            self.live.worker.stop()
            self.jobs.stop()
        for old, timer in self._retiring:
            timer.cancel()
            _close_generation(self.settings, old)
        self._retiring = []
        self.live.index.close()  # a server index closes the client with it
        self.database.close()


def _generation(
    settings: Settings,
    database: Database,
    embedder: Embedder,
    model: str,
    name: str | None,
    client: QdrantClient | None,
    *,
    cross: Embedder | None = None,
    recreate: bool = False,
) -> Generation:
    if not isinstance(embedder, TimedEmbedder):
        embedder = TimedEmbedder(embedder)  # type: ignore[assignment]  # same protocol, each call timed
    if cross is not None and not isinstance(cross, TimedEmbedder):
        cross = TimedEmbedder(cross)  # type: ignore[assignment]
    lexical = make_lexical(settings)
    meta = index_meta(embedder, lexical.scheme, cross)
    index = open_index(settings, meta, recreate=recreate, client=client, name=None if recreate else name)
    searcher = HybridSearcher(
        index,
        embedder,
        lexical,
        weights_for(embedder.name, settings.fusion_weights, settings.rrf_k, cross=cross.name if cross else None),
        cache_size=settings.query_cache_size,
        cross=cross,
    )
    worker = IndexWorker(
        SqlDocumentSource(database.sessions),
        index,
        embedder,
        lexical,
        batch_size=settings.worker_batch_size,
        cross=cross,
    )
    return Generation(getattr(index, "name", name or ""), model, embedder, index, searcher, worker, cross)


def _close_generation(settings: Settings, old: Generation) -> None:
    """Close a superseded generation. Embedded: its folder goes too; server: the collection stays until
    ``reindex`` drops it (other processes may still search it), and the client is shared, so it stays open."""
    if settings.uses_embedded_index:
        old.index.close()
        shutil.rmtree(settings.data_dir / old.name, ignore_errors=True)
