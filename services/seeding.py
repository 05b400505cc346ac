"""Seed practices on the first start of an empty installation."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from services.demo import create_demo_accounts
from services.network_seed import import_network
from services.transfer import ImportReport, import_records, read_records
from storage.database import unit_of_work
from storage.models import Organisation, Practice

logger = logging.getLogger(__name__)


def is_empty(session: Session) -> bool:
    practices = session.scalar(select(func.count()).select_from(Practice)) or 0
    organisations = session.scalar(select(func.count()).select_from(Organisation)) or 0
    return practices == 0 and organisations == 0


def import_path(
    session: Session, path: Path, *, progress: Callable[[], object] | None = None
) -> tuple[ImportReport, dict[str, int]]:
    """Practices from a folder of Markdown files or a JSONL file, then (for a folder with a ``network/`` beside
    them) the people's questions, answers, applications and feedback that refer to those practices."""
    report = import_records(session, read_records(path), progress=progress)
    network = import_network(session, path / "network") if (path / "network").is_dir() else {}
    return report, network


def seed_if_empty(sessions: sessionmaker[Session], folder: Path, *, demo: bool = False) -> ImportReport | None:
    with unit_of_work(sessions) as session:
        if not is_empty(session):
            return None
        if not folder.is_dir():
            logger.warning("seed folder %s not found; starting empty", folder)
            return None
        report, _network = import_path(session, folder)
        demo_lines = create_demo_accounts(session) if demo else []
    for line in demo_lines:
        print(f"demo account: {line}")
    logger.info("seeded %d practices from %s (%d errors)", report.created, folder, len(report.errors))
    for error in report.errors:
        logger.warning("seed: %s", error)
    return report
