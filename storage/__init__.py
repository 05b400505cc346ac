"""The SQL layer: typed models, repositories and Alembic migrations. SQL is the source of truth."""
