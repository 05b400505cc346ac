"""How concentrated the network view is: on the professional questions of ``tests/data/network_questions.yaml``,
how often each person and community appears in the top 5 of ``/ask``, and how often the judged ones do.

The seed practices and their network are imported into a throw-away data folder; each question is asked through
``services.network.ask`` as an anonymous visitor.

    python benchmarks/network_concentration.py
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.settings import Settings  # noqa: E402
from services.access import ANONYMOUS, AccessPolicy  # noqa: E402
from services.network import ask  # noqa: E402
from services.network_seed import import_network  # noqa: E402
from services.runtime import Runtime  # noqa: E402
from services.transfer import import_records, read_records  # noqa: E402
from storage.database import unit_of_work  # noqa: E402
from storage.repositories.practices import PracticeFilters  # noqa: E402

TOP = 5


def main() -> None:
    questions = yaml.safe_load((ROOT / "tests" / "data" / "network_questions.yaml").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="concentration-") as folder:
        runtime = Runtime.build(Settings(data_dir=Path(folder), database_url=None))
        try:
            with unit_of_work(runtime.sessions) as session:
                import_records(session, read_records(ROOT / "seed_practices"))
                import_network(session, ROOT / "seed_practices" / "network")
            runtime.worker.drain()
            people: Counter[str] = Counter()
            circles: Counter[str] = Counter()
            judged_people = judged_circles = wanted_people = wanted_circles = 0
            empty_people = 0
            for entry in questions:
                with unit_of_work(runtime.sessions) as session:
                    body = ask(
                        session,
                        runtime.searcher,
                        AccessPolicy(ANONYMOUS),
                        entry["question"],
                        PracticeFilters(),
                        limit=TOP,
                    )
                names = [p.person.name for p in body.people]
                communities = [c.community.name for c in body.communities]
                people.update(names)
                circles.update(communities)
                empty_people += not names
                wanted_people += len(entry.get("people", []))
                judged_people += sum(n in names for n in entry.get("people", []))
                wanted_circles += len(entry.get("communities", []))
                judged_circles += sum(n in communities for n in entry.get("communities", []))
        finally:
            runtime.close()
    n = len(questions)
    print(f"model: {runtime.embedder.name}; {n} questions, top {TOP} people and communities each")
    print("most frequent people:     " + "; ".join(f"{name} {c}/{n}" for name, c in people.most_common(4)))
    print("most frequent communities: " + "; ".join(f"{name} {c}/{n}" for name, c in circles.most_common(4)))
    print(f"judged people in the top {TOP}: {judged_people}/{wanted_people}")
    print(f"judged communities in the top {TOP}: {judged_circles}/{wanted_circles}")
    print(f"questions without any person: {empty_people}/{n}")


if __name__ == "__main__":
    main()
