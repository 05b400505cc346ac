"""A mail-sending process for the crash test (tests/services/test_mail_crash.py): the service's own job runner and
mail handlers, on the database and SMTP server the environment names, draining the outbox until it is empty. The
test kills it with SIGKILL in the middle and starts it again."""

from __future__ import annotations

from core.settings import Settings
from services.jobs import JobRunner
from services.runtime import job_handlers
from storage.database import Database, unit_of_work
from storage.repositories import jobs


def main() -> None:
    settings = Settings()
    database = Database.open(settings.sqlalchemy_url)
    with unit_of_work(database.sessions) as session:
        jobs.release_all(session)  # one sender at a time: a killed one's leases are void (as Runtime.build does)
    runner = JobRunner(database.sessions, lambda: None, job_handlers(settings), settings=settings, batch_size=5)  # type: ignore[arg-type,return-value]
    print("draining", flush=True)
    runner.drain()
    print("done", flush=True)
    database.close()


if __name__ == "__main__":
    main()
