"""A SIGKILL while sending: a separate process sends a batch of mails through the job runner to a real SMTP server
on 127.0.0.1, is killed with SIGKILL several times in the middle, and started again until the outbox is empty.
Counted at the receiver, by Message-ID: nothing is lost; a duplicate can only come from a kill between the
server's acceptance and the commit of "sent" (milliseconds), and then its job says so ("sent again")."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from core.settings import PROJECT_ROOT
from core.vocab import NotificationKind
from services.mail import outbox
from storage.database import Database
from tests.conftest import PgDatabases, make_database_url
from tests.mail_world import PUBLIC_URL, SENDER, Outbox, mail_settings
from tests.smtp import Receiver, smtp_server

BATCH = 120
KILLS = 4


class SlowReceiver(Receiver):
    """A server that takes its time to accept a message: the window a kill must hit to make a duplicate, widened."""

    delay: float = 0.0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


def start_sender(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.mail_sender"],
        cwd=PROJECT_ROOT,
        env=os.environ | env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
@pytest.mark.parametrize("accept_seconds", [0.0, 0.02], ids=["prompt-server", "server-takes-20ms"])
def test_a_sigkill_while_sending_loses_nothing_and_every_duplicate_is_accounted_for(
    tmp_path: Path, pg_databases: PgDatabases | None, accept_seconds: float
) -> None:
    url = make_database_url(tmp_path / "db", pg_databases)
    db = Database.open(url)
    with smtp_server() as receiver:
        receiver.__class__ = SlowReceiver  # the same running server, now slow to accept
        receiver.delay = accept_seconds  # type: ignore[attr-defined]
        world = Outbox(db, mail_settings(tmp_path, url, receiver.url))
        question = world.question()
        for n in range(BATCH):
            world.notify(world.person(f"collega{n:03d}"), NotificationKind.ANSWER, question)
        assert len(world.jobs(outbox.MAIL_JOB)) == BATCH
        env = {
            "PRAKTIJKBANK_DATABASE_URL": url,
            "PRAKTIJKBANK_DATA_DIR": str(tmp_path / "data"),
            "PRAKTIJKBANK_SMTP_URL": receiver.url,
            "PRAKTIJKBANK_MAIL_FROM": SENDER,
            "PRAKTIJKBANK_PUBLIC_URL": PUBLIC_URL,
        }
        rng = random.Random(21)
        kills = 0
        for target in sorted(rng.sample(range(10, BATCH - 10), KILLS)):
            sender = start_sender(env)
            deadline = time.monotonic() + 120
            while len(receiver.messages()) < target and sender.poll() is None and time.monotonic() < deadline:
                time.sleep(0.001)
            time.sleep(rng.uniform(0, 0.03))  # somewhere inside the conversation of the next mail
            if sender.poll() is None:
                sender.send_signal(signal.SIGKILL)
                kills += 1
            sender.wait(30)
        finished = start_sender(env)
        _, err = finished.communicate(timeout=300)
        assert finished.returncode == 0, err.decode()

        ids = Counter(r.message["Message-ID"] for r in receiver.messages())
        per_person = Counter(r.recipients[0] for r in receiver.messages())
        outcomes = Counter(j.outcome for j in world.jobs(outbox.MAIL_JOB))
    db.close()
    lost = BATCH - len(ids)
    duplicates = sum(ids.values()) - len(ids)
    print(
        f"\ncrash test ({'accepts at once' if not accept_seconds else f'server accepts after {accept_seconds}s'}): "
        f"{BATCH} mails, {kills} SIGKILLs, {sum(ids.values())} received, {len(ids)} distinct, lost {lost}, "
        f"duplicates {duplicates}, jobs {dict(outcomes)}"
    )
    assert kills == KILLS  # each kill landed while the batch was being sent
    assert lost == 0 and len(per_person) == BATCH
    assert outcomes[outbox.SENT_AGAIN] <= kills
    assert duplicates <= outcomes[outbox.SENT_AGAIN]  # every duplicate was one the service logged as possible
    assert sum(outcomes.values()) == BATCH and set(outcomes) <= {"sent", outbox.SENT_AGAIN}
