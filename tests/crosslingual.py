"""Dutch questions whose answer is an English practice: a known limit of the bundled English-only model.

The bundled all-MiniLM-L6-v2 cannot bridge Dutch and English, and Dutch queries use the lexical leg (measured:
it beats every fusion with that model's dense leg on Dutch). Such cases are marked ``xfail(strict=True)``: they
are kept visible, and the suite fails the day they pass (a multilingual default), so the mark is then removed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from services.transfer import parse_markdown

SEED = Path(__file__).resolve().parent.parent / "seed_practices"
CROSS_LINGUAL = pytest.mark.xfail(
    strict=True, reason="Dutch question, English practice: needs a multilingual embedding model (issue 5)"
)


def language_of(slug: str) -> str:
    return str(parse_markdown((SEED / f"{slug}.md").read_text(encoding="utf-8"))["language"])


def marks_for(slugs: list[str]) -> list[pytest.MarkDecorator]:
    return [CROSS_LINGUAL] if slugs and all(language_of(s) == "en" for s in slugs) else []
