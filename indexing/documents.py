"""What the index needs to know of a practice, and how a practice becomes chunks that fit the model."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Sections that are embedded, in order. ``not_for`` is left out on purpose: text saying for whom a practice
# is *not* meant would make it match exactly those questions.
INDEXED_SECTIONS: tuple[str, ...] = (
    "summary",
    "situation",
    "target_group",
    "goals",
    "approach",
    "working_elements",
    "results",
    "lessons",
    "preconditions",
    "costs",
    "question",  # questions put to the network, and their answers
    "answers",
)
# Sentence ends, blank lines and the start of a list item end a unit; a single line break inside a
# paragraph does not (hard-wrapped Markdown would otherwise be cut mid-sentence).
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)]|\*\*)\s)")


@dataclass(frozen=True)
class IndexDocument:
    """A practice (or later: a question with answers) flattened for indexing."""

    id: uuid.UUID
    version: int
    title: str
    language: str
    sections: dict[str, str]
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Chunk:
    document_id: uuid.UUID
    section: str
    number: int
    text: str  # the section text of this chunk, without the title prefix
    embed_text: str  # what the model reads: title, then the chunk

    @property
    def point_id(self) -> uuid.UUID:
        # Deterministic: re-indexing the same practice overwrites its own points.
        return uuid.uuid5(self.document_id, f"{self.section}/{self.number}")


TokenCounter = Callable[[list[str]], list[int]]


def whole_text(doc: IndexDocument) -> str:
    """Title and every indexed section in one text: what the lexical leg scores a document on."""
    return "\n\n".join([doc.title, *(doc.sections[s] for s in INDEXED_SECTIONS if (doc.sections.get(s) or "").strip())])


def split_sentences(text: str) -> list[str]:
    return [" ".join(s.split()) for s in _SENTENCE_END.split(text) if s and s.strip()]


def chunk_document(doc: IndexDocument, count_tokens: TokenCounter, max_tokens: int) -> list[Chunk]:
    """Pack whole sentences into chunks that the model reads completely (title included).

    A sentence longer than the budget is cut at word boundaries, so no text is ever silently dropped.
    """
    prefix = f"{doc.title}. "
    budget = max(32, max_tokens - count_tokens([prefix])[0] - 4)
    chunks: list[Chunk] = []
    for section in INDEXED_SECTIONS:
        text = doc.sections.get(section) or ""
        if not text.strip():
            continue
        pieces = _fit(split_sentences(text), count_tokens, budget)
        for number, piece in enumerate(pieces):
            chunks.append(Chunk(doc.id, section, number, piece, prefix + piece))
    return chunks


def _fit(sentences: list[str], count_tokens: TokenCounter, budget: int) -> list[str]:
    units: list[tuple[str, int]] = []
    for sentence, tokens in zip(sentences, count_tokens(sentences), strict=True):
        if tokens <= budget:
            units.append((sentence, tokens))
        else:
            units.extend(_split_long(sentence, count_tokens, budget))
    chunks: list[str] = []
    current: list[str] = []
    used = 0
    for sentence, tokens in units:
        if current and used + tokens > budget:
            chunks.append(" ".join(current))
            current, used = [], 0
        current.append(sentence)
        used += tokens + 1
    if current:
        chunks.append(" ".join(current))
    return chunks


def _split_long(sentence: str, count_tokens: TokenCounter, budget: int) -> list[tuple[str, int]]:
    words = sentence.split()
    counts = count_tokens(words)
    parts: list[tuple[str, int]] = []
    current: list[str] = []
    used = 0
    for word, tokens in zip(words, counts, strict=True):
        if current and used + tokens > budget:
            parts.append((" ".join(current), used))
            current, used = [], 0
        current.append(word)
        used += tokens
    if current:
        parts.append((" ".join(current), used))
    return parts
