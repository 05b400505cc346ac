"""Search results."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from schemas.common import Schema
from schemas.practices import PracticeSummary

RelevanceLabel = Literal["sterk", "mogelijk", "zwak"]
RELEVANCE_DESCRIPTION = (
    "Calibrated probability (0–1) that this answers the question, from the dense and lexical evidence relative to the "
    "rest of the bank for this question, measured per model profile on judged short questions and long cases "
    "(benchmarks/calibrate.py). Comparable across responses and question lengths. Null in single-leg modes or for a "
    "model without calibration."
)
LABEL_DESCRIPTION = "`sterk`, `mogelijk` or `zwak` by the model's calibrated bars; what falls below is left out."


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
    relevance: float | None = Field(default=None, description=RELEVANCE_DESCRIPTION)
    label: RelevanceLabel | None = Field(default=None, description=LABEL_DESCRIPTION)


class SearchResponse(Schema):
    query: str
    mode: str
    hits: list[SearchHit] = Field(
        description="Best first: by `label` (sterk, mogelijk, zwak), then by `score`; hits without a label by score. "
        "The whole result is ordered once and then cut at `offset`, so the pages read as one list."
    )
    nothing_strong: bool | None = Field(
        default=None,
        description="True when no hit is `sterk`: the bank has no good answer (counted as a knowledge gap; ask the "
        "network). Null when the hits carry no labels (single-leg mode, uncalibrated model).",
    )
