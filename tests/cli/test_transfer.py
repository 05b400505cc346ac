"""The CLI: import, export → import round trip with versions, reindex from SQL, model mismatch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from services.runtime import Runtime
from tests.conftest import PgDatabases, make_database_url

SEED = Path(__file__).resolve().parents[2] / "seed_practices"
SAMPLE = (
    "thuiszitterstafel-lindewaard",
    "budgetcoaching-zes-keukentafelsessies",
    "eastvale-housing-first-rough-sleepers",
    "intervisie-incidentmethode-leercoaches",  # community visibility: exported too
    "sexting-incidenten-op-school-afhandelen",  # a draft
)
# The commands load the test profile's models by name: they get the session's (``shared_models``, conftest).
pytestmark = pytest.mark.usefixtures("shared_models")


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A few seed files: enough for every kind of record, small enough to embed quickly."""
    folder = tmp_path / "sample"
    folder.mkdir()
    for slug in SAMPLE:
        (folder / f"{slug}.md").write_text((SEED / f"{slug}.md").read_text())
    return folder


def env_for(folder: Path, pg: PgDatabases | None, **extra: str) -> dict[str, str]:
    return {
        "PRAKTIJKBANK_DATA_DIR": str(folder / "data"),
        "PRAKTIJKBANK_DATABASE_URL": make_database_url(folder / "db", pg),
        **extra,
    }


def run(args: list[str], env: dict[str, str]) -> str:
    result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_export_then_import_into_an_empty_instance_gives_the_same_practices(
    tmp_path: Path, pg_databases: PgDatabases | None, sample: Path
) -> None:
    source = env_for(tmp_path / "a", pg_databases)
    output = run(["import", str(sample)], source)
    assert "errors" in output and ", 0 errors" in output

    # give one practice some history
    from fastapi.testclient import TestClient

    from api.app import create_app
    from core.settings import Settings

    settings = Settings(
        data_dir=Path(source["PRAKTIJKBANK_DATA_DIR"]),
        database_url=source["PRAKTIJKBANK_DATABASE_URL"],
        seed_on_first_start=False,
        run_worker=False,
    )
    from tests.conftest import bearer

    with TestClient(create_app(settings)) as client:
        from services import auth
        from storage.database import unit_of_work

        with unit_of_work(client.app.state.runtime.sessions) as session:  # type: ignore[attr-defined]
            account = auth.create_account(session, email="a@b.nl", name="Redacteur", password=None, is_admin=True)
            client.headers.update(bearer(auth.issue_token(session, account, "t").secret))
        url = "/api/v1/practices/thuiszitterstafel-lindewaard"
        client.patch(
            url, json={"title": "Thuiszitterstafel, tweede versie", "note": "nieuwe naam"}, headers={"If-Match": "*"}
        )

    dump_a = tmp_path / "a.jsonl"
    run(["export", str(dump_a)], source)
    target = env_for(tmp_path / "b", pg_databases)
    run(["import", str(dump_a)], target)
    dump_b = tmp_path / "b.jsonl"
    run(["export", str(dump_b)], target)

    first = [json.loads(line) for line in dump_a.read_text().splitlines()]
    second = [json.loads(line) for line in dump_b.read_text().splitlines()]
    assert first == second  # ids, versions, timestamps, history: identical
    practices = [r["row"] for r in first if r.get("table") == "practices"]
    assert sorted(p["slug"] for p in practices) == sorted(SAMPLE)
    changed = next(p for p in practices if p["slug"] == "thuiszitterstafel-lindewaard")
    versions = [
        r["row"] for r in first if r.get("table") == "practice_versions" and r["row"]["practice_id"] == changed["id"]
    ]
    assert sorted(v["version"] for v in versions) == [1, 2]
    assert next(v for v in versions if v["version"] == 1)["snapshot"]["title"] != changed["title"]


def test_import_reports_bad_files_and_keeps_the_good_ones(tmp_path: Path, pg_databases: PgDatabases | None) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    good = (SEED / "thuiszitterstafel-lindewaard.md").read_text()
    (folder / "good.md").write_text(good)
    (folder / "no-approach.md").write_text(good.replace("## Aanpak", "## Doel"))
    (folder / "bad-theme.md").write_text(
        good.replace("slug: thuiszitterstafel-lindewaard", "slug: x").replace("themes: [", "themes: [astrologie, ")
    )
    result = CliRunner().invoke(cli, ["import", str(folder)], env=env_for(tmp_path, pg_databases))
    assert result.exit_code == 1
    assert "imported 1 practices" in result.output
    assert "bad-theme.md: themes.0" in result.output
    assert "no-approach.md" in result.output


QUESTIONS_YAML = """
- title: "Hoe krijg je thuiszitters weer naar school?"
  body: "Een leerling van veertien zit al maanden thuis en school, leerplicht en jeugdhulp wijzen naar elkaar."
  asker: {name: Vera Vraagsteller, role: leerplichtambtenaar, organisation: Gemeente Lindewaard}
  visibility: public
  themes: [jeugd]
  answers:
    - author: {name: Anton Antwoord, role: jeugdconsulent, organisation: Gemeente Lindewaard}
      body: "Zet iedereen aan een thuiszitterstafel met een besluit binnen zes weken."
      practices: [thuiszitterstafel-lindewaard]
      accepted: true
- title: "Hoe help je huishoudens met schulden bij het maken van een begroting?"
  body: "Inwoners met betaalachterstanden hebben geen overzicht van inkomsten en vaste lasten."
  asker: {name: Vera Vraagsteller, role: leerplichtambtenaar, organisation: Gemeente Lindewaard}
  visibility: public
  themes: [schuldhulp]
"""


def test_reindex_rebuilds_practices_and_questions_and_a_model_change_demands_it(
    tmp_path: Path, pg_databases: PgDatabases | None, embedder: object, sample: Path
) -> None:
    (sample / "network").mkdir()
    (sample / "network" / "questions.yaml").write_text(QUESTIONS_YAML)
    env = env_for(tmp_path, pg_databases)
    output = run(["import", str(sample)], env)
    assert "2 questions" in output
    before = run(["status"], env)
    assert f"database: {len(SAMPLE)} practices, 2 questions" in before
    assert f"index: {len(SAMPLE)} practices, 2 questions" in before

    # wreck the index: the SQL side is untouched, so reindex must bring everything back, questions included
    import shutil

    shutil.rmtree(Path(env["PRAKTIJKBANK_DATA_DIR"]) / "index")
    output = run(["reindex"], env)
    assert f"reindexed {len(SAMPLE)} practices, 2 questions; the index holds {len(SAMPLE)} practices, 2 questions" in (
        output
    )
    assert run(["status"], env) == before

    from core.settings import Settings
    from services.access import ANONYMOUS, AccessPolicy
    from services.network import ask
    from storage.repositories.practices import PracticeFilters

    settings = Settings(data_dir=Path(env["PRAKTIJKBANK_DATA_DIR"]), database_url=env["PRAKTIJKBANK_DATABASE_URL"])
    rt = Runtime.build(settings, embedder=embedder)  # type: ignore[arg-type]
    with rt.database.unit_of_work() as session:
        answer = ask(
            session,
            rt.searcher,
            AccessPolicy(ANONYMOUS),
            "Een jongen van vijftien gaat al een half jaar niet naar school. Wie kan helpen?",
            PracticeFilters(),
            limit=5,
        )
    rt.close()
    assert "Hoe krijg je thuiszitters weer naar school?" in [q.title for q in answer.questions]

    class OtherModel:
        name, dimension, max_tokens = "another-model", 384, 256

    from core.errors import IndexMismatch

    with pytest.raises(IndexMismatch, match="praktijkbank reindex"):
        Runtime.build(settings, embedder=OtherModel())  # type: ignore[arg-type]


def test_first_admin_from_the_cli_into_a_fresh_data_folder(tmp_path: Path, pg_databases: PgDatabases | None) -> None:
    env = env_for(tmp_path / "fresh", pg_databases)
    output = run(
        ["users", "create", "--admin", "--email", "Ada@Gemeente.nl", "--name", "Ada Beheer", "--generate-password"], env
    )
    password = output.split("password (shown once): ")[1].split()[0]
    assert len(password) >= 16
    assert "token" not in output.lower()  # nobody asked for one: `users token` issues it
    token = run(["users", "token", "ada@gemeente.nl", "--name", "intranet"], env).strip()
    assert token.startswith("pbk_")
    from sqlalchemy import select

    from services import auth
    from storage.database import make_engine, make_session_factory, unit_of_work
    from storage.models import Account

    engine = make_engine(env["PRAKTIJKBANK_DATABASE_URL"])
    with unit_of_work(make_session_factory(engine)) as session:
        account = session.scalars(select(Account)).one()
        assert account.is_admin and account.email == "ada@gemeente.nl"
        assert password not in (account.password_hash or "") and account.password_hash.startswith("$argon2id$")
        assert auth.PasswordAuthenticator().authenticate(session, "ada@gemeente.nl", password) is not None
        assert auth.account_for_token(session, token).id == account.id
    engine.dispose()


def test_reindex_leaves_no_queued_task_to_embed_again(
    tmp_path: Path, pg_databases: PgDatabases | None, sample: Path
) -> None:
    """An import beside a running service (or a stopped worker) leaves every practice queued; a reindex then
    indexes them all, and the queue it covered is done: the next start embeds nothing a second time."""
    from services.index_source import enqueue_all
    from storage.database import Database

    env = env_for(tmp_path, pg_databases)
    run(["import", str(sample)], env)
    database = Database.open(env["PRAKTIJKBANK_DATABASE_URL"])
    with database.unit_of_work() as session:
        queued = sum(enqueue_all(session).values())
    database.close()
    assert f"pending index tasks: {queued} (0 failing)" in run(["status"], env)
    run(["reindex"], env)
    status = run(["status"], env)
    assert "pending index tasks: 0 (0 failing)" in status
    assert f"index: {len(SAMPLE)} practices" in status


def test_a_backup_restored_into_an_empty_folder_then_reindexed_leaves_nothing_queued(
    tmp_path: Path, pg_databases: PgDatabases | None, sample: Path
) -> None:
    """Issue 20's case as an operator meets it: `import` of a backup into an empty data folder queues every
    practice and question for the index, `reindex` indexes them all, and none stays queued to be embedded again
    at the next start."""
    import re

    from storage.database import Database
    from storage.repositories import index_tasks

    def pending(env: dict[str, str]) -> int:
        database = Database.open(env["PRAKTIJKBANK_DATABASE_URL"])
        try:
            with database.unit_of_work() as session:
                return index_tasks.backlog(session).pending
        finally:
            database.close()

    source = env_for(tmp_path / "a", pg_databases)
    run(["import", str(sample)], source)
    dump = tmp_path / "backup.jsonl"
    run(["export", str(dump)], source)

    target = env_for(tmp_path / "b", pg_databases)
    restored = run(["import", str(dump)], target)
    queued = re.search(r"(\d+) practices and questions queued for the index", restored)
    assert queued and int(queued[1]) >= len(SAMPLE), restored
    assert pending(target) == int(queued[1])

    output = run(["reindex"], target)
    assert f"the index holds {len(SAMPLE)} practices" in output
    assert pending(target) == 0
