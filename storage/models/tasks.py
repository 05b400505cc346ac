"""The durable queue between a committed write and the vector index."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime, utcnow


class IndexTask(Base):
    """'Bring the index in line with document X (a practice or a question) as SQL has it now.'

    No foreign key: the task must outlive a deleted document so the worker can remove its points.
    A worker leases a task (``claimed_until``) and deletes it when the index holds the change.
    """

    __tablename__ = "index_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    doc_kind: Mapped[str] = mapped_column(String(16))  # core.vocab.DocKind
    doc_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
