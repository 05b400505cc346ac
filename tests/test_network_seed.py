"""The seed network: professionals' questions show the expected people and communities, with reasons that name
the practices behind them; answered questions are found, with their answers, by a paraphrase."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select

from services.runtime import Runtime
from storage.models import Answer, Application, Community, Person, Practice, PracticeAuthor, Question
from tests.crosslingual import bridges

DATA = Path(__file__).parent / "data"
QUESTIONS = yaml.safe_load((DATA / "network_questions.yaml").read_text(encoding="utf-8"))
PARAPHRASES = yaml.safe_load((DATA / "paraphrases.yaml").read_text(encoding="utf-8"))


def test_enough_network_questions() -> None:
    assert len([e for e in QUESTIONS if bridges(e["practices"])]) >= 15
    assert len(QUESTIONS) >= 15


@pytest.fixture(scope="module")
def linked(seeded_runtime: Runtime) -> dict[str, set[str]]:
    """Person or community name -> titles of the practices and questions behind it: what they wrote, applied or
    answered; for a community, its practices and questions."""
    queries = [
        select(Person.name, Practice.title).join(PracticeAuthor, PracticeAuthor.person_id == Person.id).join(Practice),
        select(Person.name, Practice.title).join(Application, Application.person_id == Person.id).join(Practice),
        select(Person.name, Question.title).join(Answer, Answer.author_id == Person.id).join(Question),
        select(Community.name, Practice.title).join(Practice, Practice.community_id == Community.id),
        select(Community.name, Question.title).join(Question, Question.community_id == Community.id),
    ]
    found: dict[str, set[str]] = {}
    with seeded_runtime.sessions() as session:
        for query in queries:
            for name, title in session.execute(query):
                found.setdefault(name, set()).add(title)
    return found


def assert_names_its_sources(reason: str, titles: set[str]) -> None:
    """The reason quotes at least one title, and every quote is a title of what lies behind it."""
    quoted = [title for title in titles if f"‘{title}’" in reason]
    assert quoted, f"no practice or question behind it named in {reason!r} (expected one of {sorted(titles)})"
    rest = reason
    for title in quoted:
        rest = rest.replace(f"‘{title}’", "")
    assert "‘" not in rest, f"{reason!r} quotes something not behind it"


@pytest.mark.parametrize("entry", QUESTIONS, ids=[e["practices"][0] for e in QUESTIONS])
def test_network_view_names_the_people_and_communities_who_know(
    seeded_client: TestClient, linked: dict[str, set[str]], entry: dict
) -> None:
    """Unless the model cannot bridge the languages (tests/crosslingual.py): then the English practice, and so
    the people who know it, stay out of the view."""
    response = seeded_client.post("/api/v1/ask", json={"question": entry["question"], "limit": 8})
    assert response.status_code == 200
    body = response.json()
    people = {p["person"]["name"]: p for p in body["people"]}
    if not bridges(entry["practices"]):
        shown = {p["practice"]["slug"] for p in body["practices"]}
        assert body["practices"] and not shown & set(entry["practices"]), shown
        assert not set(entry["people"]) <= set(people), "an English-only model bridged Dutch and English"
        return
    for name in entry["people"]:
        assert name in people, f"{name} not among {list(people)}"
        for reason in people[name]["reasons"]:  # every reason names the practice or question behind it
            assert_names_its_sources(reason, linked[name])
    communities = {c["community"]["name"]: c for c in body["communities"][:5]}
    for name in entry["communities"]:
        assert name in communities, f"{name} not among {list(communities)}"
        assert_names_its_sources(communities[name]["reasons"][0], linked[name])


@pytest.mark.parametrize("entry", PARAPHRASES, ids=[e["question_title"][:40] for e in PARAPHRASES])
def test_an_answered_question_is_found_by_a_paraphrase(seeded_client: TestClient, entry: dict) -> None:
    body = seeded_client.post("/api/v1/ask", json={"question": entry["paraphrase"], "limit": 5}).json()
    found = {q["title"]: q for q in body["questions"]}
    assert entry["question_title"] in found, list(found)
    assert found[entry["question_title"]]["answers"]


def test_hidden_profiles_appear_in_no_network_view_for_anonymous_callers(seeded_client: TestClient) -> None:
    profiles = yaml.safe_load((DATA.parent.parent / "seed_practices" / "network" / "profiles.yaml").read_text())
    hidden = [p["name"] for p in profiles if p.get("profile_visibility") == "hidden"]
    assert hidden
    named = set()
    for entry in QUESTIONS:
        response = seeded_client.post("/api/v1/ask", json={"question": entry["question"], "limit": 20})
        assert response.status_code == 200, response.text
        named |= {p["person"]["name"] for p in response.json()["people"]}
        for name in hidden:
            assert name not in response.text
    assert named  # the views did name people: the hidden ones are left out, not everyone
    people = seeded_client.get("/api/v1/people")
    assert people.status_code == 200 and named & {p["name"] for p in people.json()}
    assert all(name not in people.text for name in hidden)
