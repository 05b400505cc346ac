"""Liveness and readiness."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from schemas.common import Schema


class IndexLag(Schema):
    pending_tasks: int = Field(description="Documents written to SQL that the index does not hold yet.")
    failing_tasks: int = Field(description="Tasks whose last attempt failed; they are retried with backoff.")
    oldest_seconds: float = Field(description="Age of the oldest pending task.")


class Readiness(Schema):
    status: Literal["ready", "indexing", "degraded"] = Field(
        description="`ready`: all indexed; `indexing`: serving while the index catches up (see `progress`); "
        "`degraded`: the index does not answer (HTTP 503)."
    )
    database: Literal["ok"]
    index: Literal["ok", "unavailable"]
    model: str
    practices: int = Field(description="Practices in the database, any status.")
    indexed_practices: int = Field(description="Practices the index holds; -1 when the index does not answer.")
    questions: int
    indexed_questions: int
    progress: float = Field(ge=0, le=1, description="Share of the documents with no pending index task.")
    index_lag: IndexLag
