"""Alembic owns the schema: the migrations produce exactly what the models describe."""

from __future__ import annotations

from sqlalchemy import inspect

from core.settings import Settings
from storage import migrate
from storage.database import make_engine


def test_alembic_check_is_clean_after_upgrade(settings: Settings) -> None:
    engine = make_engine(settings.sqlalchemy_url)
    migrate.upgrade(engine)
    migrate.check(engine)  # raises if models and migrations drift apart
    tables = set(inspect(engine).get_table_names())
    assert {"practices", "practice_versions", "index_tasks", "people", "communities"} <= tables
    migrate.upgrade(engine)  # idempotent at every start
    engine.dispose()
