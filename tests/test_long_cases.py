"""A case in the professional's own words: three to six sentences about a real situation, Dutch or English, often in
other words than the practice uses and sometimes answered only in the other language. On the held-out half of the
judged cases (``benchmarks/data/cases``, never used to fit anything) the right practice is found, it is labelled so
that a person trusts it, and the people behind it follow; long out-of-domain cases still get nothing strong and
nobody. The measured figures are in the README ("Search quality and the model"); the bars here sit a little below
them, so a change that makes long questions worse fails.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from benchmarks.cases import Question, load_cases, load_out_of_domain
from tests.conftest import TEST_PROFILE

pytestmark = [
    pytest.mark.sqlite_pass,  # ranking and labels: the SQL backend cannot change them
    pytest.mark.skipif(
        not TEST_PROFILE.calibration, reason=f"no calibration for {TEST_PROFILE.name} (benchmarks/calibrate.py)"
    ),
]
HELD_OUT = load_cases("held_out")
SHOWN = ("sterk", "mogelijk")
MOTHER = (
    "Een moeder van drie kinderen belt in paniek: de energieleverancier dreigt af te sluiten, ze heeft een "
    "betalingsregeling bij de woningcorporatie die ze niet kan nakomen en ze durft haar post niet meer te openen. "
    "Wat kan ik als wijkcoach deze week doen?"
)


def answers(case: Question) -> set[str]:
    return {slug for slug, grade in case.grades.items() if grade >= 2}


@pytest.fixture(scope="module")
def searched(seeded_client: TestClient) -> dict[str, list[dict]]:
    """The first page of hits of every held-out case, as the API gives it."""
    found = {}
    for case in HELD_OUT:
        response = seeded_client.get("/api/v1/search", params={"q": case.text})
        assert response.status_code == 200, response.text
        found[case.id] = response.json()["hits"]
    return found


def right_in_top_3(case: Question, hits: list[dict]) -> dict | None:
    return next((h for h in hits[:3] if h["practice"]["slug"] in answers(case)), None)


def test_the_held_out_set_is_long_bilingual_and_judged() -> None:
    assert len(HELD_OUT) >= 40
    assert sum(case.words > 40 for case in HELD_OUT) >= 25
    assert sum(case.language == "en" for case in HELD_OUT) >= 8
    assert all(answers(case) for case in HELD_OUT)


def test_long_cases_find_their_practice(searched: dict[str, list[dict]]) -> None:
    """A practice that answers the case is among the first three (the measured share: README)."""
    found = [case.id for case in HELD_OUT if right_in_top_3(case, searched[case.id])]
    assert len(found) >= 0.85 * len(HELD_OUT), f"{len(found)}/{len(HELD_OUT)}"


def test_the_right_practice_is_labelled_so_that_it_is_trusted(searched: dict[str, list[dict]]) -> None:
    """Of the cases whose answer is in the top 3, that answer is 'sterk' or 'mogelijk' (the bar of the issue:
    85 %), whatever the length of the case."""
    right = [hit for case in HELD_OUT if (hit := right_in_top_3(case, searched[case.id]))]
    trusted = [hit for hit in right if hit["label"] in SHOWN]
    assert len(trusted) >= 0.85 * len(right), f"{len(trusted)}/{len(right)}"


def test_a_list_never_shows_a_weaker_label_above_a_stronger_one(searched: dict[str, list[dict]]) -> None:
    order = {"sterk": 0, "mogelijk": 1, "zwak": 2}
    for case_id, hits in searched.items():
        ranks = [order[h["label"]] for h in hits]
        assert ranks == sorted(ranks), (case_id, ranks)


def test_across_languages_the_pair_labels_the_right_practice(searched: dict[str, list[dict]]) -> None:
    """Cases answered only in the other language (a Dutch case, an English practice, or the reverse): the cross
    leg finds the practice and its own calibration labels it."""
    crossing = [case for case in HELD_OUT if case.cross_language]
    assert len(crossing) >= 10
    right = [hit for case in crossing if (hit := right_in_top_3(case, searched[case.id]))]
    assert len(right) >= 0.8 * len(crossing), f"{len(right)}/{len(crossing)}"
    assert sum(hit["label"] in SHOWN for hit in right) >= 0.8 * len(right)


def test_people_and_communities_follow_a_matched_practice(seeded_client: TestClient) -> None:
    """When the answer is found and trusted, the people and communities who know it are suggested: the expected
    ones are among the first five for most cases, each with a reason that names what they did."""
    expected = [case for case in HELD_OUT if case.people or case.communities]
    reached = 0
    for case in expected:
        body = seeded_client.post("/api/v1/ask", json={"question": case.text, "limit": 5}).json()
        names = {p["person"]["name"] for p in body["people"]} | {c["community"]["name"] for c in body["communities"]}
        reached += bool(names & {*case.people, *case.communities})
        for person in body["people"]:
            assert person["reasons"] and person["label"] in SHOWN, person
    assert reached >= 0.85 * len(expected), f"{reached}/{len(expected)}"


@pytest.mark.parametrize("case", load_out_of_domain("held_out"), ids=lambda case: case.id)
def test_out_of_domain_cases_get_nothing_strong_and_nobody(seeded_client: TestClient, case: Question) -> None:
    search = seeded_client.get("/api/v1/search", params={"q": case.text}).json()
    assert search["nothing_strong"] is True
    assert all(hit["label"] == "zwak" for hit in search["hits"]), [
        (h["practice"]["slug"], h["label"]) for h in search["hits"]
    ]
    asked = seeded_client.post("/api/v1/ask", json={"question": case.text}).json()
    assert asked["people"] == [] and asked["communities"] == []


def test_the_mother_who_no_longer_opens_her_post(seeded_client: TestClient) -> None:
    """The issue's own case: the practice of early signals and a home visit is found and trusted, its people are
    suggested, and the snippets mark the words of the need, not "week", "drie" or "wijkcoach"."""
    hits = seeded_client.get("/api/v1/search", params={"q": MOTHER}).json()["hits"]
    top = {h["practice"]["slug"]: h for h in hits[:3]}
    assert "vroegsignalering-huisbezoek-binnen-tien-werkdagen" in top, list(top)
    assert top["vroegsignalering-huisbezoek-binnen-tien-werkdagen"]["label"] in SHOWN
    for hit in hits:
        marked = {hit["snippet"][m["start"] : m["end"]].lower() for m in hit["highlights"]}
        assert not marked & {"week", "drie", "wijkcoach", "doen", "kan"}, marked
    body = seeded_client.post("/api/v1/ask", json={"question": MOTHER, "limit": 5}).json()
    assert body["people"], body
