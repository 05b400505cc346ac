"""Professionals' questions (not copying title words) find the intended seed practice in the top 3."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from tests.crosslingual import bridges, language_of

# Ranking does not depend on the SQL backend (as tests/test_search_quality.py and tests/test_long_cases.py)
pytestmark = pytest.mark.sqlite_pass

QUESTIONS = [
    entry
    for path in sorted((Path(__file__).parent / "data").glob("questions_*.yaml"))
    for entry in yaml.safe_load(path.read_text(encoding="utf-8"))
]


def test_there_are_enough_questions() -> None:
    dutch_targets = [q for q in QUESTIONS if language_of(q["slug"]) == "nl"]
    assert len(dutch_targets) >= 20  # the bar is met by Dutch practices alone, without the cross-lingual cases
    assert len({q["slug"] for q in dutch_targets}) >= 20


@pytest.mark.parametrize("entry", QUESTIONS, ids=[q["slug"] for q in QUESTIONS])
def test_question_finds_its_practice_in_top_5(seeded_client: TestClient, entry: dict[str, str]) -> None:
    """Unless the model cannot bridge the languages (tests/crosslingual.py): then it ranks other practices."""
    response = seeded_client.get("/api/v1/search", params={"q": entry["question"], "limit": 5})
    assert response.status_code == 200
    slugs = [hit["practice"]["slug"] for hit in response.json()["hits"]]
    if bridges([entry["slug"]]):
        assert entry["slug"] in slugs, f"{entry['question']!r} gave {slugs}"
    else:
        assert slugs, "an English-only model still ranks the Dutch practices"
        assert entry["slug"] not in slugs, (
            "an English-only model bridged Dutch and English: update tests/crosslingual.py"
        )


def test_nearly_every_question_finds_its_practice_in_top_3(seeded_client: TestClient) -> None:
    """Which of two close practices comes third flips between models (the default pair puts the 24-hour care
    question's practice fourth: e5 reads it as a question about nuisance). Nine in ten is the bar."""
    missed = []
    for entry in QUESTIONS:
        hits = seeded_client.get("/api/v1/search", params={"q": entry["question"], "limit": 3}).json()["hits"]
        if entry["slug"] not in [hit["practice"]["slug"] for hit in hits]:
            missed.append(entry["slug"])
    assert len(missed) <= 0.1 * len(QUESTIONS), missed
