"""Search results."""

from __future__ import annotations

from pydantic import Field

from schemas.common import Schema
from schemas.practices import PracticeSummary


class Highlight(Schema):
    start: int
    end: int


class SearchHit(Schema):
    practice: PracticeSummary
    score: float = Field(description="Fused rank score; higher is better. Comparable within one response only.")
    section: str = Field(description="The section that matched best, e.g. `approach`.")
    sections: list[str] = Field(description="All sections of this practice that matched, best first.")
    snippet: str = Field(description="A passage of the matched section.")
    highlights: list[Highlight] = Field(description="Offsets of query terms within `snippet`.")


class SearchResponse(Schema):
    query: str
    mode: str
    hits: list[SearchHit]
