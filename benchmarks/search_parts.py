"""Where one search's time goes, in this process, on a filled data dir: the steps of ``services.search.find`` timed
one by one on the same questions as ``search_latency.py`` (anonymous, hybrid, page 1 of 10).

  encode        both query embeddings and the words (``HybridSearcher.encode``, query cache off)
  legs          the engine legs and the fusion (``HybridSearcher.search``)
  judge (every hit)  the labels as before issue 22: every hit a dense leg did not list whose bound clears the
                floor gets its closest passage looked up (a second engine round)
  boost         how many organisations applied each hit (one SQL query)
  judge (page)  the labels as search now judges them: looked up only where the label could change the page
  order         the shown order and the cut
  rows          the ten shown hits from SQL (``storage.repositories.practices.hits``), and for comparison the
                ORM loading it replaced (``rows (ORM)``, kept here as the reference)
  shape         the API's hit objects: ``PracticeSummary`` validation and the passage (``to_search_hit``)
  find          the whole use case, end to end

    python benchmarks/search_parts.py --data-dir /tmp/pb-10k [--rounds 5]

The data dir's embedded index is opened by this process: stop a service that uses it first.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import table  # noqa: E402
from benchmarks.search_latency import QUESTIONS, percentile  # noqa: E402


def orm_hits(session, ids: Sequence[uuid.UUID], access):  # type: ignore[no-untyped-def]
    """The hit loader before issue 22: ORM objects with organisation and community joined, tags selected."""
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload, selectinload

    from storage.models import Practice

    options = [joinedload(Practice.organisation), joinedload(Practice.community), selectinload(Practice.tags)]
    return {p.id: p for p in session.scalars(select(Practice).where(Practice.id.in_(ids), access).options(*options))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds over the questions (one more first)")
    args = parser.parse_args()

    from core.settings import Settings
    from indexing.search import SearchMode
    from services import search as search_service
    from services.access import ANONYMOUS, AccessPolicy
    from services.confidence import calibration_for
    from services.runtime import Runtime
    from storage.repositories import practices as repo
    from storage.repositories.practices import PracticeFilters

    runtime = Runtime.build(Settings(data_dir=args.data_dir, query_cache_size=0))
    searcher = runtime.searcher
    policy = AccessPolicy(ANONYMOUS)
    times: dict[str, list[float]] = defaultdict(list)
    second_round = [0, 0]  # searches that looked up closest passages: judging every hit, judging for the page
    second_docs: list[list[int]] = [[], []]
    looked_up = [0]
    closest = searcher.closest

    def counted(doc_ids, *args, **kwargs):  # type: ignore[no-untyped-def]
        looked_up[0] += len(doc_ids)
        return closest(doc_ids, *args, **kwargs)

    searcher.closest = counted  # type: ignore[method-assign]
    searches = 0
    assert calibration_for(searcher.family) is not None, "the model has no calibration: nothing to judge"
    try:
        for measured in [False] + [True] * args.rounds:
            for text in QUESTIONS:
                with runtime.database.unit_of_work() as session:
                    clock = time.perf_counter
                    t0 = clock()
                    flt = search_service.index_filter(session, PracticeFilters(), policy)
                    vectors = searcher.encode(text, SearchMode.HYBRID)
                    t1 = clock()
                    hits = searcher.search(text, flt, limit=None, mode=SearchMode.HYBRID, vectors=vectors, depth=10)
                    t2 = clock()
                    looked_up[0] = 0
                    search_service.judge(searcher, hits, vectors, text)  # every hit judged (before issue 22)
                    every = looked_up[0]
                    t3 = clock()
                    looked_up[0] = 0
                    hits = search_service.boost_applied(session, hits)
                    t4 = clock()
                    judged = search_service.judge(searcher, hits, vectors, text, wanted=10)
                    paged = looked_up[0]
                    t4b = clock()
                    kept = [h for h in hits if h.doc_id in judged and judged[h.doc_id].label is not None]
                    ordered = search_service.in_shown_order(kept, judged)[:10]
                    t5 = clock()
                    ids = [h.doc_id for h in ordered]
                    repo.hits(session, ids, policy.practice_clause())
                    t6 = clock()
                    orm_hits(session, ids, policy.practice_clause())
                    t7 = clock()
                    shown = search_service.resolve_hits(session, ordered, policy, text, searcher, judged)
                    t8 = clock()
                    [search_service.to_search_hit(h) for h in shown]
                    t9 = clock()
                    search_service.find(
                        session, searcher, policy, text, PracticeFilters(), limit=10, offset=0, mode=SearchMode.HYBRID,
                        again=True,
                    )  # fmt: skip
                    t10 = clock()
                    session.rollback()
                if not measured:
                    continue
                searches += 1
                second_round[0] += bool(every)
                second_round[1] += bool(paged)
                second_docs[0].append(every)
                second_docs[1].append(paged)
                for name, (a, b) in {
                    "encode": (t0, t1), "legs": (t1, t2), "judge (every hit)": (t2, t3), "boost": (t3, t4),
                    "judge (page)": (t4, t4b), "order": (t4b, t5), "rows": (t5, t6),
                    "rows (ORM)": (t6, t7), "resolve (rows + judged)": (t7, t8),
                    "shape": (t8, t9), "find": (t9, t10),
                }.items():  # fmt: skip
                    times[name].append((b - a) * 1000)
        documents = runtime.index.documents()
    finally:
        runtime.close()
    print(
        f"{searches} searches ({len(QUESTIONS)} questions x {args.rounds}), {documents} documents; "
        f"closest passages looked up in {second_round[0]} searches judging every hit "
        f"({sum(second_docs[0]) / searches:.1f} documents a search), in {second_round[1]} judging for the page "
        f"({sum(second_docs[1]) / searches:.1f} documents a search)"
    )
    rows = [
        [name, f"{percentile(ms, 50):.2f}", f"{percentile(ms, 95):.2f}", f"{sum(ms) / len(ms):.2f}"]
        for name, ms in times.items()
    ]
    print(table(["step", "p50 ms", "p95 ms", "mean ms"], rows))


if __name__ == "__main__":
    main()
