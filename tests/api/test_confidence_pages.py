"""Confidence on the pages, over the seed practices and their network (the default model's calibration): every hit,
person and community carries its label in words; when nothing is 'sterk' the page says so and offers to ask the
network, by the same rule as the API's ``nothing_strong``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from api.web.texts import t
from services.confidence import calibration_for
from services.runtime import Runtime

DATA = Path(__file__).parent.parent / "data"
OUT_OF_DOMAIN: list[str] = yaml.safe_load((DATA / "out_of_domain.yaml").read_text(encoding="utf-8"))
JUDGED = yaml.safe_load((DATA / "questions_a.yaml").read_text(encoding="utf-8"))
STRONG = JUDGED[0]["question"]  # the scheidingsspreekuur: 'sterk' in the API (tests/test_confidence.py)
NOTHING_STRONG = t("results.nothing_strong")
BADGES = {label: t(f"relevance.{label}") for label in ("sterk", "mogelijk", "zwak")}


@pytest.fixture(scope="module", autouse=True)
def calibrated(seeded_runtime: Runtime) -> None:
    if calibration_for(seeded_runtime.searcher.family) is None:
        pytest.skip(f"no calibration for {seeded_runtime.searcher.family} (benchmarks/calibrate.py --write)")


def hits_of(html: str) -> list[str]:
    return re.findall(r'<article class="pb-hit">(.*?)</article>', html, flags=re.S)


def badge_of(fragment: str) -> str | None:
    found = re.findall(r'class="utrecht-status-badge[^"]*pb-relevance[^"]*">([^<]+)<', fragment)
    assert len(found) <= 1, fragment
    return found[0] if found else None


def entries(panel: str, href: str) -> list[str]:
    """The list items of the network panel that link to ``href`` (people: /mensen/, communities: /gemeenschappen/)."""
    return [li for li in re.findall(r"<li>(.*?)</li>", panel, flags=re.S) if f'href="{href}' in li]


def test_a_strong_question_shows_sterk_on_its_first_hit_and_no_warning(seeded_client: TestClient) -> None:
    html = seeded_client.get("/", params={"q": STRONG}).text
    hits = hits_of(html)
    assert hits and badge_of(hits[0]) == BADGES["sterk"]
    assert JUDGED[0]["slug"] in hits[0]
    assert all(badge_of(hit) in BADGES.values() for hit in hits)  # every hit says how well it fits, in words
    assert NOTHING_STRONG not in html


def test_each_hit_shows_the_label_the_api_gives_it(seeded_client: TestClient) -> None:
    for question in (STRONG, JUDGED[5]["question"], "mantelzorg", OUT_OF_DOMAIN[3]):
        api = seeded_client.get("/api/v1/search", params={"q": question, "limit": 50}).json()
        shown = [badge_of(hit) for hit in hits_of(seeded_client.get("/", params={"q": question}).text)]
        assert shown == [BADGES[h["label"]] for h in api["hits"][:10]], question


@pytest.mark.parametrize("question", OUT_OF_DOMAIN)
def test_out_of_domain_says_nothing_is_strong_offers_to_ask_and_suggests_nobody(
    seeded_client: TestClient, question: str
) -> None:
    html = seeded_client.get("/", params={"q": question}).text
    assert html.count(NOTHING_STRONG) == 1  # one message, above the results
    message_at = html.index(NOTHING_STRONG)
    assert all(html.index(hit) > message_at for hit in hits_of(html))
    button = re.search(r'<a class="utrecht-button-link[^"]*" href="/vragen/nieuw\?vraag=([^"]+)">([^<]+)</a>', html)
    assert button and button.group(2) == t("results.ask_button")
    assert BADGES["sterk"] not in html

    panel = seeded_client.get("/netwerk", params={"q": question}).text
    assert entries(panel, "/mensen/") == [] and entries(panel, "/gemeenschappen/") == []
    assert BADGES["sterk"] not in panel
    assert t("network.empty") in panel  # said, even when earlier questions are listed below

    ask = seeded_client.get("/vragen/nieuw", params={"vraag": question}).text
    assert NOTHING_STRONG in ask and 'href="#stellen"' in ask and BADGES["sterk"] not in ask


def test_the_page_message_follows_the_api_rule(seeded_client: TestClient) -> None:
    """One rule (services/confidence.py): the page warns exactly when the API says nothing_strong for the same
    hits, including a short keyword query whose words the best hit holds."""
    questions = [STRONG, JUDGED[1]["question"], JUDGED[5]["question"], "mantelzorg", "schuldhulp jongeren",
                 *OUT_OF_DOMAIN[:4]]  # fmt: skip
    verdicts = set()
    for question in questions:
        api = seeded_client.get("/api/v1/search", params={"q": question, "limit": 50}).json()
        html = seeded_client.get("/", params={"q": question}).text
        assert (NOTHING_STRONG in html) is api["nothing_strong"], question
        verdicts.add(api["nothing_strong"])
    assert verdicts == {True, False}  # both sides of the rule were seen


def test_people_and_communities_in_the_panel_carry_their_label(seeded_client: TestClient) -> None:
    api = seeded_client.post("/api/v1/ask", json={"question": STRONG, "limit": 4}).json()
    panel = seeded_client.get("/netwerk", params={"q": STRONG}).text
    people, communities = entries(panel, "/mensen/"), entries(panel, "/gemeenschappen/")
    assert people and communities and t("network.empty") not in panel
    assert [badge_of(li) for li in people] == [BADGES[p["label"]] for p in api["people"]]
    assert [badge_of(li) for li in communities] == [BADGES[c["label"]] for c in api["communities"]]
    assert BADGES["sterk"] in (badge_of(people[0]), badge_of(communities[0]))
    # Earlier questions carry no label: only people, communities and practices are judged for the reader.
    assert all(badge_of(li) is None for li in entries(panel, "/vragen/"))


def test_the_ask_page_labels_its_practices(seeded_client: TestClient) -> None:
    html = seeded_client.get("/vragen/nieuw", params={"vraag": STRONG}).text
    cards = re.findall(r'<li class="pb-card">(.*?)</li>', html, flags=re.S)
    assert cards and badge_of(cards[0]) == BADGES["sterk"]
    assert all(badge_of(card) in BADGES.values() for card in cards)
    assert NOTHING_STRONG not in html


def test_a_count_of_one_reads_as_dutch() -> None:
    assert t("questions.answers", count=1) == "1 antwoord"
    assert t("questions.answers", count=0) == "0 antwoorden"
    assert t("results.count", count=1) == "1 verwante praktijk"
    assert t("results.count", count=3) == "3 verwante praktijken"
    assert t("home.applied_count", count=1) == "1× toegepast"  # no singular form needed
