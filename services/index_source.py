"""The SQL side of the index worker: what to index, as of now, and bookkeeping of the task queue."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import true
from sqlalchemy.orm import Session, sessionmaker

from core.vocab import SECTION_NAMES
from indexing.documents import INDEXED_SECTIONS, IndexDocument
from indexing.worker import ClaimedTask
from services.access import owners_of
from storage.database import unit_of_work
from storage.models import Practice, Question
from storage.repositories import index_tasks
from storage.repositories import practices as repo
from storage.repositories import questions as questions_repo


def to_index_document(practice: Practice) -> IndexDocument:
    # Every section the index reads (``not_for`` is left out on purpose, see INDEXED_SECTIONS).
    sections = {name: getattr(practice, name) or "" for name in ("summary", *SECTION_NAMES) if name in INDEXED_SECTIONS}
    payload = {
        "doc_type": "practice",
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
        "doc_type": "question",
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


class SqlDocumentSource:
    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory

    def claim(self, limit: int) -> list[ClaimedTask]:
        with unit_of_work(self._factory) as session:
            return [ClaimedTask(t.id, t.practice_id) for t in index_tasks.claim(session, limit)]

    def load(self, doc_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, IndexDocument]:
        """Practices and questions share the task queue; an id that is neither was deleted."""
        with unit_of_work(self._factory) as session:
            documents = {pid: to_index_document(p) for pid, p in repo.get_many(session, doc_ids, true()).items()}
            rest = [d for d in doc_ids if d not in documents]
            for question in questions_repo.get_many(session, rest, true()):
                documents[question.id] = question_document(question)
            return documents

    def complete(self, task_ids: Sequence[int]) -> None:
        with unit_of_work(self._factory) as session:
            index_tasks.complete(session, task_ids)

    def fail(self, task_ids: Sequence[int], error: str) -> None:
        with unit_of_work(self._factory) as session:
            index_tasks.fail(session, task_ids, error)
