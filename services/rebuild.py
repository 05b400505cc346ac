"""Rebuild the index beside the live one, then switch to it in one step: a model change with no downtime.

Embedded: a new folder ``index-<time>`` in the data folder, then ``index-current.json`` is replaced atomically;
server: a new collection, then the alias moves. The running service keeps answering from the old index until it
follows the pointer (``Runtime.follow``), and queues what changed during the rebuild. The rebuild reads SQL
directly and leaves the task queue to the live worker.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.profiles import profile_for
from core.settings import Settings
from core.vocab import DocKind
from indexing.documents import IndexDocument
from indexing.factory import index_meta, live_index, load_cross_model, make_client, open_index, point_embedded_index_at
from indexing.index import FieldIn, IndexFilter, VectorIndex
from indexing.worker import ClaimedTask, IndexWorker
from services.index_source import SqlDocumentSource, index_status, out_of_date
from services.runtime import load_model, make_lexical
from storage.database import Database
from storage.repositories import index_tasks

if TYPE_CHECKING:
    from qdrant_client import QdrantClient

    from indexing.embedder import Embedder

logger = logging.getLogger(__name__)
MAX_PASSES = 5  # each pass indexes what changed during the one before; writes rarely outpace a rebuild


@dataclass(frozen=True)
class Rebuilt:
    name: str  # the new folder or collection
    previous: str | None
    model: str
    indexed: int  # documents embedded by the rebuild
    in_sql: dict[DocKind, int]
    in_index: dict[DocKind, int]


class _Pending:
    """A document source over a fixed list (what differs between SQL and the new index), not the task queue."""

    def __init__(self, sql: SqlDocumentSource, todo: Sequence[tuple[DocKind, uuid.UUID]]) -> None:
        self._sql = sql
        self._todo = list(todo)

    def claim(self, limit: int) -> list[ClaimedTask]:
        batch, self._todo = self._todo[:limit], self._todo[limit:]
        return [ClaimedTask(0, kind.value, doc) for kind, doc in batch]

    def load(self, tasks: Sequence[ClaimedTask]) -> dict[uuid.UUID, IndexDocument]:
        return self._sql.load(tasks)

    def complete(self, task_ids: Sequence[int]) -> None:
        pass

    def fail(self, task_ids: Sequence[int], error: str) -> None:
        raise RuntimeError(f"indexing failed: {error}")


def rebuild(
    settings: Settings,
    database: Database,
    model: str,
    *,
    embedder: Embedder | None = None,
    cross: Embedder | None = None,
    client: QdrantClient | None = None,
    progress: Callable[[int], object] | None = None,
    drop_previous_after: float | None = None,
) -> Rebuilt:
    """Build a new index with the model profile ``model`` (core/profiles.py) from SQL, then make it the live one.

    ``drop_previous_after`` (server): seconds to wait for other processes to follow the alias before the old
    collection is deleted; None keeps it. Embedded: the old folder goes as soon as no process holds it."""
    if not settings.uses_embedded_index:
        client = client or make_client(settings)
    profile = profile_for(model)
    model = profile.name
    embedder = embedder or load_model(settings, profile.model)
    cross = cross or load_cross_model(settings, profile)
    lexical = make_lexical(settings)
    meta = index_meta(embedder, lexical.scheme, cross)
    previous = live_index(settings, client).name
    stamp = f"{time.strftime('%Y%m%d%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:6]}"
    name = f"index-{stamp}" if settings.uses_embedded_index else f"{settings.qdrant_collection}-{stamp}"
    index = open_index(settings, meta, client=client, name=name, configured_model=model)
    sql = SqlDocumentSource(database.sessions)
    with database.unit_of_work() as session:
        covered = index_tasks.last_id(session)  # queued before this rebuild reads SQL: it indexes them all
    try:
        total = 0
        for _ in range(MAX_PASSES):
            with database.unit_of_work() as session:
                todo = out_of_date(session, index)
            if not todo:
                break
            worker = IndexWorker(
                _Pending(sql, todo), index, embedder, lexical, batch_size=settings.worker_batch_size, cross=cross
            )
            total += worker.drain(progress)
        index.optimize()
        index.flush()
        with database.unit_of_work() as session:
            in_sql = index_status(session, None).in_sql
        in_index = {kind: index.count(IndexFilter((FieldIn("doc_type", (kind.value,)),))) for kind in DocKind}
    except BaseException:
        _discard(settings, index, name)
        raise
    if settings.uses_embedded_index:
        index.close()
        point_embedded_index_at(settings, name, model)
        if previous:
            remove_unused_folder(settings, previous)
    else:
        from indexing.server_index import switch_alias

        assert client is not None
        switch_alias(client, settings.qdrant_collection, name)
        if previous and previous != settings.qdrant_collection and drop_previous_after is not None:
            time.sleep(drop_previous_after)
            client.delete_collection(previous)
    with database.unit_of_work() as session:
        # Without this, a queue left by an import or a stopped worker would embed everything a second time.
        cleared = index_tasks.clear_up_to(session, covered)
    logger.info(
        "index %s (model %s) is live with %d documents; it replaced %s; %d queued tasks it covered are done",
        name, model, total, previous, cleared,
    )  # fmt: skip
    return Rebuilt(name, previous, model, total, in_sql, in_index)


def remove_unused_folder(settings: Settings, folder: str) -> bool:
    """Delete an embedded index folder no process holds (a running service deletes its old one itself)."""
    path = settings.data_dir / folder
    lock = path.parent / f".{path.name}.lock"
    fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        shutil.rmtree(path, ignore_errors=True)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def _discard(settings: Settings, index: VectorIndex, name: str) -> None:
    """A failed rebuild leaves the live index as it was and no half-built one."""
    try:
        if settings.uses_embedded_index:
            index.close()
            shutil.rmtree(settings.data_dir / name, ignore_errors=True)
        else:
            index.drop()  # type: ignore[attr-defined]
    except Exception:
        logger.exception("could not remove the unfinished index %s", name)
