"""Contracts of the network: asking, questions and answers, applications, feedback, gaps."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from core.vocab import LegalFrame, RecognitionLevel, Theme, Visibility
from schemas.common import InputSchema, LongText, Schema, ShortText, Slug, Summary
from schemas.directory import CommunityRef, OrganisationRef, PersonRef
from schemas.practices import PracticeSummary
from schemas.search import LABEL_DESCRIPTION, RELEVANCE_DESCRIPTION, RelevanceLabel

QuestionText = Annotated[str, StringConstraints(min_length=1, max_length=5000)]


class AskFilters(InputSchema):
    themes: list[Theme] = Field(default_factory=list, max_length=11)
    legal_frames: list[LegalFrame] = Field(default_factory=list, max_length=9)
    recognition_levels: list[RecognitionLevel] = Field(default_factory=list, max_length=4)


class AskRequest(InputSchema):
    question: QuestionText = Field(description="The question or a whole case description.")
    filters: AskFilters = Field(default_factory=AskFilters)
    limit: int = Field(default=5, ge=1, le=20, description="How many of each: practices, people, communities.")


class RelatedPractice(Schema):
    practice: PracticeSummary
    section: str
    snippet: str
    reason: str
    relevance: float | None = Field(default=None, description=RELEVANCE_DESCRIPTION)
    label: RelevanceLabel | None = Field(default=None, description=LABEL_DESCRIPTION)


class NetworkPerson(Schema):
    person: PersonRef
    organisation: OrganisationRef | None = None
    email: str | None = Field(default=None, description="Only for signed-in callers, never for anonymous ones.")
    score: float = Field(description="Evidence for this question; orders the list.")
    reasons: list[str] = Field(description="Why, strongest evidence first.")
    relevance: float | None = Field(
        default=None,
        description="The calibrated relevance of this person's strongest evidence (a practice or question), 0–1.",
    )
    label: RelevanceLabel | None = Field(default=None, description="The label of that strongest evidence.")


class NetworkCommunity(Schema):
    community: CommunityRef
    score: float = Field(description="Evidence for this question; orders the list.")
    reasons: list[str] = Field(description="Why, strongest evidence first.")
    relevance: float | None = Field(default=None, description="The calibrated relevance of its strongest evidence.")
    label: RelevanceLabel | None = Field(default=None, description="The label of that strongest evidence.")


class AnswerRead(Schema):
    id: uuid.UUID
    author: PersonRef | None = None
    body: str
    practices: list[str] = Field(description="Slugs of practices the answer points at.")
    accepted: bool
    created_at: datetime


class QuestionRead(Schema):
    id: uuid.UUID
    title: str
    body: str
    asker: PersonRef | None = None
    visibility: str
    community: CommunityRef | None = None
    themes: list[str]
    created_at: datetime
    answers: list[AnswerRead]


class AskResponse(Schema):
    question: str
    practices: list[RelatedPractice]
    people: list[NetworkPerson]
    communities: list[NetworkCommunity]
    questions: list[QuestionRead]
    nothing_strong: bool | None = Field(
        default=None,
        description="True when no practice is `sterk` for this question: the bank has no good answer yet (counted "
        "as a knowledge gap). No people or communities are suggested when no practice is at least `mogelijk`. "
        "Null when nothing carries a label.",
    )


class QuestionCreate(InputSchema):
    title: ShortText
    body: QuestionText
    visibility: Visibility = Visibility.PUBLIC
    community: Slug | None = None
    themes: list[Theme] = Field(default_factory=list, max_length=11)
    share_text: bool = Field(
        default=False,
        description="Let a mail to a colleague the question is routed to (by what they know) carry its text; by "
        "default such a mail carries only the title and a link, as a case can hold a citizen's details.",
    )


class AnswerCreate(InputSchema):
    body: QuestionText
    practices: list[Slug] = Field(default_factory=list, max_length=10)


class AcceptAnswer(InputSchema):
    answer_id: uuid.UUID


class ApplicationCreate(InputSchema):
    organisation: Slug | None = Field(default=None, description="Where it was applied; default your own.")
    applied_on: date
    note: Summary


class ApplicationRead(Schema):
    id: uuid.UUID
    person: PersonRef | None = None
    organisation: OrganisationRef | None = None
    applied_on: date
    note: str


class FeedbackCreate(InputSchema):
    body: Summary


class FeedbackRead(Schema):
    id: uuid.UUID
    person: PersonRef | None = None
    body: str
    created_at: datetime


class DraftCheck(InputSchema):
    title: ShortText
    summary: Summary | None = None
    situation: LongText | None = None
    approach: LongText | None = None


class SimilarPractice(Schema):
    practice: PracticeSummary
    similarity: float = Field(description="Cosine similarity of the draft with the practice's closest passage (0–1).")


class SuggestedQuestion(Schema):
    question: QuestionRead
    score: float
    reason: str


class GapRead(Schema):
    theme: str
    searches: int
    questions: int
