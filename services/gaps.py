"""Knowledge gaps: searches and questions that found nothing good, counted per theme and day.

Nothing of the question is kept: no text, no person, only the nearest theme and a count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from core import metrics
from schemas.network import GapRead
from services.access import AccessPolicy
from services.confidence import Label, nothing_strong
from storage.repositories import questions as questions_repo
from storage.repositories.practices import HitRow, PracticeFilters


class Judged(Protocol):
    """A hit as a gap sees it: its practice and its label. Search counts gaps, so gaps names no search type."""

    @property
    def practice(self) -> HitRow: ...

    @property
    def label(self) -> Label | None: ...


def count_if_weak(
    session: Session,
    hits: Sequence[Judged],
    filters: PracticeFilters,
    *,
    kind: str,
    also_strong: bool = False,
) -> bool:
    """Count a gap when no hit is 'sterk' (``also_strong``: something else, e.g. an earlier question, was)."""
    metrics.SEARCHES.labels(kind).inc()
    if not hits:
        metrics.ZERO_RESULTS.labels(kind).inc()
    # Unlabelled hits (nothing_strong None) say nothing either way: no gap.
    if also_strong or nothing_strong([h.label for h in hits]) is not True:
        return False
    metrics.WEAK_SEARCHES.labels(kind).inc()
    if filters.themes:
        theme = filters.themes[0]
    elif hits and hits[0].practice.tag_values("theme"):
        theme = hits[0].practice.tag_values("theme")[0]  # the nearest theme, even when the practice is no good match
    else:
        theme = "onbekend"
    questions_repo.count_gap(session, date.today(), theme, kind)
    return True


def gaps(session: Session, policy: AccessPolicy, days: int) -> list[GapRead]:
    """Counts per theme of weak searches and questions (no text): for signed-in users."""
    policy.require_signed_in()
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {"search": 0, "ask": 0})
    for theme, kind, count in questions_repo.gaps(session, date.today() - timedelta(days=days)):
        totals[theme][kind] += count
    rows = [GapRead(theme=t, searches=c["search"], questions=c["ask"]) for t, c in totals.items()]
    return sorted(rows, key=lambda g: -(g.searches + g.questions))
