"""The SQL side of the index: what is indexable, each document as of now, the task queue, and how far the index
lags behind SQL. The one place that knows both kinds of document (practices and questions)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session, sessionmaker

from core.vocab import SECTION_NAMES, DocKind
from indexing.documents import INDEXED_SECTIONS, IndexDocument
from indexing.index import FieldIn, IndexFilter, VectorIndex
from indexing.worker import ClaimedTask
from services.access import owners_of
from storage.database import unit_of_work
from storage.models import Practice, Question
from storage.repositories import index_tasks
from storage.repositories import practices as repo
from storage.repositories import questions as questions_repo

logger = logging.getLogger(__name__)


def to_index_document(practice: Practice) -> IndexDocument:
    # Every section the index reads (``not_for`` is left out on purpose, see INDEXED_SECTIONS).
    sections = {name: getattr(practice, name) or "" for name in ("summary", *SECTION_NAMES) if name in INDEXED_SECTIONS}
    payload = {
        "doc_type": DocKind.PRACTICE.value,
        "status": practice.status,
        "visibility": practice.visibility,
        "community_id": str(practice.community_id) if practice.community_id else "",
        "organisation_id": str(practice.organisation_id) if practice.organisation_id else "",
        "language": practice.language,
        "recognition_level": practice.recognition_level,
        "themes": practice.tag_values("theme"),
        "legal_frames": practice.tag_values("legal_frame"),
        # Authors and creator read their own drafts: the engine filters on them like on a community.
        "owner_ids": sorted(str(p) for p in owners_of(practice)),
    }
    return IndexDocument(practice.id, practice.version, practice.title, practice.language, sections, payload)


def question_document(question: Question) -> IndexDocument:
    answers = "\n\n".join(a.body for a in question.answers)
    payload = {
        "doc_type": DocKind.QUESTION.value,
        "status": "published",  # questions have no workflow; visibility and community decide who finds them
        "visibility": question.visibility,
        "community_id": str(question.community_id) if question.community_id else "",
        "organisation_id": "",
        "language": question.language,
        "recognition_level": "",
        "themes": sorted(question.themes),
        "legal_frames": [],
        "owner_ids": [str(question.asker_id)] if question.asker_id else [],
    }
    sections = {"question": question.body, "answers": answers}
    return IndexDocument(question.id, question.version, question.title, question.language, sections, payload)


def indexable(session: Session) -> dict[DocKind, list[uuid.UUID]]:
    """Every document the index should hold, per kind: what ``reindex`` enqueues and the status counts."""
    return {
        DocKind.PRACTICE: repo.all_ids(session),
        DocKind.QUESTION: list(session.scalars(select(Question.id).order_by(Question.created_at))),
    }


def enqueue_all(session: Session) -> dict[DocKind, int]:
    """Replace the queue with one task per indexable document (committed by the caller, before the index is touched:
    an interrupted rebuild resumes from the queue)."""
    documents = indexable(session)
    index_tasks.clear(session)
    for kind, ids in documents.items():
        index_tasks.enqueue(session, kind, ids)
    return {kind: len(ids) for kind, ids in documents.items()}


def versions_in_sql(session: Session) -> dict[uuid.UUID, tuple[DocKind, int]]:
    """Every indexable document with its kind and current version."""
    found = {pid: (DocKind.PRACTICE, v) for pid, v in session.execute(select(Practice.id, Practice.version))}
    found.update({qid: (DocKind.QUESTION, v) for qid, v in session.execute(select(Question.id, Question.version))})
    return found


def out_of_date(session: Session, index: VectorIndex) -> list[tuple[DocKind, uuid.UUID]]:
    """Documents the index holds at another version than SQL, lacks, or holds though SQL no longer has them
    (those as practices: the worker removes the points of a document it cannot load, whatever its kind)."""
    wanted = versions_in_sql(session)
    held = dict(index.versions())
    stale = [(kind, doc) for doc, (kind, version) in wanted.items() if held.get(doc) != version]
    gone = [(DocKind.PRACTICE, doc) for doc in held if doc not in wanted]
    return stale + gone


def enqueue_out_of_date(session: Session, index: VectorIndex) -> int:
    """Queue a task for every document where ``index`` and SQL differ (after a switch to a rebuilt index)."""
    differing = out_of_date(session, index)
    for kind in DocKind:
        index_tasks.enqueue(session, kind, [doc for k, doc in differing if k == kind])
    return len(differing)


@dataclass(frozen=True)
class IndexStatus:
    """SQL and index counts per kind of document, and the queue between them."""

    in_sql: dict[DocKind, int]
    in_index: dict[DocKind, int] | None  # None: the index did not answer
    backlog: index_tasks.Backlog

    @property
    def indexing(self) -> bool:
        return self.backlog.pending > 0


def index_status(session: Session, index: VectorIndex | None) -> IndexStatus:
    """Counts per kind in SQL and (when an index is given and answers) in the index."""
    in_sql = {
        DocKind.PRACTICE: repo.total(session),
        DocKind.QUESTION: int(session.scalar(select(func.count()).select_from(Question)) or 0),
    }
    in_index: dict[DocKind, int] | None = None
    if index is None:
        return IndexStatus(in_sql, None, index_tasks.backlog(session))
    try:
        in_index = {kind: index.count(IndexFilter((FieldIn("doc_type", (kind.value,)),))) for kind in DocKind}
    except Exception:  # any engine failure: the caller reports the index as unavailable; the log has the detail
        logger.exception("the index did not answer a count")
        in_index = None
    return IndexStatus(in_sql, in_index, index_tasks.backlog(session))


class SqlDocumentSource:
    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory

    def claim(self, limit: int) -> list[ClaimedTask]:
        with unit_of_work(self._factory) as session:
            return [ClaimedTask(t.id, t.doc_kind, t.doc_id) for t in index_tasks.claim(session, limit)]

    def load(self, tasks: Sequence[ClaimedTask]) -> dict[uuid.UUID, IndexDocument]:
        """Practices and questions share the task queue; a document that is gone is left out (its points go)."""
        practice_ids = [t.doc_id for t in tasks if t.kind == DocKind.PRACTICE]
        question_ids = [t.doc_id for t in tasks if t.kind == DocKind.QUESTION]
        with unit_of_work(self._factory) as session:
            found = repo.get_many(session, practice_ids, true())
            documents = {pid: to_index_document(p) for pid, p in found.items()}
            for question in questions_repo.get_many(session, question_ids, true()):
                documents[question.id] = question_document(question)
            return documents

    def complete(self, task_ids: Sequence[int]) -> None:
        with unit_of_work(self._factory) as session:
            index_tasks.complete(session, task_ids)

    def fail(self, task_ids: Sequence[int], error: str) -> None:
        with unit_of_work(self._factory) as session:
            index_tasks.fail(session, task_ids, error)
