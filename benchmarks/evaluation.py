"""Retrieval quality on BEIR-layout collections, measured through the service's own import and search path.

A collection's documents become authored practice records, go through ``import_records`` into a throw-away data
folder, are indexed by the real worker, and every query runs through ``services.search.search`` (what the HTTP API
calls) as an anonymous visitor. Nothing here is a side path: what is measured is what a user gets.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import math
import re
import statistics
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexing.documents import split_sentences
from indexing.embedder import Embedder
from indexing.search import SearchMode
from services import search as search_service
from services.access import ANONYMOUS, AccessPolicy
from services.runtime import Runtime
from services.transfer import Record, import_records, read_records
from storage.database import unit_of_work
from storage.repositories.practices import PracticeFilters

Qrels = dict[str, dict[str, int]]  # query id -> doc id -> grade (0 = judged not relevant)
_SLUG_JUNK = re.compile(r"[^a-z0-9]+")
_SUMMARY_CHARS = 400  # a practice summary is "two to four sentences"; longer openings are cut at a sentence


@dataclass(frozen=True)
class Collection:
    """Queries and judgements, plus the documents: BEIR docs (``corpus``) or a folder of practices (``practices``)."""

    name: str
    language: str
    queries: dict[str, str]
    qrels: Qrels
    corpus: dict[str, tuple[str, str]] = field(default_factory=dict)  # doc id -> (title, text)
    practices: Path | None = None  # a folder read by ``read_records``; a practice's slug is its doc id


@dataclass(frozen=True)
class Scores:
    ndcg: float
    recall: float
    mrr: float
    queries: int


@dataclass
class Indexed:
    """A collection imported and indexed in a runtime, with what it cost."""

    runtime: Runtime
    doc_of_slug: dict[str, str]
    timings: dict[str, float]
    chunks: int


# --- loading ----------------------------------------------------------------------------------------------------


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def read_qrels(path: Path) -> Qrels:
    qrels: Qrels = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle, delimiter="\t"):
            if len(row) < 3 or row[0] == "query-id":
                continue
            qrels.setdefault(row[0].strip(), {})[row[1].strip()] = int(row[2])
    return qrels


def load_beir(
    folder: Path,
    *,
    name: str,
    language: str,
    split: str,
    practices: Path | None = None,
    limit_queries: int | None = None,
    max_docs: int | None = None,
) -> Collection:
    """Load a BEIR folder. ``limit_queries`` keeps the first judged queries; ``max_docs`` keeps every document
    judged for them plus the first others in corpus order, so a small slice stays meaningful."""
    qrels = read_qrels(folder / "qrels" / f"{split}.tsv")
    queries_all = {q["_id"]: q["text"] for q in _jsonl(folder / "queries.jsonl")}
    judged = [qid for qid in qrels if qid in queries_all and any(g > 0 for g in qrels[qid].values())]
    if limit_queries:
        judged = judged[:limit_queries]
    queries = {qid: queries_all[qid] for qid in judged}
    qrels = {qid: qrels[qid] for qid in judged}
    corpus: dict[str, tuple[str, str]] = {}
    if practices is None:
        corpus_path = folder / "corpus.jsonl"
        corpus_path = corpus_path if corpus_path.exists() else folder / "corpus.jsonl.gz"
        needed = {doc for grades in qrels.values() for doc in grades}
        room = None if max_docs is None else max(0, max_docs - len(needed))
        for doc in _jsonl(corpus_path):
            if doc["_id"] in needed or room is None or room > 0:
                room = room - 1 if room is not None and doc["_id"] not in needed else room
                corpus[doc["_id"]] = (doc.get("title") or "", doc.get("text") or "")
    return Collection(name, language, queries, qrels, corpus, practices)


# --- documents as practices ---------------------------------------------------------------------------------------


def slug_for(doc_id: str) -> str:
    return ("doc-" + _SLUG_JUNK.sub("-", doc_id.lower()).strip("-"))[:120].rstrip("-")


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] or text[:limit]


def _thirds(words: list[str]) -> list[str]:
    size = max(1, math.ceil(len(words) / 3))
    parts = [" ".join(words[i : i + size]) for i in range(0, len(words), size)]
    return (parts + parts[-1:] * 3)[:3]  # fewer than three words: repeat, the schema wants three non-empty parts


def to_record(doc_id: str, title: str, text: str, language: str) -> dict[str, Any]:
    """A BEIR document as a practice written by a person: title, a summary of its first sentences, and the rest
    halved into situation and approach (both required). A document without title gets its first sentence as title.
    Every word of the document lands in exactly one field, so lexical statistics stay those of the document."""
    text = text.replace("\\xa0", " ")  # an escaped no-break space left as text by one source (policyqa-nl)
    sentences = split_sentences(text) or [title or doc_id]
    if not title.strip():
        title = _clip(sentences[0], 200)
        sentences = sentences[1:] if len(sentences) > 1 else sentences
    summary: list[str] = []
    while sentences and (not summary or len(" ".join([*summary, sentences[0]])) <= _SUMMARY_CHARS):
        if len(sentences) <= 2 and summary:
            break
        summary.append(sentences.pop(0))
    if len(sentences) >= 2:
        half = (len(sentences) + 1) // 2
        parts = [" ".join(summary), " ".join(sentences[:half]), " ".join(sentences[half:])]
    else:
        parts = _thirds(" ".join(summary + sentences).split())
    return {
        "slug": slug_for(doc_id),
        "title": _clip(title.strip(), 200),
        "summary": _clip(parts[0], 2000),
        "situation": parts[1][:20000],
        "approach": parts[2][:20000],
        "language": language,
        "themes": ["participatie"],
        "status": "published",
        "visibility": "public",
    }


def records_of(collection: Collection) -> tuple[list[tuple[str, Record]], dict[str, str]]:
    """The import records of a collection, and the slug -> doc id map that brings search hits back to qrels."""
    if collection.practices is not None:
        records = list(read_records(collection.practices))
        slugs = {str(r["slug"]): str(r["slug"]) for _, r in records if isinstance(r, dict)}
        return records, slugs
    records = []
    doc_of_slug: dict[str, str] = {}
    for doc_id, (title, text) in collection.corpus.items():
        record = to_record(doc_id, title, text, collection.language)
        if record["slug"] in doc_of_slug:
            raise ValueError(f"doc ids {doc_of_slug[record['slug']]!r} and {doc_id!r} give the same slug")
        doc_of_slug[record["slug"]] = doc_id
        records.append((doc_id, record))
    return records, doc_of_slug


# --- indexing and searching through the service -------------------------------------------------------------------


def index_collection(runtime: Runtime, collection: Collection, *, optimize: bool = True) -> Indexed:
    """Import (one unit of work, as ``praktijkbank import`` does), drain the worker, build the HNSW graph."""
    records, doc_of_slug = records_of(collection)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    with unit_of_work(runtime.sessions) as session:
        report = import_records(session, records)
    if report.errors:
        raise ValueError(f"{len(report.errors)} records failed to import, first: {report.errors[0]}")
    timings["import_s"] = time.perf_counter() - start
    start = time.perf_counter()
    runtime.worker.drain()
    timings["index_s"] = time.perf_counter() - start
    if optimize:
        start = time.perf_counter()
        runtime.index.optimize()
        timings["optimize_s"] = time.perf_counter() - start
    chunks = runtime.index.count(heads_only=False)
    return Indexed(runtime, doc_of_slug, timings, chunks)


def run_queries(
    indexed: Indexed, queries: dict[str, str], mode: SearchMode, *, k: int = 10
) -> tuple[dict[str, list[str]], list[float]]:
    """Top-k doc ids per query as an anonymous visitor sees them, and the latency of each search in ms."""
    policy = AccessPolicy(ANONYMOUS)
    run: dict[str, list[str]] = {}
    latencies: list[float] = []
    for qid, text in queries.items():
        with unit_of_work(indexed.runtime.sessions) as session:
            start = time.perf_counter()
            hits = search_service.search(
                session, indexed.runtime.searcher, policy, text, PracticeFilters(), limit=k, offset=0, mode=mode
            )
            latencies.append((time.perf_counter() - start) * 1000)
            run[qid] = [indexed.doc_of_slug.get(h.practice.slug, h.practice.slug) for h in hits]
    return run, latencies


# --- metrics ------------------------------------------------------------------------------------------------------


def score(run: dict[str, list[str]], qrels: Qrels, *, k: int = 10) -> Scores:
    """nDCG@k with gains 2^grade - 1 (equal to BEIR's for 0/1 judgements), Recall@k over all relevant documents
    (BEIR's definition), and MRR@k. Queries without a relevant document are left out."""
    ndcgs, recalls, rrs = [], [], []
    for qid, grades in qrels.items():
        relevant = {doc: g for doc, g in grades.items() if g > 0}
        if not relevant:
            continue
        ranking = run.get(qid, [])[:k]
        dcg = sum((2 ** relevant.get(doc, 0) - 1) / math.log2(i + 2) for i, doc in enumerate(ranking))
        ideal = sorted(relevant.values(), reverse=True)[:k]
        idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
        ndcgs.append(dcg / idcg)
        recalls.append(sum(doc in relevant for doc in ranking) / len(relevant))
        rrs.append(next((1 / (i + 1) for i, doc in enumerate(ranking) if doc in relevant), 0.0))
    n = len(ndcgs)
    if n == 0:
        return Scores(0.0, 0.0, 0.0, 0)
    return Scores(sum(ndcgs) / n, sum(recalls) / n, sum(rrs) / n, n)


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def median(values: Iterable[float]) -> float:
    items = list(values)
    return statistics.median(items) if items else 0.0


# --- an embedding cache, so re-indexing the same texts (other lexical settings) does not re-run the model ----------


class CachedEmbedder:
    """Wraps an embedder; document vectors are kept per text (in memory, and in ``folder`` when given)."""

    def __init__(self, inner: Embedder, folder: Path | None = None) -> None:
        self.inner = inner
        self.name, self.dimension, self.max_tokens = inner.name, inner.dimension, inner.max_tokens
        self.multilingual = inner.multilingual
        self._memory: dict[str, list[float]] = {}
        self._folder = folder
        self.hits = self.misses = 0
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            path = self._path()
            if path.exists():
                self._memory = json.loads(path.read_text())

    def _path(self) -> Path:
        assert self._folder is not None
        return self._folder / (hashlib.sha1(self.name.encode()).hexdigest()[:16] + ".json")

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        missing = [t for t in dict.fromkeys(texts) if t not in self._memory]
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        if missing:
            self._memory.update(zip(missing, self.inner.embed_documents(missing), strict=True))
        return [self._memory[t] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)

    def count_tokens(self, texts: list[str]) -> list[int]:
        return self.inner.count_tokens(texts)

    def save(self) -> None:
        if self._folder is not None and self.misses:
            self._path().write_text(json.dumps(self._memory))
