.PHONY: run test install lint bench

run:      ## install and serve with seed practices on the embedded default
	scripts/run

test:     ## install test needs, lint, type-check, run all tests on SQLite and PostgreSQL
	scripts/test

install:
	scripts/install test

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy .
