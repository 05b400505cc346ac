"""Full backups: every table as rows in one JSONL file (``export`` / ``import`` into an empty instance), and an
online copy of the SQLite file while the service runs (``backup``).

The dump walks ``Base.metadata``, so a table added later is backed up without anyone remembering to; only the
tables in ``EXCLUDED`` are left out, each for a stated reason, and the secrets in ``WITHHELD``. The vector index is
never in a backup: it is derived from SQL, so a restore queues every document and the worker (or ``reindex``)
rebuilds it.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Date, Engine, Integer, Table, Uuid, func, make_url, select, text
from sqlalchemy.orm import Session

from core.errors import InvalidInput
from services import webhooks
from services.index_source import enqueue_all
from storage import models  # noqa: F401  (registers every table on the metadata)
from storage.base import Base, UTCDateTime

FORMAT = 1
EXCLUDED = {
    "index_tasks": "derived work for the index worker; a restore queues every practice and question anew",
    "web_sessions": "browser sign-ins live hours; restoring them would revive sessions on another host",
    "rate_limit_hits": "counts of the last minutes' writes and failed sign-ins; a restored instance starts afresh",
}
BATCH = 500
# Secrets that must be kept in plain text (a webhook's, to sign with) never leave in a backup; a restore fills the
# row in instead. (Passwords and API tokens are kept as hashes and travel as such.)
WITHHELD: dict[str, tuple[frozenset[str], Callable[[dict[str, Any]], dict[str, Any]]]] = {
    "webhooks": (frozenset({"secret"}), webhooks.restored),
}


def tables() -> list[Table]:
    """Parents before children, so a restore never breaks a foreign key."""
    return [t for t in Base.metadata.sorted_tables if t.name not in EXCLUDED]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _typed(column: Column[Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, UTCDateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    if isinstance(column.type, Uuid):
        return uuid.UUID(value)
    return value


def dump(session: Session) -> Iterator[dict[str, Any]]:
    """A header naming the schema revision and the tables, then one record per row, ordered by primary key."""
    revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    yield {"type": "dump", "format": FORMAT, "schema": revision, "tables": [t.name for t in tables()]}
    for table in tables():
        withheld = WITHHELD[table.name][0] if table.name in WITHHELD else frozenset()
        for row in session.execute(select(table).order_by(*table.primary_key.columns)).mappings():
            values = {k: _plain(v) for k, v in row.items() if k not in withheld}
            yield {"type": "row", "table": table.name, "row": values}


def is_dump(first: object) -> bool:
    return isinstance(first, dict) and first.get("type") == "dump"


@dataclass
class RestoreReport:
    rows: dict[str, int]
    queued: int


def restore(session: Session, records: Iterable[dict[str, Any]]) -> RestoreReport:
    """Load a dump into an empty instance (one transaction: all of it or nothing) and queue the index rebuild."""
    iterator = iter(records)
    header = next(iterator, None)
    if not is_dump(header) or header.get("format") != FORMAT:  # type: ignore[union-attr]
        raise InvalidInput(f"not a praktijkbank dump of format {FORMAT}", field="path")
    known = {t.name: t for t in tables()}
    occupied = [name for name, table in known.items() if session.scalar(select(func.count()).select_from(table))]
    if occupied:
        raise InvalidInput(
            "a backup is restored only into an empty instance; these tables hold rows: " + ", ".join(occupied),
            field="path",
        )
    counts = dict.fromkeys(known, 0)
    pending: list[dict[str, Any]] = []
    current: Table | None = None
    for record in iterator:
        table = known.get(record.get("table", ""))
        if record.get("type") != "row" or table is None:
            raise InvalidInput(f"unknown record in the dump: {str(record)[:80]}", field="path")
        if table is not current or len(pending) >= BATCH:
            _insert(session, current, pending)
            pending, current = [], table
        # Only the columns the dump has: a column added since keeps its default.
        row = record["row"]
        if table.name in WITHHELD:
            row = WITHHELD[table.name][1](row)
        pending.append({c.name: _typed(c, row[c.name]) for c in table.columns if c.name in row})
        counts[table.name] += 1
    _insert(session, current, pending)
    _advance_sequences(session)
    queued = enqueue_all(session)  # the index is disposable: every practice and question is indexed anew
    return RestoreReport(counts, sum(queued.values()))


def _insert(session: Session, table: Table | None, rows: list[dict[str, Any]]) -> None:
    if table is not None and rows:
        session.execute(table.insert(), rows)


def _advance_sequences(session: Session) -> None:
    """Rows kept their integer ids; PostgreSQL's sequences must continue after them, or the next insert clashes."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in tables():
        for column in table.primary_key.columns:
            if isinstance(column.type, Integer) and column.autoincrement is True:
                session.execute(
                    select(
                        func.setval(
                            func.pg_get_serial_sequence(table.name, column.name),
                            func.coalesce(select(func.max(column)).scalar_subquery(), 0) + 1,
                            False,
                        )
                    )
                )


def online_backup(engine: Engine, target: Path) -> int:
    """Copy a live SQLite database with SQLite's backup API: a consistent snapshot while others keep writing.
    Returns the number of pages copied."""
    if engine.dialect.name != "sqlite":
        raise InvalidInput("`backup` copies a SQLite database; for PostgreSQL use pg_dump", field="database_url")
    source_path = make_url(str(engine.url)).database
    if target.exists():
        raise InvalidInput(f"{target} exists; choose a new file", field="path")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    source = sqlite3.connect(str(source_path), timeout=30)
    copy = sqlite3.connect(partial)
    pages = 0

    def progress(_status: int, remaining: int, total: int) -> None:
        nonlocal pages
        pages = total

    try:
        with copy:
            source.backup(copy, pages=1024, progress=progress, sleep=0.005)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        check = copy.execute("PRAGMA integrity_check").fetchone()
        if check is None or check[0] != "ok":
            raise InvalidInput(f"the copy failed its integrity check: {check}", field="path")
    finally:
        copy.close()
        source.close()
    partial.rename(target)  # only a finished, checked copy carries the name asked for
    return pages
