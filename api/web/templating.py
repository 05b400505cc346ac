"""The Jinja environment of the web pages: the text catalogue, Markdown and snippets, shared by every template."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates

from api.web.markdown import highlighted, render
from api.web.texts import has, t
from core.vocab import SECTION_LABELS, SECTIONS

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.autoescape = True
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True

_MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december")  # fmt: skip


def dutch_date(value: date | datetime | None) -> str:
    """'3 maart 2026': how a Dutch reader writes a date."""
    if value is None:
        return ""
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


_LABEL_KINDS = {"recognition_level": "level"}


def label(kind: str, value: Any) -> str:
    """The Dutch label of a vocabulary value ('theme', 'jeugd' -> 'Jeugd'); the value itself when unknown."""
    key = f"{_LABEL_KINDS.get(kind, kind)}.{value}"
    return t(key) if has(key) else str(value)


def section_heading(name: str, language: str) -> str:
    pair = SECTIONS.get(name)
    if pair is None:
        return SECTION_LABELS.get(name, name)
    return pair[0] if language == "nl" else pair[1]


templates.env.globals.update(
    t=t,
    label=label,
    highlighted=highlighted,
    markdown=render,
    section_labels=SECTION_LABELS,
    section_heading=section_heading,
    sections=SECTIONS,
)
templates.env.filters["dutch_date"] = dutch_date
