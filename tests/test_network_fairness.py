"""A fairer network: people and communities by evidence for *this* question, reasons strongest first."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from services.confidence import LABEL_ORDER, Label, at_least, shown_rank
from services.network import _Expertise, _Item, _stamp
from storage.models import Person

QUESTIONS = {
    e["practices"][0]: e
    for e in yaml.safe_load((Path(__file__).parent / "data" / "network_questions.yaml").read_text(encoding="utf-8"))
}


@pytest.mark.parametrize(
    "slug", ["woningaanpassing-eerst-woonwensengesprek-verhuizen", "mantelzorgers-belronde-na-ziekenhuisopname"]
)
def test_a_prolific_author_does_not_appear_for_an_unrelated_question(seeded_client: TestClient, slug: str) -> None:
    # Joost van Dijk wrote six seed practices, all on families, youth and neighbourhood teams; before, he stood in
    # 14 of 18 top-5 lists. Housing adaptation for the elderly and carers after a hospital stay are not his work.
    body = seeded_client.post("/api/v1/ask", json={"question": QUESTIONS[slug]["question"]}).json()
    names = [p["person"]["name"] for p in body["people"]]
    assert "Joost van Dijk" not in names
    assert set(QUESTIONS[slug]["people"]) <= set(names)
    assert body["people"][0]["label"] in ("sterk", "mogelijk")


def _applied(title: str, relevance: float, year: int) -> _Item:
    when = date(year, 3, 1)
    return _Item(relevance, None, relevance, f"paste ‘{title}’ toe ({year})", _stamp(when))


def test_reasons_show_the_decisive_application_first_and_titles_by_relevance() -> None:
    entry = _Expertise(Person(name="Tineke"))
    # four applications: the oldest is of exactly the matching practice; newest-first and a cap of three cut it
    entry.applied = [
        _applied("Buurtkamer", 0.05, 2025),
        _applied("Huisbezoek bij een eerste betalingsachterstand", 0.9, 2019),
        _applied("Taalcafé", 0.04, 2024),
        _applied("Fietsmaatjes", 0.03, 2023),
    ]
    entry.wrote = [
        _Item(0.1, Label.WEAK, 0.1, "‘Minder relevant’", 2.0),
        _Item(0.6, Label.STRONG, 0.6, "‘Het meest relevant’", 1.0),
        _Item(0.3, Label.POSSIBLE, 0.3, "‘Half relevant’", 3.0),
    ]
    reasons = entry.reasons()
    assert reasons[0] == "paste ‘Huisbezoek bij een eerste betalingsachterstand’ toe (2019)"
    assert reasons[1] == "schreef 3 verwante praktijken: ‘Het meest relevant’; ‘Half relevant’; ‘Minder relevant’"
    assert "Fietsmaatjes" not in " ".join(reasons)  # the least relevant is the one cut


def test_volume_does_not_outweigh_one_strong_match() -> None:
    prolific, focused = _Expertise(Person(name="Veel")), _Expertise(Person(name="Raak"))
    prolific.wrote = [_Item(0.15, Label.WEAK, 0.15, f"‘p{i}’") for i in range(12)]
    focused.wrote = [_Item(0.7, Label.STRONG, 0.7, "‘raak’")]
    assert focused.score(authored=1) > prolific.score(authored=12)
    # with equal evidence, the one whose work is mostly about this ranks higher
    same = [_Item(0.5, Label.STRONG, 0.5, "‘x’")]
    prolific.wrote, focused.wrote = same, same
    assert focused.score(authored=1) > prolific.score(authored=12)


def test_one_order_of_labels() -> None:
    """Lists show 'sterk' first; people, communities and look-alikes need 'mogelijk' or better, never no label."""
    assert [shown_rank(label) for label in LABEL_ORDER] == [0, 1, 2]
    assert [at_least(label, Label.POSSIBLE) for label in (*LABEL_ORDER, None)] == [True, True, False, False]
