"""Practice contracts: create, update, read, versions, list pages."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, TypeVar

from pydantic import AfterValidator, AliasChoices, AnyHttpUrl, Field

from core.vocab import Language, LegalFrame, RecognitionLevel, Status, Theme, Visibility
from schemas.common import (
    InputSchema,
    LongText,
    RequiredLongText,
    Schema,
    ShortText,
    Slug,
    Summary,
)
from schemas.directory import CommunityRef, OrganisationRef, PersonRef

T = TypeVar("T")


def _unique(values: list[T]) -> list[T]:
    if len(set(values)) != len(values):
        raise ValueError("contains the same value twice")
    return values


Themes = Annotated[list[Theme], AfterValidator(_unique), Field(min_length=1, max_length=11)]
LegalFrames = Annotated[list[LegalFrame], AfterValidator(_unique), Field(max_length=9)]
AuthorSlugs = Annotated[list[Slug], AfterValidator(_unique), Field(max_length=20)]


class Source(InputSchema):
    title: ShortText
    url: AnyHttpUrl | None = None


class SourceRead(Schema):
    title: str
    url: str | None = None


class _Sections(InputSchema):
    target_group: LongText | None = None
    not_for: LongText | None = None
    goals: LongText | None = None
    working_elements: LongText | None = None
    results: LongText | None = None
    lessons: LongText | None = None
    preconditions: LongText | None = None
    costs: LongText | None = None


class PracticeCreate(_Sections):
    """A new practice. People, organisation and community are referred to by slug and must exist."""

    slug: Slug | None = Field(default=None, description="Stable readable id; made from the title when left out.")
    title: ShortText
    summary: Summary
    situation: RequiredLongText
    approach: RequiredLongText
    language: Language = Language.NL
    themes: Themes
    legal_frames: LegalFrames = Field(default_factory=list)
    recognition_level: RecognitionLevel = RecognitionLevel.PRAKTIJKVOORBEELD
    status: Status = Status.DRAFT
    visibility: Visibility = Visibility.PUBLIC
    organisation: Slug | None = None
    region: ShortText | None = None
    community: Slug | None = None
    authors: AuthorSlugs = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list, max_length=30)


class PracticeUpdate(_Sections):
    """A partial change: only the fields sent are changed. Send ``null`` to clear an optional section."""

    title: ShortText | None = None
    summary: Summary | None = None
    situation: RequiredLongText | None = None
    approach: RequiredLongText | None = None
    language: Language | None = None
    themes: Themes | None = None
    legal_frames: LegalFrames | None = None
    visibility: Visibility | None = None
    organisation: Slug | None = None
    region: ShortText | None = None
    community: Slug | None = None
    authors: AuthorSlugs | None = None
    sources: list[Source] | None = Field(default=None, max_length=30)
    note: ShortText | None = Field(default=None, description="Why this change was made; kept with the version.")


class StatusChange(InputSchema):
    """Move a practice along the workflow: draft → in_review → published → archived."""

    status: Status
    note: ShortText | None = None


class RecognitionChange(InputSchema):
    """A curator's assessment of the evidence behind a practice."""

    level: RecognitionLevel
    explanation: Summary = Field(description="Why this level: what was observed or measured, and by whom.")
    reassess_at: date | None = Field(default=None, description="When the level should be looked at again.")


class Recognition(Schema):
    level: str
    explanation: str | None = None
    assessed_at: datetime | None = None
    reassess_at: datetime | None = None


class PracticeSummary(Schema):
    id: uuid.UUID
    slug: str
    title: str
    summary: str
    language: str
    themes: list[str]
    legal_frames: list[str]
    recognition_level: str
    status: str
    visibility: str
    organisation: OrganisationRef | None = None
    community: CommunityRef | None = None
    version: int
    updated_at: datetime


class PracticeRead(PracticeSummary):
    situation: str
    approach: str
    target_group: str | None = None
    not_for: str | None = None
    goals: str | None = None
    working_elements: str | None = None
    results: str | None = None
    lessons: str | None = None
    preconditions: str | None = None
    costs: str | None = None
    region: str | None = None
    authors: list[PersonRef] = Field(validation_alias=AliasChoices("author_people", "authors"))
    sources: list[SourceRead]
    recognition: Recognition | None = None
    created_at: datetime


class PracticeVersionRead(Schema):
    version: int
    created_at: datetime
    note: str | None = None
    practice: PracticeRead
