"""HTTP helpers shared by routers: path parameter types, cursors, filter parameters."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Path, Query

from core.errors import InvalidInput
from core.vocab import Language, LegalFrame, RecognitionLevel, Status, Theme
from schemas.common import SLUG_PATTERN, UUID_PATTERN
from storage.repositories.practices import Cursor, PracticeFilters

# Path parameters: what they accept is in the OpenAPI document and checked before a route runs.
SlugPath = Annotated[str, Path(pattern=SLUG_PATTERN, max_length=120, description="A readable id: a-z, 0-9, '-'.")]
FewResults = Annotated[int, Query(ge=1, le=20, description="How many at most.")]
RefPath = Annotated[
    str,
    Path(
        pattern=f"(?:{UUID_PATTERN})|(?:{SLUG_PATTERN})",
        max_length=120,
        description="A practice's id (UUID) or its slug.",
    ),
]


def encode_cursor(cursor: Cursor | None) -> str | None:
    if cursor is None:
        return None
    raw = json.dumps({"t": cursor.created_at.isoformat(), "i": str(cursor.id)}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str | None) -> Cursor | None:
    """A cursor is client input: anything but what ``encode_cursor`` made is a 422 on ``cursor``."""
    if not value:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
        if not isinstance(data, dict) or not isinstance(data.get("t"), str) or not isinstance(data.get("i"), str):
            raise ValueError("not a cursor")
        created = datetime.fromisoformat(data["t"])
        if created.tzinfo is None:
            raise ValueError("naive")
        # An offset that pushes the moment outside the years 1..9999 fails here, not in the database layer.
        return Cursor(created.astimezone(UTC), uuid.UUID(data["i"]))
    except (binascii.Error, ValueError, OverflowError, UnicodeDecodeError) as exc:
        raise InvalidInput("not a cursor returned by this API", field="cursor") from exc


async def practice_filters(
    theme: Annotated[list[Theme] | None, Query(description="Any of these themes.")] = None,
    legal_frame: Annotated[list[LegalFrame] | None, Query()] = None,
    organisation: Annotated[str | None, Query(max_length=120, pattern=SLUG_PATTERN)] = None,
    community: Annotated[str | None, Query(max_length=120, pattern=SLUG_PATTERN)] = None,
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
