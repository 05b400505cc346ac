"""Lexical (BM25) sparse vectors with Snowball stemming and stop words, Dutch and English.

Qdrant applies the IDF side (``Modifier.Idf``) at query time, so one encoder serves both engines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import qdrant_edge as qe

from indexing.scaffolding import without_scaffolding

LANGUAGES = {"nl": "dutch", "en": "english"}
# Recorded in the index meta; bump when the lexical encoding changes: old indexes must then be rebuilt.
LEXICAL_SCHEME = "bm25-snowball-document-v2"

# Cheap language guess for queries: the most frequent function words of each language.
_MARKERS = {
    "nl": frozenset(
        [
            "de",
            "het",
            "een",
            "en",
            "van",
            "is",
            "dat",
            "die",
            "niet",
            "op",
            "te",
            "zijn",
            "met",
            "voor",
            "hoe",
            "wat",
            "ik",
            "we",
            "wij",
            "er",
            "ook",
            "als",
            "bij",
            "om",
        ]
    ),
    "en": frozenset(
        [
            "the",
            "a",
            "an",
            "and",
            "of",
            "is",
            "that",
            "not",
            "on",
            "to",
            "are",
            "with",
            "for",
            "how",
            "what",
            "i",
            "we",
            "it",
            "as",
            "at",
            "be",
            "this",
            "by",
        ]
    ),
}
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class SparseVec:
    indices: list[int]
    values: list[float]

    def __bool__(self) -> bool:
        return bool(self.indices)


def guess_language(text: str) -> str | None:
    words = [w.lower() for w in _WORD.findall(text)]
    scores = {lang: sum(w in markers for w in words) for lang, markers in _MARKERS.items()}
    best = max(scores, key=lambda k: scores[k])
    others = [s for k, s in scores.items() if k != best]
    return best if scores[best] > max(others) else None


class LexicalEncoder:
    def __init__(self, *, avg_len: float = 80.0, k: float = 1.2, b: float = 0.75) -> None:
        self._avg_len, self._k, self._b = avg_len, k, b
        self.scheme = LEXICAL_SCHEME

    @cached_property
    def _models(self) -> dict[str, qe.Bm25]:
        return {
            code: qe.Bm25(qe.Bm25Config(language=language, avg_len=self._avg_len, k=self._k, b=self._b))
            for code, language in LANGUAGES.items()
        }

    def document(self, text: str, language: str) -> SparseVec:
        vector = self._models[language if language in self._models else "nl"].embed_document(text)
        return SparseVec(list(vector.indices), list(vector.values))

    def query(self, text: str, language: str | None = None) -> SparseVec:
        """A query in a known language uses its stemmer; an unclear one uses both (terms merged). Question
        scaffolding ("wat kan ik deze week doen") is left out (indexing/scaffolding.py)."""
        language = language or guess_language(text)
        text = without_scaffolding(text, language)
        codes = [language] if language in self._models else list(self._models)
        weights: dict[int, float] = {}
        for code in codes:
            vector = self._models[code].embed_query(text)
            for index, value in zip(vector.indices, vector.values, strict=True):
                weights[index] = max(weights.get(index, 0.0), value)
        ordered = sorted(weights)
        return SparseVec(ordered, [weights[i] for i in ordered])
