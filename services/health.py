"""Readiness: can the service answer, and how far the index lags behind SQL."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.vocab import DocKind
from indexing.index import VectorIndex
from schemas.health import IndexLag, Readiness
from services.index_source import index_status
from storage.base import utcnow


def readiness(session: Session, index: VectorIndex, model: str) -> Readiness:
    session.execute(text("SELECT 1"))
    state = index_status(session, index)
    backlog = state.backlog
    total = sum(state.in_sql.values())
    indexed = state.in_index or {}
    status = "degraded" if state.in_index is None else ("indexing" if state.indexing else "ready")
    return Readiness(
        status=status,
        database="ok",
        index="unavailable" if state.in_index is None else "ok",
        model=model,
        practices=state.in_sql[DocKind.PRACTICE],
        indexed_practices=indexed.get(DocKind.PRACTICE, -1),
        questions=state.in_sql[DocKind.QUESTION],
        indexed_questions=indexed.get(DocKind.QUESTION, -1),
        progress=round(max(0.0, 1 - backlog.pending / total), 4) if total else 1.0,
        index_lag=IndexLag(
            pending_tasks=backlog.pending,
            failing_tasks=backlog.failing,
            oldest_seconds=round((utcnow() - backlog.oldest).total_seconds(), 1) if backlog.oldest else 0.0,
        ),
    )
