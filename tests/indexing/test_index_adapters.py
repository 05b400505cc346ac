"""One suite for both index adapters: the embedded engine (qdrant-edge) and qdrant-client (in-memory mode
standing in for a server). Same calls, same answers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.errors import IndexMismatch, IndexUnavailable
from core.settings import Settings
from indexing.factory import open_index
from indexing.index import DocumentCount, FieldIn, IndexFilter, IndexMeta, IndexPoint, IndexQuery, VectorIndex
from indexing.lexical import LexicalEncoder, SparseVec

pytestmark = pytest.mark.sqlite_pass

META = IndexMeta("test-model", 4)
LEXICAL = LexicalEncoder()


@pytest.fixture
def index(backend: tuple[Settings, object]) -> Iterator[VectorIndex]:
    settings, client = backend
    idx = open_index(settings, META, client=client)  # type: ignore[arg-type]
    yield idx
    if client is None:
        idx.close()


def point(doc: uuid.UUID, section: str, number: int, dense: list[float], text: str, **payload: object) -> IndexPoint:
    base: dict[str, object] = {
        "doc_id": str(doc),
        "doc_type": "practice",
        "version": 1,
        "section": section,
        "chunk": number,
        "head": 1 if (section, number) == ("summary", 0) else 0,
        "status": "published",
        "visibility": "public",
        "community_id": "",
        "themes": ["jeugd"],
    }
    base.update(payload)
    # As the worker builds them: the lexical vector (of the whole document) sits on the head point only.
    sparse = LEXICAL.document(text, "nl") if base["head"] else SparseVec([], [])
    return IndexPoint(uuid.uuid5(doc, f"{section}/{number}"), dense, sparse, base)


DOC_A, DOC_B, DOC_C = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def fill(index: VectorIndex) -> None:
    index.upsert(
        [
            point(DOC_A, "summary", 0, [1, 0, 0, 0], "Schuldhulp voor jongeren met betalingsachterstanden"),
            point(DOC_A, "approach", 0, [0.9, 0.1, 0, 0], "Budgetcoaches bezoeken jongeren thuis"),
            point(DOC_B, "summary", 0, [0, 1, 0, 0], "Mantelzorgers krijgen respijtzorg", themes=["wmo"]),
            point(
                DOC_C,
                "summary",
                0,
                [0.95, 0, 0.05, 0],
                "Geheim project over schulden",
                visibility="community",
                community_id="c-1",
            ),
        ]
    )
    index.flush()


def test_dense_query_ranks_nearest_first_and_filters_in_engine(index: VectorIndex) -> None:
    fill(index)
    public = IndexFilter(all_of=(FieldIn("visibility", ("public",)),))
    hits = index.query(IndexQuery(dense=[1, 0, 0, 0], sparse=None, filter=public, limit=10))
    docs = [h.payload["doc_id"] for h in hits]
    assert docs[0] == str(DOC_A)
    assert str(DOC_C) not in docs  # the closest community point is filtered out inside the engine


def test_lexical_leg_matches_dutch_word_forms(index: VectorIndex) -> None:
    fill(index)
    # "betalingsachterstand" (singular) must match "betalingsachterstanden" via the Dutch stemmer.
    hits = index.query(
        IndexQuery(dense=None, sparse=LEXICAL.query("betalingsachterstand"), filter=IndexFilter(), limit=5)
    )
    assert hits and hits[0].payload["doc_id"] == str(DOC_A)


def test_points_without_a_lexical_vector_are_found_by_meaning_only(index: VectorIndex) -> None:
    fill(index)  # DOC_A's approach chunk ("Budgetcoaches bezoeken jongeren thuis") has no lexical vector
    lexical = IndexQuery(dense=None, sparse=LEXICAL.query("budgetcoaches"), filter=IndexFilter(), limit=5)
    assert index.query(lexical) == []
    dense = index.query(IndexQuery(dense=[0.9, 0.1, 0, 0], sparse=None, filter=IndexFilter(), limit=1))
    assert [(h.payload["doc_id"], h.payload["section"]) for h in dense] == [(str(DOC_A), "approach")]


@pytest.mark.parametrize("leg", ["dense", "lexical"])
def test_access_conjunctions_hold_in_each_leg(index: VectorIndex, leg: str) -> None:
    fill(index)

    def found(flt: IndexFilter) -> set[object]:
        dense, sparse = ([1, 0, 0, 0], None) if leg == "dense" else (None, LEXICAL.query("schulden"))
        return {h.payload["doc_id"] for h in index.query(IndexQuery(dense, sparse, flt, limit=10))}

    member = IndexFilter(any_of=((FieldIn("visibility", ("public",)),), (FieldIn("community_id", ("c-1",)),)))
    assert str(DOC_C) in found(member)
    outsider = IndexFilter(any_of=((FieldIn("visibility", ("public",)),), (FieldIn("community_id", ("c-2",)),)))
    assert str(DOC_C) not in found(outsider)


def test_a_query_has_exactly_one_leg() -> None:
    with pytest.raises(ValueError):
        IndexQuery([1.0, 0.0, 0.0, 0.0], LEXICAL.query("schulden"), IndexFilter(), limit=5)
    with pytest.raises(ValueError):
        IndexQuery(None, None, IndexFilter(), limit=5)


def test_theme_filter_matches_any_value_of_a_list_field(index: VectorIndex) -> None:
    fill(index)
    flt = IndexFilter(all_of=(FieldIn("themes", ("wmo", "onderwijs")),))
    hits = index.query(IndexQuery(dense=[1, 0, 0, 0], sparse=None, filter=flt, limit=10))
    assert {h.payload["doc_id"] for h in hits} == {str(DOC_B)}


def test_count_counts_documents_not_chunks(index: VectorIndex) -> None:
    fill(index)
    assert index.count() == 3
    assert index.count(heads_only=False) == 4
    assert index.count(IndexFilter(all_of=(FieldIn("visibility", ("public",)),))) == 2


def test_the_remembered_document_count_follows_this_processs_writes(index: VectorIndex) -> None:
    assert index.documents() == 0
    fill(index)
    assert index.documents() == 3  # the upsert made it forget the 0
    index.remove(DOC_B)
    assert index.documents() == 2 == index.count()


def test_a_document_count_is_asked_again_when_forgotten_or_too_old() -> None:
    answers = iter([5, 6, 7, 8])
    kept = DocumentCount(lambda: next(answers))
    assert (kept.get(), kept.get()) == (5, 5)  # remembered
    kept.forget()
    assert kept.get() == 6
    with kept.changing():
        assert kept.get() == 6  # a count taken during a write...
    assert kept.get() == 7  # ...is forgotten when the write is done
    aged = DocumentCount(lambda: next(answers), max_age=0.0)
    assert aged.get() == 8
    with pytest.raises(StopIteration):
        aged.get()  # older than max_age: asked again


def test_remove_keeps_only_the_current_version(index: VectorIndex) -> None:
    fill(index)
    index.upsert([point(DOC_A, "summary", 0, [1, 0, 0, 0], "nieuwe tekst", version=2)])
    index.remove(DOC_A, keep_version=2)
    assert index.count(IndexFilter(all_of=(FieldIn("doc_id", (str(DOC_A),)),)), heads_only=False) == 1
    index.remove(DOC_A)
    assert index.count() == 2


def test_vectors_of_returns_the_stored_dense_vectors(index: VectorIndex) -> None:
    fill(index)
    vectors = index.vectors_of(DOC_A)
    assert len(vectors) == 2
    assert all(len(v) == 4 for v in vectors)
    assert index.vectors_of(uuid.uuid4()) == []


def test_reopen_with_another_model_is_refused(backend: tuple[Settings, object]) -> None:
    settings, client = backend
    first = open_index(settings, META, client=client)  # type: ignore[arg-type]
    fill(first)
    if client is None:
        first.close()
    with pytest.raises(IndexMismatch, match="reindex"):
        open_index(settings, IndexMeta("other-model", 8), client=client)  # type: ignore[arg-type]
    again = open_index(settings, META, client=client)  # type: ignore[arg-type]
    assert again.count() == 3  # same model: the data survived the reopen
    if client is None:
        again.close()
    rebuilt = open_index(settings, IndexMeta("other-model", 8), recreate=True, client=client)  # type: ignore[arg-type]
    assert rebuilt.count() == 0
    if client is None:
        rebuilt.close()


def test_embedded_index_refuses_a_second_opener(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, qdrant_url=None)
    first = open_index(settings, META)
    with pytest.raises(IndexUnavailable, match="another process"):
        open_index(settings, META)
    first.close()
    open_index(settings, META).close()  # released on close


def test_versions_name_each_document_once_with_its_version(index: VectorIndex) -> None:
    fill(index)
    versions = dict(index.versions())
    assert set(versions) == {DOC_A, DOC_B, DOC_C}
    assert set(versions.values()) == {1}


def test_server_collection_is_laid_out_from_settings_behind_an_alias(tmp_path: Path) -> None:
    """Shards, replicas, write consistency, quantisation and a payload index per filtered field go to the server
    (in-memory mode accepts and ignores the cluster parameters, so the calls are recorded)."""
    from qdrant_client import QdrantClient
    from qdrant_client import models as qm

    from indexing.index import INTEGER_FIELDS, KEYWORD_FIELDS
    from indexing.server_index import alias_target

    calls: dict[str, list[dict[str, object]]] = {"create": [], "payload_index": []}

    class Recording(QdrantClient):
        def create_collection(self, collection_name: str, **kwargs: object) -> bool:  # type: ignore[override]
            calls["create"].append(kwargs)
            return super().create_collection(collection_name, **kwargs)  # type: ignore[arg-type]

        def create_payload_index(self, collection_name: str, field_name: str, *args: object, **kw: object) -> object:  # type: ignore[override]
            calls["payload_index"].append({"field": field_name, "schema": args[0] if args else kw.get("field_schema")})
            return super().create_payload_index(collection_name, field_name, *args, **kw)  # type: ignore[arg-type]

    client = Recording(location=":memory:")
    settings = Settings(
        data_dir=tmp_path,
        qdrant_url=":memory:",
        qdrant_shards=6,
        qdrant_replication_factor=2,
        qdrant_write_consistency=2,
        qdrant_quantization="int8",
    )
    index = open_index(settings, META, client=client)
    (created,) = calls["create"]
    assert (created["shard_number"], created["replication_factor"], created["write_consistency_factor"]) == (6, 2, 2)
    quantization = created["quantization_config"]
    assert isinstance(quantization, qm.ScalarQuantization) and quantization.scalar.type == qm.ScalarType.INT8
    indexed = {str(c["field"]): c["schema"] for c in calls["payload_index"]}
    assert indexed == {
        **{f: qm.PayloadSchemaType.KEYWORD for f in KEYWORD_FIELDS},
        **{f: qm.PayloadSchemaType.INTEGER for f in INTEGER_FIELDS},
    }
    # Services search the alias; the collection behind it has a name of its own, so a rebuild can sit beside it.
    assert alias_target(client, "praktijkbank") == getattr(index, "name", None) != "praktijkbank"
    fill(index)
    assert open_index(settings, META, client=client).count() == 3  # a second process opens the same collection
    client.close()


def test_a_hit_carries_the_fields_of_the_latest_write(index: VectorIndex) -> None:
    """The embedded adapter keeps found points' hit fields in memory: a new version of a document, written in
    another language, must not be found with the old one (it weighs the document in fusion)."""
    doc = uuid.uuid4()
    query = IndexQuery([1, 0, 0, 0], None, IndexFilter(), limit=5)
    index.upsert([point(doc, "summary", 0, [1, 0, 0, 0], "Schuldhulp voor jongeren", language="nl")])
    assert [(h.payload["doc_id"], h.payload["language"]) for h in index.query(query)] == [(str(doc), "nl")]
    index.upsert([point(doc, "summary", 0, [1, 0, 0, 0], "Debt help for young people", language="en", version=2)])
    index.remove(doc, keep_version=2)
    again = index.query(query)
    assert [(h.payload["doc_id"], h.payload["language"], h.payload["section"]) for h in again] == [
        (str(doc), "en", "summary")
    ]
    index.remove(doc)
    assert index.query(query) == []
