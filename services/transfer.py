"""Import (Markdown folders, JSONL) and export (JSONL dump with versions) of practices."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy.orm import Session

from core.errors import InvalidInput
from core.vocab import SECTIONS, Status
from schemas.practices import PracticeCreate
from services import practices as practice_service
from services.access import SYSTEM, AccessPolicy
from storage.models import Community, Organisation, Person, Practice, PracticeVersion
from storage.repositories import directory
from storage.repositories import practices as repo

_SYSTEM = AccessPolicy(SYSTEM)
_HEADINGS = {heading.lower(): name for name, pair in SECTIONS.items() for heading in pair}
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n(.*)\Z", re.DOTALL)


@dataclass
class ImportReport:
    created: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


def parse_markdown(text: str) -> dict[str, Any]:
    """Front matter plus ``## Heading`` sections, as one flat record."""
    match = _FRONT_MATTER.match(text)
    if not match:
        raise ValueError("no YAML front matter (the file must start with '---')")
    record = yaml.safe_load(match.group(1)) or {}
    if not isinstance(record, dict):
        raise ValueError("front matter is not a mapping")
    current: str | None = None
    lines: dict[str, list[str]] = {}
    for line in match.group(2).splitlines():
        if line.startswith("## "):
            heading = line[3:].strip()
            current = _HEADINGS.get(heading.lower())
            if current is None:
                raise ValueError(f"unknown section heading {heading!r}")
            if current in lines:
                raise ValueError(f"section {heading!r} appears twice")
            lines[current] = []
        elif current is not None:
            lines[current].append(line)
    for name, body in lines.items():
        record[name] = "\n".join(body).strip()
    return record


Record = dict[str, Any] | ValueError


def read_records(path: Path) -> Iterator[tuple[str, Record]]:
    """(where, record) for a folder of Markdown files or a JSONL file; a record that cannot be read is
    handed on as its error, so the import reports it and goes on with the rest."""
    if path.is_dir():
        for file in sorted(path.glob("*.md")):
            text = file.read_text(encoding="utf-8")
            if not text.startswith("---"):
                continue  # README and other notes
            yield file.name, _parsed(parse_markdown, text)
    else:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    yield f"{path.name}:{number}", _parsed(json.loads, line)


def _parsed(parse: Callable[[str], Any], text: str) -> Record:
    try:
        record = parse(text)
    except (ValueError, yaml.YAMLError) as exc:
        return ValueError(str(exc))
    return record if isinstance(record, dict) else ValueError("a record must be an object")


def import_records(
    session: Session, records: Iterable[tuple[str, Record]], *, progress: Callable[[], object] | None = None
) -> ImportReport:
    """Import every record in a savepoint of its own, so one bad record does not stop the rest."""
    report = ImportReport()
    for where, record in records:
        if isinstance(record, ValueError):
            report.errors.append(f"{where}: {record}")
            continue
        try:
            with session.begin_nested():
                created = _import_one(session, record)
        except (InvalidInput, ValidationError, ValueError, KeyError, TypeError) as exc:
            report.errors.append(f"{where}: {_describe(exc)}")
        else:
            if created:
                report.created += 1
            else:
                report.skipped += 1
        if progress:
            progress()
    return report


def _describe(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
    if isinstance(exc, InvalidInput) and exc.field:
        return f"{exc.field}: {exc.detail}"
    return str(exc)


def _import_one(session: Session, record: dict[str, Any]) -> bool:
    kind = record.get("type")
    if kind == "organisation":
        if not directory.organisation_by_slug(session, record["slug"]):
            session.add(Organisation(**_fields(record, "id", "slug", "name", "kind", "region")))
        return True
    if kind == "person":
        if not directory.person_by_slug(session, record["slug"]):
            org = (
                directory.organisation_by_slug(session, record["organisation"]) if record.get("organisation") else None
            )
            person = Person(**_fields(record, "id", "slug", "name", "role", "bio", "email", "profile_visibility"))
            person.organisation_id = org.id if org else None
            session.add(person)
        return True
    if kind == "community":
        community = directory.community_by_slug(session, record["slug"])
        if community is None:
            community = Community(**_fields(record, "id", "slug", "name", "description"))
            session.add(community)
            session.flush()
            for member in record.get("members", []):
                member_person = directory.person_by_slug(session, member["person"])
                if member_person:
                    directory.ensure_member(session, community.id, member_person.id, member.get("role", "member"))
        return True
    if kind == "practice":
        return _import_dumped_practice(session, record)
    return _import_authored_practice(session, record)


def _fields(record: dict[str, Any], *names: str) -> dict[str, Any]:
    values = {n: record[n] for n in names if record.get(n) is not None}
    if "id" in values:
        values["id"] = uuid.UUID(str(values["id"]))
    return values


def _import_authored_practice(session: Session, record: dict[str, Any]) -> bool:
    """A practice as people write it (Markdown front matter or the same keys in JSON)."""
    slug = record.get("slug")
    if slug and repo.slug_taken(session, slug):
        return False
    org_name = record.get("organisation")
    organisation = directory.ensure_organisation(session, org_name, region=record.get("region")) if org_name else None
    community = directory.ensure_community(session, record["community"]) if record.get("community") else None
    author_slugs = []
    for author in record.get("authors") or []:
        author_org = (
            directory.ensure_organisation(session, author["organisation"]) if author.get("organisation") else None
        )
        person = directory.ensure_person(session, author["name"], role=author.get("role"), organisation=author_org)
        author_slugs.append(person.slug)
        if community:
            directory.ensure_member(session, community.id, person.id)
    data = {k: v for k, v in record.items() if k in PracticeCreate.model_fields}
    data.update(
        organisation=organisation.slug if organisation else None,
        community=community.slug if community else None,
        authors=author_slugs,
        status=record.get("status", Status.PUBLISHED.value),
    )
    created = record.get("created")
    created_at = None
    if created:
        when = created if isinstance(created, datetime) else datetime.fromisoformat(str(created))
        if isinstance(created, date) and not isinstance(created, datetime):
            when = datetime.combine(created, datetime.min.time())
        created_at = when if when.tzinfo else when.replace(tzinfo=UTC)
    practice_service.create(session, PracticeCreate.model_validate(data), policy=_SYSTEM, created_at=created_at)
    return True


def _import_dumped_practice(session: Session, record: dict[str, Any]) -> bool:
    """A practice from ``export``: same id, timestamps, version number and full history."""
    current = record["practice"]
    practice_id = uuid.UUID(current["id"])
    if session.get(Practice, practice_id) is not None or repo.slug_taken(session, current["slug"]):
        return False
    data = {k: v for k, v in current.items() if k in PracticeCreate.model_fields}
    data.update(
        organisation=(current.get("organisation") or {}).get("slug"),
        community=(current.get("community") or {}).get("slug"),
        authors=[a["slug"] for a in current.get("authors", [])],
    )
    history = [
        PracticeVersion(
            version=int(v["version"]),
            created_at=datetime.fromisoformat(v["created_at"]),
            note=v.get("note"),
            snapshot=v["snapshot"],
        )
        for v in sorted(record.get("versions", []), key=lambda v: int(v["version"]))
    ]
    if not history or history[-1].version != int(current["version"]):
        raise ValueError("the versions of an exported practice must end with its current version")
    practice_service.create(
        session,
        PracticeCreate.model_validate(data),
        policy=_SYSTEM,
        practice_id=practice_id,
        created_at=datetime.fromisoformat(current["created_at"]),
        history=history,
    )
    return True
