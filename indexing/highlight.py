"""Snippets with highlights, cut from the current text of a section (never from the index)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from indexing.lexical import LexicalEncoder

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Snippet:
    text: str
    highlights: list[tuple[int, int]]  # [start, end) offsets into ``text``


@lru_cache(maxsize=200_000)
def _terms(lexical: LexicalEncoder, word: str, language: str) -> frozenset[int]:
    """The lexical terms of one word (its stem, and its parts when it is a compound): the same words recur."""
    return frozenset(lexical.query(word, language).indices)


class QueryTerms:
    """A query's lexical terms per language, encoded once per search however many snippets are cut."""

    def __init__(self, query: str, lexical: LexicalEncoder) -> None:
        self.query = query
        self.lexical = lexical
        self._by_language: dict[str, frozenset[int]] = {}

    def of(self, language: str) -> frozenset[int]:
        if language not in self._by_language:
            self._by_language[language] = frozenset(self.lexical.query(self.query, language).indices)
        return self._by_language[language]


def make_snippet(text: str, query: QueryTerms, *, language: str, words: int = 40) -> Snippet:
    """The window of about ``words`` words with the most query terms (same stems count), terms marked."""
    query_terms, lexical = query.of(language), query.lexical
    tokens = list(_WORD.finditer(text))
    if not tokens:
        return Snippet(text[:300], [])
    hits = [bool(query_terms & _terms(lexical, m.group(0), language)) for m in tokens]
    best_start, best_score = 0, -1
    window_score = sum(hits[:words])
    for start in range(0, max(1, len(tokens) - words + 1)):
        if start:
            window_score += (hits[start + words - 1] if start + words - 1 < len(hits) else 0) - hits[start - 1]
        if window_score > best_score:
            best_start, best_score = start, window_score
    end_token = min(len(tokens), best_start + words) - 1
    begin = 0 if best_start == 0 else tokens[best_start].start()
    finish = len(text) if end_token == len(tokens) - 1 else tokens[end_token].end()
    prefix = "" if begin == 0 else "… "
    suffix = "" if finish == len(text) else " …"
    body = text[begin:finish]
    highlights = [
        (len(prefix) + m.start() - begin, len(prefix) + m.end() - begin)
        for m, hit in zip(tokens, hits, strict=True)
        if hit and begin <= m.start() and m.end() <= finish
    ]
    return Snippet(prefix + body + suffix, highlights)
