"""The job runner: the queued work that follows a committed write (fan out an event, send a mail, deliver a
webhook), done outside the request, retried with backoff, never lost.

A handler gets the job's own unit of work: what it writes (notifications, follow-on jobs) commits together with
the job's "done", so a crash before the commit leaves the job to be done again and nothing half done. Work with
an effect outside the database (a mail, an HTTP call) is keyed (``Job.key``) so the other side can tell a repeat.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from core.background import Background
from core.settings import Settings
from indexing.search import HybridSearcher
from storage.database import unit_of_work
from storage.models import Job
from storage.repositories import jobs

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 12


Record = Callable[[Session], None]  # what a failed attempt leaves behind (a webhook's last status)


class Retry(Exception):
    """Try the job again later: after ``after`` (a server's Retry-After), or after the runner's backoff.

    The handler's unit of work is rolled back; ``record`` runs in the one that schedules the retry."""

    def __init__(self, reason: str, after: timedelta | None = None, *, record: Record | None = None) -> None:
        super().__init__(reason)
        self.after = after
        self.record = record


class GiveUp(Exception):
    """The job is done without success (a receiver that is gone, a recipient who may no longer read it).
    ``record`` runs in the unit of work that ends the job, as with ``Retry``."""

    def __init__(self, reason: str, *, record: Record | None = None) -> None:
        super().__init__(reason)
        self.record = record


@dataclass(frozen=True)
class JobContext:
    """What a handler may use: the job's unit of work and the live searcher (which may change under a reindex)."""

    session: Session
    searcher: Callable[[], HybridSearcher]
    settings: Settings  # the process's settings (links, timeouts)


Handler = Callable[[JobContext, Job], str]  # returns the outcome kept in the log ("sent", "skipped: …")


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … up to 6 h, with jitter so that retries of many jobs do not arrive together."""
    seconds = min(6 * 3600, 30 * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


class JobRunner(Background):
    name = "job-runner"

    def __init__(
        self,
        sessions: sessionmaker[Session],
        searcher: Callable[[], HybridSearcher],
        handlers: Mapping[str, Handler],
        *,
        batch_size: int = 20,
        settings: Settings | None = None,
    ) -> None:
        self.sessions = sessions
        self.searcher = searcher
        self.handlers = dict(handlers)
        self.batch_size = batch_size
        self.settings = settings if settings is not None else Settings()
        super().__init__()

    def run_once(self) -> int:
        """Claim and do one batch of due jobs; returns how many were claimed."""
        with self._lock:
            with unit_of_work(self.sessions) as session:
                claimed = [job.id for job in jobs.claim(session, list(self.handlers), self.batch_size)]
            for job_id in claimed:
                self._run(job_id)
            return len(claimed)

    def _run(self, job_id: int) -> None:
        try:
            with unit_of_work(self.sessions) as session:
                job = jobs.get(session, job_id)
                if job is None or job.done_at is not None:
                    return
                outcome = self.handlers[job.kind](JobContext(session, self.searcher, self.settings), job)
                jobs.finish(session, job, outcome)
            logger.debug("job %s %s: %s", job_id, job.kind, outcome)
        except GiveUp as exc:
            self._end(job_id, f"failed: {exc}", exc.record)
        except Retry as exc:
            self._again(job_id, str(exc), exc.after, exc.record)
        except Exception as exc:  # a bug or an outage: logged, tried again later, given up after many tries
            logger.exception("job %s failed", job_id)
            self._again(job_id, f"{type(exc).__name__}: {exc}", None)

    def _again(self, job_id: int, reason: str, after: timedelta | None, record: Record | None = None) -> None:
        with unit_of_work(self.sessions) as session:
            job = jobs.get(session, job_id)
            if job is None:
                return
            if record is not None:
                record(session)
            if job.attempts >= MAX_ATTEMPTS:
                jobs.finish(session, job, f"failed after {job.attempts} attempts: {reason}")
                logger.warning("job %s (%s) given up: %s", job_id, job.kind, reason)
                return
            jobs.retry(session, job_id, reason, after or backoff(job.attempts))

    def _end(self, job_id: int, outcome: str, record: Record | None = None) -> None:
        with unit_of_work(self.sessions) as session:
            job = jobs.get(session, job_id)
            if job is not None:
                if record is not None:
                    record(session)
                jobs.finish(session, job, outcome)
        logger.info("job %s ended: %s", job_id, outcome)
