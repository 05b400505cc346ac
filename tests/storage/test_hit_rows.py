"""A list of hits reads practices as ``HitRow``s by Core queries: the same values as the ORM's practices, only what
the caller may read, in a fixed number of queries however many hits there are."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from services.access import ANONYMOUS, SYSTEM, AccessPolicy
from services.runtime import Runtime
from storage.database import unit_of_work
from storage.models import Practice
from storage.repositories import practices as repo
from storage.repositories.practices import HitRow


@contextmanager
def statements(session: Session) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = session.get_bind()

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_hit_rows_carry_what_the_orm_reads_and_only_what_the_caller_may_read(seeded_runtime: Runtime) -> None:
    with unit_of_work(seeded_runtime.sessions) as session:
        ids = list(session.scalars(select(Practice.id)))
        for viewer in (SYSTEM, ANONYMOUS):
            clause = AccessPolicy(viewer).practice_clause()
            with statements(session) as seen:
                rows = repo.hits(session, ids, clause)
            assert len(seen) == 2, seen  # the rows with organisation and community, then the tags: no query per hit
            practices = repo.get_many(session, ids, clause)
            assert set(rows) == set(practices) and rows
            for practice_id, row in rows.items():
                practice = practices[practice_id]
                for f in fields(HitRow):
                    if f.name in ("organisation", "community", "tags", "authors"):
                        continue
                    assert getattr(row, f.name) == getattr(practice, f.name), f.name
                assert row.themes == practice.themes and row.legal_frames == practice.legal_frames
                assert row.tag_values("theme") == practice.tag_values("theme")
                for relation in ("organisation", "community"):
                    mine, theirs = getattr(row, relation), getattr(practice, relation)
                    assert (mine and (mine.id, mine.slug, mine.name)) == (
                        theirs and (theirs.id, theirs.slug, theirs.name)
                    )
                assert row.authors == []  # not asked for
        # The anonymous caller reads fewer practices than the operator: drafts and internal ones stay out.
        assert len(repo.hits(session, ids, AccessPolicy(ANONYMOUS).practice_clause())) < len(ids)


def test_hit_rows_load_authors_in_their_order_in_one_more_query(seeded_runtime: Runtime) -> None:
    with unit_of_work(seeded_runtime.sessions) as session:
        ids = list(session.scalars(select(Practice.id)))
        clause = AccessPolicy(SYSTEM).practice_clause()
        with statements(session) as seen:
            rows = repo.hits(session, ids, clause, authors=True)
            names = {pid: [(a.person.name, a.person.organisation and a.person.organisation.name) for a in row.authors]
                     for pid, row in rows.items()}  # fmt: skip
        assert len(seen) == 3, seen  # people and their organisations come joined with the authors
        practices = repo.get_many(session, ids, clause)
        expected = {
            pid: [(p.name, p.organisation and p.organisation.name) for p in practice.author_people]
            for pid, practice in practices.items()
        }
        assert names == expected and any(names.values())
