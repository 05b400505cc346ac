"""Labels from what the ranking legs listed: a search looks up the closest passage of a hit a dense leg did not list
only when its exact label could change what is shown, and shows exactly what judging every hit would show.

The seed bank is small enough for every leg to list every practice, so these tests search it with narrow legs (a
few documents each): most hits are then unlisted by some leg, as in a bank of ten thousand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from indexing.search import HybridSearcher, SearchMode
from services import search as search_service
from services.access import ANONYMOUS, AccessPolicy
from services.confidence import Label, calibration_for
from services.runtime import Runtime
from storage.database import unit_of_work
from storage.repositories.practices import PracticeFilters

DATA = Path(__file__).parent / "data"
QUESTIONS = [
    q["question"]
    for name in ("questions_a.yaml", "questions_b.yaml")
    for q in yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
][:24] + yaml.safe_load((DATA / "out_of_domain.yaml").read_text(encoding="utf-8"))[:4]
PAGES = ((0, 1), (0, 3), (0, 5), (3, 3))  # legs list 16 practices or more: several times a page, as in a large bank


class Counted(HybridSearcher):
    """A searcher with narrow legs that counts the documents whose closest passage it looks up."""

    looked_up = 0

    def closest(self, doc_ids: Any, dense: list[float], using: str = "dense") -> Any:
        Counted.looked_up += len(doc_ids)
        return super().closest(doc_ids, dense, using)


@pytest.fixture(scope="module")
def narrow(seeded_runtime: Runtime) -> HybridSearcher:
    base = seeded_runtime.searcher
    if calibration_for(base.family) is None:
        pytest.skip(f"no calibration for {base.family}")
    return Counted(
        base.index, base.embedder, base.lexical, base.weights, candidates=16, chunks_per_document=2, cross=base.cross
    )


def every_hit_judged(session: Any, searcher: HybridSearcher, question: str, offset: int, limit: int, *, floor: bool):
    """The page as it was before: every hit judged exactly, then ordered and cut."""
    policy = AccessPolicy(ANONYMOUS)
    vectors = searcher.encode(question)
    flt = search_service.index_filter(session, PracticeFilters(), policy)
    hits = searcher.search(question, flt, limit=None, vectors=vectors, depth=offset + limit)
    hits = search_service.boost_applied(session, hits)
    judged = search_service.judge(searcher, hits, vectors, question, floor=floor)
    kept = [h for h in hits if judged[h.doc_id].label is not None]
    return [
        (h.doc_id, judged[h.doc_id].label, round(judged[h.doc_id].relevance, 4))
        for h in search_service.in_shown_order(kept, judged)[offset : offset + limit]
    ]


@pytest.mark.parametrize("floor", [True, False])
def test_a_page_shows_what_judging_every_hit_shows_with_fewer_lookups(
    seeded_runtime: Runtime, narrow: HybridSearcher, floor: bool
) -> None:
    policy = AccessPolicy(ANONYMOUS)
    paged = exhaustive = 0
    labels: set[Label | None] = set()
    with unit_of_work(seeded_runtime.sessions) as session:
        for question in QUESTIONS:
            for offset, limit in PAGES:
                Counted.looked_up = 0
                expected = every_hit_judged(session, narrow, question, offset, limit, floor=floor)
                exhaustive += Counted.looked_up
                Counted.looked_up = 0
                shown = search_service.search(
                    session, narrow, policy, question, PracticeFilters(), limit=limit, offset=offset,
                    mode=SearchMode.HYBRID, floor=floor,
                )  # fmt: skip
                paged += Counted.looked_up
                assert [(h.practice.id, h.label, h.relevance) for h in shown] == expected, (question, offset, limit)
                labels |= {h.label for h in shown}
    # The narrow legs leave most hits unlisted by a dense leg; the page needs few of them looked up.
    assert exhaustive > 0 and paged < exhaustive / 2, (paged, exhaustive)
    assert {Label.STRONG, Label.POSSIBLE, Label.WEAK} <= labels  # every kind of label was on some page


def test_without_a_monotone_calibration_every_hit_is_looked_up(
    seeded_runtime: Runtime, narrow: HybridSearcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    calibration = calibration_for(narrow.family)
    assert calibration is not None and calibration.monotone  # the fitted weights: a higher cosine never hurts
    flipped = type(calibration)({**calibration.same, "margin": -1.0}, calibration.across, *_bars(calibration))
    assert not flipped.monotone
    monkeypatch.setattr(search_service, "calibration_for", lambda family: flipped)
    policy = AccessPolicy(ANONYMOUS)
    with unit_of_work(seeded_runtime.sessions) as session:
        for question in QUESTIONS[:6]:
            Counted.looked_up = 0
            expected = every_hit_judged(session, narrow, question, 0, 3, floor=True)
            exhaustive = Counted.looked_up
            Counted.looked_up = 0
            shown = search_service.search(
                session, narrow, policy, question, PracticeFilters(), limit=3, offset=0, mode=SearchMode.HYBRID
            )
            assert Counted.looked_up == exhaustive
            assert [(h.practice.id, h.label, h.relevance) for h in shown] == expected


def _bars(calibration: Any) -> tuple[float, float, float]:
    return calibration.strong, calibration.possible, calibration.floor
