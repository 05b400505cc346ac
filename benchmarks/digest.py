"""How long a digest run takes: N people (default 200) with a week of notifications each, their daily and weekly
digests queued by the hourly schedule and sent by the service's own job runner and mail handlers to a real SMTP
server on 127.0.0.1 (aiosmtpd, in this process). Prints the time of the schedule and of sending, per frequency,
with the load average and the cores the rest of the machine used.

    python benchmarks/digest.py [--people 200] [--database-url postgresql+psycopg://…/db]
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiosmtpd.controller import Controller
from sqlalchemy import update

from benchmarks.common import CpuMonitor, table
from core.settings import Settings
from core.vocab import MailFrequency, NotificationKind
from services import auth
from services.jobs import JobRunner
from services.mail import outbox
from storage.base import utcnow
from storage.database import Database, unit_of_work
from storage.models import Job, Notification, Question

KINDS = [  # what lands in digests by default: daily (applied, feedback) and weekly (suggested, followed)
    NotificationKind.APPLIED,
    NotificationKind.FEEDBACK,
    NotificationKind.SUGGESTED_QUESTION,
    NotificationKind.FOLLOWED,
]


class Counting:
    def __init__(self) -> None:
        self.received = 0
        self.bytes = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's hook)
        self.received += 1
        self.bytes += len(envelope.content)
        return "250 OK"


def build(database: Database, people: int, per_person: int, rng: random.Random) -> None:
    with unit_of_work(database.sessions) as session:
        questions = []
        for n in range(60):
            visibility = rng.choice(["public", "public", "internal"])
            q = Question(title=f"Vraag {n}: hoe bereik je jongeren met schulden?", body="Casus.", visibility=visibility)
            q.themes, q.answers = [], []
            session.add(q)
            questions.append(q)
        session.flush()
        now = utcnow()
        for p in range(people):
            account = auth.create_account(
                session, email=f"p{p}@bench.nl", name=f"Collega {p}", password=None, is_admin=False
            )
            for i in range(per_person):
                # everyone has news for both digests (the first two: a daily and a weekly kind, today); the rest
                # is spread over the week, and a fifth of it was read already (left out)
                kind = (NotificationKind.APPLIED, NotificationKind.FOLLOWED)[i] if i < 2 else rng.choice(KINDS)
                hours = rng.uniform(0, 20) if i < 2 else rng.uniform(0, 24 * 7)
                note = Notification(
                    person_id=account.person_id,
                    kind=kind.value,
                    key=f"question:{uuid.uuid4()}",
                    subject_kind="question",
                    subject_id=rng.choice(questions).id,
                    created_at=now - timedelta(hours=hours),
                    read_at=now if i % 5 == 4 else None,
                )
                session.add(note)
            if p % 50 == 49:
                session.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--notifications", type=int, default=12, help="per person, over the last week")
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file in a temporary folder")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="digest-bench-"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    receiver = Counting()
    controller = Controller(receiver, hostname="127.0.0.1", port=port)
    controller.start()
    url = args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    settings = Settings(
        data_dir=folder / "data",
        database_url=url,
        smtp_url=f"smtp://127.0.0.1:{port}",  # type: ignore[arg-type]
        mail_from="Praktijkbank <noreply@praktijkbank.test>",
        public_url="https://praktijkbank.test",
    )
    database = Database.open(url)
    build(database, args.people, args.notifications, random.Random(21))
    runner = JobRunner(database.sessions, lambda: None, outbox.handlers(settings), settings=settings)  # type: ignore[arg-type,return-value]

    load_before = os.getloadavg()
    rows = []
    monitor = CpuMonitor()
    started = time.perf_counter()
    with unit_of_work(database.sessions) as session:
        queued = outbox.queue_digests(session, utcnow())
    scheduled = time.perf_counter() - started
    rows.append(["schedule (who has news, queue)", str(queued), f"{scheduled:.2f}", ""])
    for frequency in (MailFrequency.DAILY, MailFrequency.WEEKLY):
        before = receiver.received
        t0 = time.perf_counter()
        with unit_of_work(database.sessions) as session:  # only this frequency's jobs are due
            other = "weekly" if frequency is MailFrequency.DAILY else "daily"
            session.execute(
                update(Job)
                .where(Job.kind == outbox.DIGEST_JOB, Job.done_at.is_(None), Job.key.like(f"%:{other}:%"))
                .values(due_at=utcnow() + timedelta(days=1))
            )
        runner.drain()
        seconds = time.perf_counter() - t0
        sent = receiver.received - before
        rows.append([f"{frequency.value} digests sent", str(sent), f"{seconds:.2f}", f"{1000 * seconds / sent:.0f}"])
        with unit_of_work(database.sessions) as session:
            session.execute(
                update(Job).where(Job.kind == outbox.DIGEST_JOB, Job.done_at.is_(None)).values(due_at=utcnow())
            )
    total = time.perf_counter() - started
    cores = monitor.describe()
    load_after = os.getloadavg()
    controller.stop()
    database.close()
    print(f"{args.people} people, {args.notifications} notifications each over a week ({url.split(':')[0]})")
    print(table(["step", "mails/jobs", "seconds", "ms per digest"], rows))
    print(f"total {total:.2f} s; {receiver.received} mails, {receiver.bytes / 1e6:.1f} MB; {cores}")
    print(
        f"load average before {load_before[0]:.2f} {load_before[1]:.2f}, after {load_after[0]:.2f} {load_after[1]:.2f}"
    )


if __name__ == "__main__":
    main()
