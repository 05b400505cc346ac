"""Import of the network around practices from a seed folder's ``network/`` YAML files.

profiles.yaml (who shows what), applications.yaml ('toegepast'), feedback.yaml, questions.yaml (with answers).
People and organisations are matched by name and created when new, as the practice import does.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.vocab import DocKind
from storage.models import Answer, Application, Feedback, Person, Practice, Question
from storage.repositories import directory, index_tasks


def _load(folder: Path, name: str) -> list[dict[str, Any]]:
    path = folder / name
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list")
    return data


def _person(session: Session, spec: dict[str, Any]) -> Person:
    org = directory.ensure_organisation(session, spec["organisation"]) if spec.get("organisation") else None
    return directory.ensure_person(session, spec["name"], role=spec.get("role"), organisation=org)


def _practice(session: Session, slug: str) -> Practice:
    practice = session.scalar(select(Practice).where(Practice.slug == slug))
    if practice is None:
        raise ValueError(f"no practice {slug!r}")
    return practice


def _moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    day = value if isinstance(value, date) else date.fromisoformat(str(value))
    return datetime.combine(day, datetime.min.time(), UTC)


def import_network(session: Session, folder: Path) -> dict[str, int]:
    """Idempotent per kind: a kind already present (any row) is not imported again."""
    counts = {"profiles": 0, "applications": 0, "feedback": 0, "questions": 0}
    if session.scalar(select(Application.id).limit(1)) is None:
        for spec in _load(folder, "applications.yaml"):
            person = _person(session, spec["person"])
            session.add(
                Application(
                    practice_id=_practice(session, spec["practice"]).id,
                    person_id=person.id,
                    organisation_id=person.organisation_id,
                    applied_on=spec["applied_on"]
                    if isinstance(spec["applied_on"], date)
                    else date.fromisoformat(str(spec["applied_on"])),
                    note=spec["note"],
                )
            )
            counts["applications"] += 1
    if session.scalar(select(Feedback.id).limit(1)) is None:
        for spec in _load(folder, "feedback.yaml"):
            person = _person(session, spec["person"])
            session.add(
                Feedback(practice_id=_practice(session, spec["practice"]).id, person_id=person.id, body=spec["body"])
            )
            counts["feedback"] += 1
    if session.scalar(select(Question.id).limit(1)) is None:
        for spec in _load(folder, "questions.yaml"):
            community = directory.ensure_community(session, spec["community"]) if spec.get("community") else None
            created = _moment(spec.get("created", date.today()))
            question = Question(
                title=spec["title"],
                body=spec["body"],
                asker_id=_person(session, spec["asker"]).id,
                visibility=spec.get("visibility", "public"),
                community_id=community.id if community else None,
                themes=list(spec.get("themes", [])),
                created_at=created,
                answers=[],
            )
            session.add(question)
            session.flush()
            for position, reply in enumerate(spec.get("answers", [])):
                answer = Answer(
                    question_id=question.id,
                    author_id=_person(session, reply["author"]).id,
                    body=reply["body"],
                    practice_ids=[str(_practice(session, slug).id) for slug in reply.get("practices", [])],
                    created_at=created.replace(hour=9 + position),
                )
                session.add(answer)
                session.flush()
                if reply.get("accepted"):
                    question.accepted_answer_id = answer.id
            index_tasks.enqueue(session, DocKind.QUESTION, [question.id])
            counts["questions"] += 1
    # Profiles last: people first met in the records above get their settings too.
    for spec in _load(folder, "profiles.yaml"):
        person = session.scalar(select(Person).where(Person.name == spec["name"])) or directory.ensure_person(
            session, spec["name"]
        )
        person.email = spec.get("email") or person.email
        person.bio = spec.get("bio") or person.bio
        person.profile_visibility = spec.get("profile_visibility", person.profile_visibility)
        counts["profiles"] += 1
    session.flush()
    return counts
