"""The audit log: who did what when. Written in the same transaction as the change it records."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import AuditEntry


def record(
    session: Session,
    actor: uuid.UUID | None,
    action: str,
    target_type: str,
    target_id: uuid.UUID | str,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEntry(
            actor_id=actor, action=action, target_type=target_type, target_id=str(target_id), detail=detail or {}
        )
    )


def entries(session: Session, *, target_id: str | None = None, limit: int = 100) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if target_id is not None:
        query = query.where(AuditEntry.target_id == target_id)
    return list(session.scalars(query))
