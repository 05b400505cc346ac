"""``praktijkbank``: serve, import, export, reindex, status, worker, users.

Every command opens what it needs through one of two doors: ``Database`` (SQL only: export, users) or ``Runtime``
(SQL, model and index: import, reindex, worker, serve). An error ends the command with one line on stderr and
exit code 1; ``--verbose`` adds the traceback and the migration log.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import click
from pydantic import ValidationError
from tqdm import tqdm

from core.errors import PraktijkbankError
from core.settings import Settings
from services import backup
from storage.database import Database

if TYPE_CHECKING:
    from services.runtime import Runtime

logger = logging.getLogger("praktijkbank.cli")


class Cli(click.Group):
    """Turns every failure into one clear line: a domain error names its field, anything else its type."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
        except ValidationError as exc:  # settings from the environment
            logger.debug("command failed", exc_info=True)
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise click.ClickException(f"invalid setting: {problems}") from None
        except PraktijkbankError as exc:
            logger.debug("command failed", exc_info=True)
            where = f" ({exc.field})" if exc.field else ""
            raise click.ClickException(f"{exc.detail}{where}") from None
        except Exception as exc:
            logger.debug("command failed", exc_info=True)
            raise click.ClickException(f"{type(exc).__name__}: {exc} (run with --verbose for details)") from None


def _settings(data_dir: Path | None) -> Settings:
    settings = Settings()
    if data_dir is not None:
        settings = settings.model_copy(update={"data_dir": data_dir})
    return settings


@contextmanager
def _database(data_dir: Path | None) -> Iterator[Database]:
    settings = _settings(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database.open(settings.sqlalchemy_url)
    try:
        yield database
    finally:
        database.close()


@contextmanager
def _runtime(settings: Settings, *, recreate_index: bool = False) -> Iterator[Runtime]:
    from services.runtime import Runtime

    runtime = Runtime.build(settings, recreate_index=recreate_index)
    try:
        yield runtime
    finally:
        runtime.close()


def _drain(runtime: Runtime, desc: str) -> None:
    from storage.repositories import index_tasks

    with runtime.database.unit_of_work() as session:
        total = index_tasks.backlog(session).pending
    start = time.monotonic()
    with tqdm(total=total, desc=desc, unit="document", disable=total == 0) as bar:
        done = runtime.worker.drain(progress=bar.update)
    if done:
        seconds = time.monotonic() - start
        click.echo(f"indexed {done} documents in {seconds:.0f} s ({done / seconds:.1f} documents/s)")
    runtime.index.optimize()


data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Overrides PRAKTIJKBANK_DATA_DIR.",
)


@click.group(cls=Cli)
@click.option("-v", "--verbose", is_flag=True, help="Show the migration log and tracebacks.")
def cli(verbose: bool) -> None:
    """Praktijkbank: best practices of the Dutch social domain, with hybrid search."""
    # A command says what it did on stdout; its log stays quiet unless asked (the services, serve and worker, log
    # what they do at INFO).
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if not verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)


def _service_level() -> int:
    """A service logs what it does: INFO, or DEBUG with --verbose."""
    return min(logging.getLogger().level, logging.INFO)


@cli.command()
@click.option("--host", default=None, help="Default 127.0.0.1 (PRAKTIJKBANK_HOST).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Default 8000 (PRAKTIJKBANK_PORT).")
@click.option("--demo", is_flag=True, help="With the first seeding, also make demo accounts (printed once).")
@data_dir_option
def serve(host: str | None, port: int | None, demo: bool, data_dir: Path | None) -> None:
    """Run the web service (migrations, seed data on first start, index worker included)."""
    import uvicorn

    from core import logging as structured

    settings = _settings(data_dir)
    # before the app is imported: some libraries log while they load
    structured.configure(log_format=settings.log_format, level=_service_level())
    from api.app import create_app

    if demo:
        settings = settings.model_copy(update={"demo_accounts": True})
    # log_config=None: uvicorn keeps our handlers (one JSON line per event, with the request id)
    app = create_app(settings)
    uvicorn.run(app, host=host or settings.host, port=port or settings.port, log_config=None, access_log=False)


@cli.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@data_dir_option
def import_(path: Path, data_dir: Path | None) -> None:
    """Import practices from a folder of Markdown files or a JSONL file (authored records), or restore a full
    backup made by `export` into an empty instance."""
    from services.seeding import import_path
    from services.transfer import read_records
    from storage.database import refresh_statistics

    settings = _settings(data_dir)
    records = list(read_records(path))
    if records and backup.is_dump(records[0][1]):
        broken = [f"{where}: {record}" for where, record in records if isinstance(record, ValueError)]
        if broken:
            raise click.ClickException("the backup is damaged: " + "; ".join(broken[:5]))
        _restore(data_dir, [r for _, r in records if isinstance(r, dict)])
        return
    with _runtime(settings) as runtime:
        with (
            tqdm(total=len(records), desc="import", unit="record") as bar,
            runtime.database.unit_of_work() as session,
        ):
            report, network = import_path(session, path, progress=bar.update)
        if network:
            click.echo("network: " + ", ".join(f"{n} {kind}" for kind, n in network.items()))
        refresh_statistics(runtime.engine)
        _drain(runtime, "index")
    click.echo(f"imported {report.created} practices, {report.skipped} already present, {len(report.errors)} errors")
    for error in report.errors:
        click.echo(f"  {error}", err=True)
    if report.errors:
        sys.exit(1)


def _restore(data_dir: Path | None, records: list[dict[str, object]]) -> None:
    """A full backup: every table in one transaction; the index is rebuilt from SQL by the worker afterwards."""
    from storage.database import refresh_statistics

    with _database(data_dir) as database:
        with database.unit_of_work() as session:
            report = backup.restore(session, records)
        refresh_statistics(database.engine)
    click.echo("restored " + ", ".join(f"{n} {table}" for table, n in report.rows.items()))
    click.echo(
        f"{report.queued} practices and questions queued for the index: the service indexes them when it runs "
        "(or run `praktijkbank reindex` now)"
    )


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@data_dir_option
def export(path: Path, data_dir: Path | None) -> None:
    """Back up every table (practices with versions, people, communities, accounts with password hashes, tokens
    as hashes, questions, answers, feedback, audit log…) to JSONL; `import` restores it into an empty instance."""
    counts: dict[str, int] = {}
    with _database(data_dir) as database, database.unit_of_work() as session, path.open("w", encoding="utf-8") as out:
        for record in backup.dump(session):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            if record["type"] == "row":
                counts[record["table"]] = counts.get(record["table"], 0) + 1
    click.echo(f"exported {sum(counts.values())} rows of {len(counts)} tables to {path}")


@cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@data_dir_option
def backup_(path: Path, data_dir: Path | None) -> None:
    """Copy the SQLite database to PATH while the service keeps running (SQLite's online backup API)."""
    with _database(data_dir) as database:
        pages = backup.online_backup(database.engine, path)
    click.echo(f"copied {pages} pages to {path}")


def _counts(counts: dict[Any, int]) -> str:
    return ", ".join(f"{n} {kind}s" for kind, n in counts.items())


@cli.command()
@click.option(
    "--model",
    default=None,
    help="The model profile of the new index, e.g. `e5+use-multilingual` or `use-multilingual` (default: "
    "PRAKTIJKBANK_EMBEDDING_MODEL); it stays in use after.",
)
@data_dir_option
def reindex(model: str | None, data_dir: Path | None) -> None:
    """Rebuild the whole index from SQL beside the live one, then switch to it; a running service keeps answering
    and follows the switch. Use it after a model change, or to repair. Safe to interrupt: the live index stays."""
    from services.rebuild import rebuild

    settings = _settings(data_dir)
    chosen = model or settings.profile.name
    # Server: other processes follow the alias within their poll interval; then the old collection goes.
    grace = None if settings.uses_embedded_index else 3 * settings.worker_poll_seconds + 5
    with _database(data_dir) as database:
        from services.index_source import index_status

        with database.unit_of_work() as session:
            total = sum(index_status(session, None).in_sql.values())
        with tqdm(total=total, desc="reindex", unit="document", disable=total == 0) as bar:
            done = rebuild(settings, database, chosen, progress=bar.update, drop_previous_after=grace)
    click.echo(f"reindexed {_counts(done.in_sql)}; the index holds {_counts(done.in_index)}")
    click.echo(f"model {done.model}: {done.name} is live (it replaced {done.previous or 'nothing'})")


@cli.command()
@data_dir_option
def status(data_dir: Path | None) -> None:
    """How many practices and questions SQL holds, how many the index holds, and the queue between them."""
    from core.errors import IndexUnavailable
    from services.index_source import index_status

    settings = _settings(data_dir)
    try:
        with _runtime(settings) as runtime, runtime.database.unit_of_work() as session:
            state = index_status(session, runtime.index)
            model = runtime.models
        index = _counts(state.in_index) if state.in_index is not None else "did not answer (see the log)"
    except IndexUnavailable as exc:
        # The embedded index belongs to a running service: SQL answers, and the service's /readyz has the rest.
        with _database(data_dir) as database, database.unit_of_work() as session:
            state = index_status(session, None)
        model = settings.profile.name
        index = f"{exc.detail}; ask the service: curl http://{settings.host}:{settings.port}/readyz"
    click.echo(f"model: {model}")
    click.echo(f"database: {_counts(state.in_sql)}")
    click.echo(f"index: {index}")
    click.echo(f"pending index tasks: {state.backlog.pending} ({state.backlog.failing} failing)")


@cli.command()
@click.option("--model", default=None, help="A model profile (default: PRAKTIJKBANK_EMBEDDING_MODEL).")
def models(model: str | None) -> None:
    """Load the profile's models once, so that what they build on first use (the e5 encoder graph, ~15 s) is built
    now: `scripts/install` and the Docker image run this, and a first start serves at once."""
    from core.profiles import profile_for
    from services.runtime import load_model

    settings = _settings(None)
    profile = profile_for(model) if model else settings.profile
    for name in filter(None, (profile.model, profile.cross)):
        loaded = load_model(settings, name)
        where = getattr(loaded, "path", None)
        click.echo(f"{name}: {loaded.name}" + (f" ({where})" if where else ""))


@cli.command()
@data_dir_option
def worker(data_dir: Path | None) -> None:
    """Run an index worker on its own (production: PostgreSQL + Qdrant server, several workers)."""
    logging.getLogger().setLevel(_service_level())
    with _runtime(_settings(data_dir)) as runtime:
        runtime.start_worker()

        def stop(_signum: int, _frame: FrameType | None) -> None:
            raise SystemExit(0)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        signal.pause()


@cli.group(cls=Cli)
def users() -> None:
    """Accounts: the first admin, tokens, demo accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True, help="The person's name; an existing person of that name is used.")
@click.option("--admin", is_flag=True, help="Full rights, including communities and roles.")
@click.option("--generate-password", is_flag=True, help="Make a random password and print it once.")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin (a pipe or a file)."
)
@data_dir_option
def users_create(
    email: str, name: str, admin: bool, generate_password: bool, password_stdin: bool, data_dir: Path | None
) -> None:
    """Create an account. There is no default password: type one, pipe one in, or have one generated."""
    import secrets

    from services import auth

    if generate_password and password_stdin:
        raise click.UsageError("--generate-password and --password-stdin exclude each other")
    if generate_password:
        password = secrets.token_urlsafe(16)
    elif password_stdin or not sys.stdin.isatty():
        password = _password_from_stdin()
    else:
        password = click.prompt("Password (12+ characters)", hide_input=True, confirmation_prompt=True)
    with _database(data_dir) as database, database.unit_of_work() as session:
        auth.create_account(session, email=email, name=name, password=password, is_admin=admin)
    click.echo(f"created {'admin ' if admin else ''}account {email}")
    if generate_password:
        click.echo(f"password (shown once): {password}")


def _password_from_stdin() -> str:
    """The first line of stdin (as `docker login --password-stdin`), read quietly: a pipe has no echo to hide, and
    a hidden prompt there makes Python's getpass warn that it cannot hide it."""
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:  # an account without a password could never sign in
        raise click.ClickException("no password on stdin (its first line is the password)")
    return password


@users.command("token")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for.")
@click.option("--days", type=click.IntRange(1, 3650), default=90, show_default=True)
@data_dir_option
def users_token(email: str, name: str, days: int, data_dir: Path | None) -> None:
    """Issue a personal API token for an account; printed once."""
    from services import auth

    with _database(data_dir) as database, database.unit_of_work() as session:
        issued = auth.issue_token_for(session, email, name, days=days)
    click.echo(issued.secret)


@users.command("demo")
@data_dir_option
def users_demo(data_dir: Path | None) -> None:
    """Demo accounts for seed people (a curator, a member, an outsider, an admin); passwords printed once."""
    from services.demo import create_demo_accounts

    with _database(data_dir) as database, database.unit_of_work() as session:
        created = create_demo_accounts(session)
    for line in created:
        click.echo(line)


@cli.group(cls=Cli)
def mail() -> None:
    """Mail: test the server settings."""


@mail.command("test")
@click.argument("address")
@data_dir_option
def mail_test(address: str, data_dir: Path | None) -> None:
    """Send a test mail to ADDRESS now (not through the outbox), or say what is missing or wrong."""
    from services.mail import check, waiting

    settings = _settings(data_dir)
    try:
        server = check.send_test(settings, address)
    except check.MailCheckFailed as exc:
        problem = str(exc)
        if check.missing(settings):
            with _database(data_dir) as database, database.unit_of_work() as session:
                problem += f"; {waiting(session)} mails wait in the outbox"
        raise click.ClickException(problem) from None
    click.echo(f"sent a test mail to {address} through {server}")


def main() -> None:
    cli()
