"""Alembic environment: the engine comes from the caller (``storage.migrate``), never from a URL here."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

import storage.models  # noqa: F401  (registers every table)
from storage.base import Base

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("run migrations through storage.migrate, which passes the engine")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
