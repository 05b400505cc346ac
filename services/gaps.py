"""Knowledge gaps: searches and questions that found nothing good, counted per theme and day.

Nothing of the question is kept: no text, no person, only the nearest theme and a count.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy.orm import Session

from core import metrics
from core.settings import BUNDLED_MODEL, USE_MULTILINGUAL
from indexing.embedder import model_family
from indexing.search import HybridSearcher, best_similarity
from schemas.network import GapRead
from services.access import AccessPolicy
from storage.models import Practice
from storage.repositories import questions as questions_repo
from storage.repositories.practices import PracticeFilters

# Below this cosine to the best passage, the network had nothing good. Cosines are a model's own scale, so the
# bar is measured per model: the best-passage cosine of the 54 seed-nl questions against 10 off-topic questions
# ("Hoe repareer ik een lekke fietsband?"). USE multilingual: on-topic p10 0.243 (min 0.193), off-topic max 0.182.
# The bundled English model does not separate Dutch questions (on-topic min 0.536, off-topic max 0.678); its bar
# only catches questions far from everything.
GAP_SIMILARITY = {USE_MULTILINGUAL: 0.2, BUNDLED_MODEL: 0.45}


def gap_similarity(model: str) -> float:
    return GAP_SIMILARITY.get(model_family(model), 0.45)


def count_if_weak(
    session: Session,
    searcher: HybridSearcher,
    practices: list[Practice],
    query: list[float],
    filters: PracticeFilters,
    *,
    kind: str,
) -> bool:
    metrics.SEARCHES.labels(kind).inc()
    if not practices:
        metrics.ZERO_RESULTS.labels(kind).inc()
    best = best_similarity(searcher.index, practices[0].id, query) if practices else 0.0
    if best >= gap_similarity(searcher.embedder.name):
        return False
    metrics.WEAK_SEARCHES.labels(kind).inc()
    if filters.themes:
        theme = filters.themes[0]
    elif practices and practices[0].tag_values("theme"):
        theme = practices[0].tag_values("theme")[0]  # the nearest theme, even when the practice is no good match
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
