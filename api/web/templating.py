"""The Jinja environment of the web pages, with the Dutch labels they share."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from core.vocab import SECTION_LABELS
from indexing.highlight import Snippet

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

LEVEL_LABELS = {
    "praktijkvoorbeeld": "Praktijkvoorbeeld (niet beoordeeld)",
    "goed_beschreven": "Goed beschreven",
    "goed_onderbouwd": "Goed onderbouwd",
    "effectief": "Effectief",
}


def highlighted(snippet: Snippet) -> Markup:
    parts: list[str] = []
    cursor = 0
    for start, end in snippet.highlights:
        parts.append(str(escape(snippet.text[cursor:start])))
        parts.append(f"<mark>{escape(snippet.text[start:end])}</mark>")
        cursor = end
    parts.append(str(escape(snippet.text[cursor:])))
    return Markup("".join(parts))  # noqa: S704 - every piece is escaped above


templates.env.globals.update(section_labels=SECTION_LABELS, level_labels=LEVEL_LABELS, highlighted=highlighted)
