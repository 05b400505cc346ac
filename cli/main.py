"""``praktijkbank``: serve, import, export, reindex, worker."""

from __future__ import annotations

import json
import logging
import signal
import sys
from pathlib import Path
from types import FrameType

import click
from sqlalchemy import Engine
from tqdm import tqdm

from core.settings import Settings
from services import backup
from storage.database import make_session_factory, refresh_statistics, unit_of_work
from storage.repositories import index_tasks
from storage.repositories import practices as repo


def _settings(data_dir: Path | None) -> Settings:
    settings = Settings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    return settings


data_dir_option = click.option(
    "--data-dir", type=click.Path(path_type=Path), default=None, help="Overrides PRAKTIJKBANK_DATA_DIR."
)


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
def cli(verbose: bool) -> None:
    """Praktijkbank: best practices of the Dutch social domain, with hybrid search."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@cli.command()
@click.option("--host", default=None, help="Default 127.0.0.1 (PRAKTIJKBANK_HOST).")
@click.option("--port", type=int, default=None, help="Default 8000 (PRAKTIJKBANK_PORT).")
@click.option("--demo", is_flag=True, help="With the first seeding, also make demo accounts (printed once).")
@data_dir_option
def serve(host: str | None, port: int | None, demo: bool, data_dir: Path | None) -> None:
    """Run the web service (migrations, seed data on first start, index worker included)."""
    import uvicorn

    from core import logging as structured

    settings = _settings(data_dir)
    # before the app is imported: some libraries log while they load
    structured.configure(json_lines=settings.log_format == "json", level=logging.getLogger().level)
    from api.app import create_app

    if demo:
        settings = settings.model_copy(update={"demo_accounts": True})
    # log_config=None: uvicorn keeps our handlers (one JSON line per event, with the request id)
    app = create_app(settings)
    uvicorn.run(app, host=host or settings.host, port=port or settings.port, log_config=None, access_log=False)


def _runtime(settings: Settings, *, recreate_index: bool = False):  # type: ignore[no-untyped-def]
    from services.runtime import Runtime

    return Runtime.build(settings, recreate_index=recreate_index)


def _drain(runtime, total: int, desc: str) -> None:  # type: ignore[no-untyped-def]
    with tqdm(total=total, desc=desc, unit="task", disable=total == 0) as bar:
        runtime.worker.drain(progress=bar.update)


@cli.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@data_dir_option
def import_(path: Path, data_dir: Path | None) -> None:
    """Import practices from a folder of Markdown files or a JSONL file (authored records), or restore a full
    backup made by `export` into an empty instance."""
    from services.transfer import import_records, read_records

    settings = _settings(data_dir)
    records = list(read_records(path))
    if records and backup.is_dump(records[0][1]):
        broken = [f"{where}: {record}" for where, record in records if isinstance(record, ValueError)]
        if broken:
            raise click.ClickException("the backup is damaged: " + "; ".join(broken[:5]))
        _restore(settings, [r for _, r in records if isinstance(r, dict)])
        return
    runtime = _runtime(settings)
    try:
        with (
            tqdm(total=len(records), desc="import", unit="record") as bar,
            unit_of_work(runtime.sessions) as session,
        ):
            report = import_records(session, records, progress=lambda: bar.update())
            if path.is_dir() and (path / "network").is_dir():
                from services.network_seed import import_network

                counts = import_network(session, path / "network")
                click.echo("network: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
        refresh_statistics(runtime.engine)
        with unit_of_work(runtime.sessions) as session:
            pending = index_tasks.backlog(session).pending
        _drain(runtime, pending, "index")
        runtime.index.optimize()
    finally:
        runtime.close()
    click.echo(f"imported {report.created} practices, {report.skipped} already present, {len(report.errors)} errors")
    for error in report.errors:
        click.echo(f"  {error}", err=True)
    if report.errors:
        sys.exit(1)


def _restore(settings: Settings, records: list[dict[str, object]]) -> None:
    """A full backup: every table in one transaction; the index is rebuilt from SQL by the worker afterwards."""
    from core.errors import InvalidInput

    engine = _engine(settings)
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            report = backup.restore(session, records)
        refresh_statistics(engine)
    except InvalidInput as exc:
        raise click.ClickException(exc.detail) from None
    finally:
        engine.dispose()
    click.echo("restored " + ", ".join(f"{n} {table}" for table, n in report.rows.items()))
    click.echo(
        f"{report.queued} practices and questions queued for the index: the service indexes them when it runs "
        "(or run `praktijkbank reindex` now)"
    )


def _engine(settings: Settings) -> Engine:
    from storage.database import make_engine
    from storage.migrate import upgrade

    engine = make_engine(settings.sqlalchemy_url)
    upgrade(engine)
    return engine


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@data_dir_option
def export(path: Path, data_dir: Path | None) -> None:
    """Back up every table (practices with versions, people, communities, accounts with password hashes, tokens
    as hashes, questions, answers, feedback, audit log…) to JSONL; `import` restores it into an empty instance."""
    engine = _engine(_settings(data_dir))
    counts: dict[str, int] = {}
    try:
        with unit_of_work(make_session_factory(engine)) as session, path.open("w", encoding="utf-8") as out:
            for record in backup.dump(session):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                if record["type"] == "row":
                    counts[record["table"]] = counts.get(record["table"], 0) + 1
    finally:
        engine.dispose()
    click.echo(f"exported {sum(counts.values())} rows of {len(counts)} tables to {path}")


@cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@data_dir_option
def backup_(path: Path, data_dir: Path | None) -> None:
    """Copy the SQLite database to PATH while the service keeps running (SQLite's online backup API)."""
    from core.errors import InvalidInput

    engine = _engine(_settings(data_dir))
    try:
        pages = backup.online_backup(engine, path)
    except InvalidInput as exc:
        raise click.ClickException(exc.detail) from None
    finally:
        engine.dispose()
    click.echo(f"copied {pages} pages to {path}")


@cli.command()
@data_dir_option
def reindex(data_dir: Path | None) -> None:
    """Rebuild the whole index from SQL (after a model change, or to repair). Safe to interrupt and rerun."""
    settings = _settings(data_dir)
    from services.runtime import Runtime

    # Tasks first, committed: if this is interrupted, the next start or run picks up where it stopped.
    from storage.database import make_engine, make_session_factory
    from storage.migrate import upgrade

    engine = make_engine(settings.sqlalchemy_url)
    upgrade(engine)
    with unit_of_work(make_session_factory(engine)) as session:
        ids = repo.all_ids(session)
        index_tasks.clear(session)
        index_tasks.enqueue(session, ids)
    engine.dispose()
    runtime = Runtime.build(settings, recreate_index=True)
    try:
        _drain(runtime, len(ids), "reindex")
        runtime.index.optimize()
        indexed = runtime.index.count()
    finally:
        runtime.close()
    click.echo(f"reindexed {len(ids)} practices; the index holds {indexed}")


@cli.command()
@data_dir_option
def worker(data_dir: Path | None) -> None:
    """Run an index worker on its own (production: PostgreSQL + Qdrant server, several workers)."""
    settings = _settings(data_dir)
    runtime = _runtime(settings)
    runtime.start_worker()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        runtime.close()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.pause()


@cli.group()
def users() -> None:
    """Accounts: the first admin, tokens, demo accounts."""


def _sessions(data_dir: Path | None):  # type: ignore[no-untyped-def]
    from storage.database import make_engine, make_session_factory
    from storage.migrate import upgrade

    engine = make_engine(_settings(data_dir).sqlalchemy_url)
    upgrade(engine)
    return make_session_factory(engine)


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True, help="The person's name; an existing person of that name is used.")
@click.option("--admin", is_flag=True, help="Full rights, including communities and roles.")
@click.option("--generate-password", is_flag=True, help="Make a random password and print it once.")
@data_dir_option
def users_create(email: str, name: str, admin: bool, generate_password: bool, data_dir: Path | None) -> None:
    """Create an account. There is no default password: type one, or have one generated."""
    import secrets

    from services import auth

    password = (
        secrets.token_urlsafe(16)
        if generate_password
        else click.prompt("Password (12+ characters)", hide_input=True, confirmation_prompt=True)
    )
    with unit_of_work(_sessions(data_dir)) as session:
        account = auth.create_account(session, email=email, name=name, password=password, is_admin=admin)
        issued = auth.issue_token(session, account, "cli", days=30)
    click.echo(f"created {'admin ' if admin else ''}account {email}")
    if generate_password:
        click.echo(f"password (shown once): {password}")
    click.echo(f"API token 'cli', 30 days (shown once): {issued.secret}")


@users.command("token")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for.")
@click.option("--days", type=int, default=90, show_default=True)
@data_dir_option
def users_token(email: str, name: str, days: int, data_dir: Path | None) -> None:
    """Issue a personal API token for an account; printed once."""
    from sqlalchemy import select

    from services import auth
    from storage.models import Account

    with unit_of_work(_sessions(data_dir)) as session:
        account = session.scalar(select(Account).where(Account.email == email.lower()))
        if account is None:
            raise click.ClickException(f"no account {email}")
        issued = auth.issue_token(session, account, name, days=days)
    click.echo(issued.secret)


@users.command("demo")
@data_dir_option
def users_demo(data_dir: Path | None) -> None:
    """Demo accounts for seed people (a curator, a member, an outsider, an admin); passwords printed once."""
    from services.demo import create_demo_accounts

    with unit_of_work(_sessions(data_dir)) as session:
        created = create_demo_accounts(session)
    for line in created:
        click.echo(line)


def main() -> None:
    cli()
