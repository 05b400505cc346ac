"""Calibrated relevance: how likely a hit answers the question, and the label a professional sees.

The fused rank score only orders hits within one response; it says nothing about whether the best hit is any good
("qwxzyplk" still has a best hit). Each hit's own evidence does: the cosine of the query with the practice's
closest passage (the dense leg) and the BM25 score of its words per query term, relative to a rare term's IDF
(the lexical leg). A logistic model
over the two turns them into a probability of being relevant, fitted on the judged questions over the seed practices
and on out-of-domain questions (whose every hit is irrelevant) by ``benchmarks/calibrate.py``.

Cosines are a model's own scale, so every calibration is kept per model family, here and nowhere else; the figures
are that script's output (``--write`` rewrites ``calibration.json`` beside this module). A model without a
calibration gets no labels (``relevance`` None) rather than a borrowed one, and no search counts as a gap.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from indexing.embedder import model_family

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")


class Label(StrEnum):
    STRONG = "sterk"
    POSSIBLE = "mogelijk"
    WEAK = "zwak"


@dataclass(frozen=True)
class Calibration:
    """P(relevant) = sigmoid(bias + dense * cosine + lexical * BM25 per query term), and the label bars on it.

    A practice in another language than the query (a multilingual model) cannot share its words, so missing words
    say nothing there: its relevance comes from a fit on the cosine alone (``cross_bias``, ``cross_dense``)."""

    bias: float
    dense: float
    lexical: float
    strong: float  # at or above: 'sterk'
    possible: float  # at or above: 'mogelijk'
    floor: float  # at or above: 'zwak'; below: left out
    cross_bias: float
    cross_dense: float

    def relevance(self, dense: float, lexical_per_term: float | None) -> float:
        """``lexical_per_term`` None: a document in another language than the query."""
        if lexical_per_term is None:
            z = self.cross_bias + self.cross_dense * dense
        else:
            z = self.bias + self.dense * dense + self.lexical * lexical_per_term
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))

    def label(self, relevance: float) -> Label | None:
        if relevance >= self.strong:
            return Label.STRONG
        if relevance >= self.possible:
            return Label.POSSIBLE
        if relevance >= self.floor:
            return Label.WEAK
        return None


def load_calibrations(path: Path = CALIBRATION_FILE) -> dict[str, Calibration]:
    if not path.exists():
        return {}
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {family: Calibration(**{k: float(v) for k, v in entry["model"].items()}) for family, entry in raw.items()}


CALIBRATIONS: dict[str, Calibration] = load_calibrations()


def calibration_for(model: str) -> Calibration | None:
    return CALIBRATIONS.get(model_family(model))


def lexical_per_term(lexical: float | None, query_terms: int, documents: int) -> float:
    """The lexical leg's score per distinct query term, on the scale of the rarest possible term: long case
    descriptions gather large BM25 sums from many common words (so the raw sum would call every long question
    relevant), and IDF grows with the number of indexed documents (ln(1 + N) is a rare term's IDF), so the same
    match would look stronger in a larger bank."""
    return (lexical or 0.0) / max(1, query_terms) / math.log(2 + max(0, documents))


def rank(label: Label | None) -> int:
    """Sorting key: sterk before mogelijk before zwak before none."""
    return {Label.STRONG: 3, Label.POSSIBLE: 2, Label.WEAK: 1}.get(label, 0) if label else 0


def nothing_strong(labels: Sequence[str | None]) -> bool | None:
    """The one rule for "the bank has no good answer": no hit (none at all included) is 'sterk'. None when hits
    exist but none carries a label (a single-leg search, a model without calibration): that says nothing either way.
    The API's ``nothing_strong``, the pages' message and the knowledge-gap count all ask this function."""
    if not labels:
        return True
    if all(label is None for label in labels):
        return None
    return Label.STRONG not in labels
