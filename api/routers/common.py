"""Helpers shared by routers: references to practices, cursors, filter parameters."""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query
from sqlalchemy.orm import Session

from core.errors import InvalidInput, NotFound
from core.vocab import Language, LegalFrame, RecognitionLevel, Status, Theme
from schemas.practices import PracticeSummary
from schemas.search import Highlight, SearchHit
from services.access import AccessPolicy
from services.practices import to_read
from services.search import PracticeHit
from storage.models import Practice
from storage.repositories import practices as repo
from storage.repositories.practices import Cursor, PracticeFilters

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def parse_ref(ref: str) -> uuid.UUID | str:
    try:
        return uuid.UUID(ref)
    except ValueError:
        if _SLUG.match(ref) and len(ref) <= 120:
            return ref
    raise InvalidInput("not a practice id (a UUID) or slug", field="id")


def find_practice(session: Session, ref: str, policy: AccessPolicy) -> Practice:
    key = parse_ref(ref)
    practice_id = key if isinstance(key, uuid.UUID) else _id_by_slug(session, key)
    practice = repo.get(session, practice_id, policy.practice_clause()) if practice_id else None
    if practice is None:
        raise NotFound("no practice with this id", field="id")
    return practice


def resolve_id(session: Session, ref: str) -> uuid.UUID:
    key = parse_ref(ref)
    practice_id = key if isinstance(key, uuid.UUID) else _id_by_slug(session, key)
    if practice_id is None:
        raise NotFound("no practice with this id", field="id")
    return practice_id


def _id_by_slug(session: Session, slug: str) -> uuid.UUID | None:
    from sqlalchemy import select

    return session.scalar(select(Practice.id).where(Practice.slug == slug))


def encode_cursor(cursor: Cursor | None) -> str | None:
    if cursor is None:
        return None
    raw = json.dumps({"t": cursor.created_at.isoformat(), "i": str(cursor.id)}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str | None) -> Cursor | None:
    if not value:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        data = json.loads(raw)
        created = datetime.fromisoformat(data["t"])
        if created.tzinfo is None:
            raise ValueError("naive")
        return Cursor(created, uuid.UUID(data["i"]))
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise InvalidInput("not a cursor returned by this API", field="cursor") from exc


def practice_filters(
    theme: Annotated[list[Theme] | None, Query(description="Any of these themes.")] = None,
    legal_frame: Annotated[list[LegalFrame] | None, Query()] = None,
    organisation: Annotated[str | None, Query(max_length=120, pattern=_SLUG.pattern)] = None,
    community: Annotated[str | None, Query(max_length=120, pattern=_SLUG.pattern)] = None,
    recognition_level: Annotated[list[RecognitionLevel] | None, Query()] = None,
    language: Annotated[list[Language] | None, Query()] = None,
    status: Annotated[list[Status] | None, Query()] = None,
) -> PracticeFilters:
    return PracticeFilters(
        themes=[t.value for t in theme or []],
        legal_frames=[f.value for f in legal_frame or []],
        organisation=organisation,
        community=community,
        recognition_levels=[r.value for r in recognition_level or []],
        languages=[lang.value for lang in language or []],
        statuses=[s.value for s in status or []],
    )


FiltersDep = Annotated[PracticeFilters, Depends(practice_filters)]


def to_search_hit(hit: PracticeHit) -> SearchHit:
    return SearchHit(
        practice=PracticeSummary.model_validate(to_read(hit.practice).model_dump()),
        score=hit.score,
        section=hit.section,
        sections=list(hit.sections),
        snippet=hit.snippet.text,
        highlights=[Highlight(start=s, end=e) for s, e in hit.snippet.highlights],
        relevance=hit.relevance,
        label=hit.label,
    )
