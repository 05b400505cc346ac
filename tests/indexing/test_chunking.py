"""Chunks fit the real model's window, and no text is dropped."""

from __future__ import annotations

import re
import uuid

import pytest

from indexing.documents import IndexDocument, chunk_document
from indexing.embedder import Embedder

pytestmark = pytest.mark.sqlite_pass


def doc(**sections: str) -> IndexDocument:
    return IndexDocument(
        uuid.uuid4(), 1, "Een titel over jeugdhulp", "nl", {"summary": "Korte samenvatting.", **sections}
    )


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def test_long_dutch_sections_are_split_into_chunks_the_model_reads_whole(embedder: Embedder) -> None:
    # ~1 700 Dutch words: far more than a model's window (256 pieces for USE and MiniLM, about 500 for e5).
    approach = " ".join(
        f"In stap {n} bespreekt de jeugdconsulent met het gezin welke ondersteuningsbehoefte er is." for n in range(150)
    )
    chunks = chunk_document(doc(approach=approach), embedder.count_tokens, embedder.max_tokens)
    approach_chunks = [c for c in chunks if c.section == "approach"]
    assert len(approach_chunks) > 3
    assert all(n <= embedder.max_tokens for n in embedder.count_tokens([c.embed_text for c in chunks]))
    assert words(" ".join(c.text for c in approach_chunks)) == words(approach)  # nothing lost, order kept
    assert [c.number for c in approach_chunks] == list(range(len(approach_chunks)))


def test_a_sentence_longer_than_the_window_is_cut_at_words(embedder: Embedder) -> None:
    run_on = " ".join(["samenwerkingsafspraken"] * 400)  # one 'sentence' without punctuation
    chunks = chunk_document(doc(results=run_on), embedder.count_tokens, embedder.max_tokens)
    results = [c for c in chunks if c.section == "results"]
    assert len(results) > 1
    assert sum(len(words(c.text)) for c in results) == 400
    assert all(n <= embedder.max_tokens for n in embedder.count_tokens([c.embed_text for c in results]))


def test_empty_sections_make_no_chunks_and_point_ids_are_stable(embedder: Embedder) -> None:
    document = doc(goals="", lessons="   ")
    chunks = chunk_document(document, embedder.count_tokens, embedder.max_tokens)
    assert [c.section for c in chunks] == ["summary"]
    again = chunk_document(document, embedder.count_tokens, embedder.max_tokens)
    assert [c.point_id for c in chunks] == [c.point_id for c in again]
