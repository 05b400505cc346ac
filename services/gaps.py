"""Knowledge gaps: searches and questions that found nothing good, counted per theme and day.

Nothing of the question is kept: no text, no person, only the nearest theme and a count.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy.orm import Session

from indexing.search import HybridSearcher, best_similarity
from schemas.network import GapRead
from storage.models import Practice
from storage.repositories import questions as questions_repo
from storage.repositories.practices import PracticeFilters

GAP_SIMILARITY = 0.45  # below this cosine to the best passage, the network had nothing good (bundled model)


def count_if_weak(
    session: Session,
    searcher: HybridSearcher,
    practices: list[Practice],
    query: list[float],
    filters: PracticeFilters,
    *,
    kind: str,
) -> bool:
    best = best_similarity(searcher.index, practices[0].id, query) if practices else 0.0
    if best >= GAP_SIMILARITY:
        return False
    if filters.themes:
        theme = filters.themes[0]
    elif practices and practices[0].tag_values("theme"):
        theme = practices[0].tag_values("theme")[0]  # the nearest theme, even when the practice is no good match
    else:
        theme = "onbekend"
    questions_repo.count_gap(session, date.today(), theme, kind)
    return True


def gaps(session: Session, days: int) -> list[GapRead]:
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {"search": 0, "ask": 0})
    for theme, kind, count in questions_repo.gaps(session, date.today() - timedelta(days=days)):
        totals[theme][kind] += count
    rows = [GapRead(theme=t, searches=c["search"], questions=c["ask"]) for t, c in totals.items()]
    return sorted(rows, key=lambda g: -(g.searches + g.questions))
