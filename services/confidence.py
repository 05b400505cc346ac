"""Calibrated relevance: how likely a hit answers the question, and the label a professional sees.

The fused rank score only orders hits within one response; it says nothing about whether the best hit is any good
("qwxzyplk" still has a best hit). Each hit's own evidence does (``Evidence``): the cosine of the question with the
practice's closest passage and how far it stands above the rest of the bank for this question, the BM25 score of
its words per informative query term and relative to the best match, and the question's length. A logistic model
over them turns them into a probability of being relevant, fitted by ``benchmarks/calibrate.py`` on judged short
questions and long cases, in both languages, and on out-of-domain questions (whose every hit is irrelevant).

Cosines are a model's own scale, so a calibration belongs to a model profile (core/profiles.py, the figures in
``core/calibration.json``). A model without a calibration gets no labels (``relevance`` None) rather than a
borrowed one, and no search counts as a gap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from core.profiles import CALIBRATION_FILE, profile_for

__all__ = [
    "CALIBRATION_FILE",
    "LABEL_ORDER",
    "Calibration",
    "Evidence",
    "Judgement",
    "Label",
    "at_least",
    "calibration_for",
    "nothing_strong",
    "shown_rank",
]


class Label(StrEnum):
    STRONG = "sterk"
    POSSIBLE = "mogelijk"
    WEAK = "zwak"


LABEL_ORDER = (Label.STRONG, Label.POSSIBLE, Label.WEAK)  # strongest first, as every list shows them


def shown_rank(label: Label | None) -> int:
    """The place of a label in every list shown (``LABEL_ORDER``). An unlabelled hit (a single-leg search, a model
    without calibration) counts as first: such a list is ordered by score alone."""
    return LABEL_ORDER.index(label) if label else 0


def at_least(label: Label | None, bar: Label) -> bool:
    """Whether ``label`` is ``bar`` or stronger. No label (below the floor, or no calibration) is not."""
    return label is not None and LABEL_ORDER.index(label) <= LABEL_ORDER.index(bar)


# On topic: a practice at this label or stronger. Only then does the network suggest people and communities, does a
# new question reach the people who know, and does a draft's similar-check show a practice.
ON_TOPIC = Label.POSSIBLE


def on_topic(label: Label | None) -> bool:
    return at_least(label, ON_TOPIC)


@dataclass(frozen=True)
class Judgement:
    """What the calibration makes of one hit: its relevance and its label (None: below the floor)."""

    relevance: float
    label: Label | None


@dataclass(frozen=True)
class Evidence:
    """What one hit's relevance is judged on. Raw scores alone do not travel across questions: a six-sentence case
    lowers every cosine and spreads its words over many terms. So each leg's score also counts relative to what the
    same leg found for this question as a whole (``margin``, ``share``), and the question's length is a feature.

    ``lexical`` and ``share`` are None for a practice in another language than the question: words cannot
    match across languages, so missing words say nothing there (its cosine is the cross model's in a two-model
    index)."""

    dense: float  # cosine of the question with the practice's closest passage (a pair, another language: USE's)
    margin: float  # that cosine minus the cosine of its leg's REFERENCE_RANK-th practice for this question
    z: float  # the primary model's cosine in standard deviations above the mean of every practice its leg listed
    lexical: float | None  # BM25 per informative query term, on the scale of the rarest term (lexical_per_term)
    share: float | None  # the practice's BM25 over the best BM25 of any practice for this question
    words: int  # words in the question

    def features(self) -> dict[str, float]:
        values = {"dense": self.dense, "margin": self.margin, "z": self.z, "log_words": math.log1p(self.words)}
        if self.lexical is not None:
            values |= {"lexical": self.lexical, "share": self.share or 0.0}
        return values


SAME_FEATURES = ("dense", "margin", "lexical", "share", "log_words")
ACROSS_FEATURES = ("dense", "z")
COSINE_FEATURES = ("dense", "margin", "z")  # the features that grow with a hit's cosine


@dataclass(frozen=True)
class Calibration:
    """P(relevant) = sigmoid(bias + sum of weight x feature) over an ``Evidence``'s features, and the label bars on
    it. ``same``: the weights for a practice in the question's language (or of unknown language); ``across``: for one
    in another language, fitted on the cosine-side features alone."""

    same: dict[str, float]
    across: dict[str, float]
    strong: float  # at or above: 'sterk'
    possible: float  # at or above: 'mogelijk'
    floor: float  # at or above: 'zwak'; below: left out

    def relevance(self, evidence: Evidence) -> float:
        weights = self.same if evidence.lexical is not None else self.across
        features = evidence.features()
        z = weights.get("bias", 0.0) + sum(w * features.get(name, 0.0) for name, w in weights.items() if name != "bias")
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))

    @property
    def monotone(self) -> bool:
        """Whether a higher cosine never lowers the relevance: no cosine feature weighs negatively. Search then
        judges a hit on an upper bound of its cosine first (services/search.py ``judge``)."""
        return all(weights.get(name, 0.0) >= 0 for weights in (self.same, self.across) for name in COSINE_FEATURES)

    def judge(self, evidence: Evidence) -> Judgement:
        relevance = self.relevance(evidence)
        return Judgement(relevance, self.label(relevance))

    def label(self, relevance: float) -> Label | None:
        if relevance >= self.strong:
            return Label.STRONG
        if relevance >= self.possible:
            return Label.POSSIBLE
        if relevance >= self.floor:
            return Label.WEAK
        return None

    def as_dict(self) -> dict[str, object]:
        return {
            "same": {k: round(v, 4) for k, v in self.same.items()},
            "across": {k: round(v, 4) for k, v in self.across.items()},
            "strong": self.strong,
            "possible": self.possible,
            "floor": self.floor,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Calibration:
        same, across = data["same"], data["across"]
        assert isinstance(same, dict) and isinstance(across, dict)
        return cls(
            {str(k): float(v) for k, v in same.items()},
            {str(k): float(v) for k, v in across.items()},
            float(data["strong"]),  # type: ignore[arg-type]
            float(data["possible"]),  # type: ignore[arg-type]
            float(data["floor"]),  # type: ignore[arg-type]
        )


@cache
def calibration_for(model: str) -> Calibration | None:
    """The calibration of the profile ``model`` (a profile name or a loaded model's name; core/profiles.py)."""
    fitted = profile_for(model).calibration
    return Calibration.from_dict(fitted) if fitted else None


def lexical_per_term(lexical: float | None, query_terms: int, documents: int) -> float:
    """The lexical leg's score per distinct query term, on the scale of the rarest possible term: long case
    descriptions gather large BM25 sums from many common words (so the raw sum would call every long question
    relevant), and IDF grows with the number of indexed documents (ln(1 + N) is a rare term's IDF), so the same
    match would look stronger in a larger bank."""
    return (lexical or 0.0) / max(1, query_terms) / math.log(2 + max(0, documents))


def nothing_strong(labels: Sequence[str | None]) -> bool | None:
    """The one rule for "the bank has no good answer": no hit (none at all included) is 'sterk'. None when hits
    exist but none carries a label (a single-leg search, a model without calibration): that says nothing either way.
    The API's ``nothing_strong``, the pages' message and the knowledge-gap count all ask this function."""
    if not labels:
        return True
    if all(label is None for label in labels):
        return None
    return Label.STRONG not in labels
