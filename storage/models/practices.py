"""Practices, their authors and tags, and the kept history of every version."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.base import Base, UTCDateTime, new_id, utcnow
from storage.models.directory import Community, Organisation, Person


class Tagged:
    """Themes and legal frames as the schemas read them (``PracticeRead.model_validate(practice)``), from (kind,
    value) tag pairs: one mapping for an ORM practice and a hit row (``storage.repositories.practices.HitRow``)."""

    def tag_pairs(self) -> Iterable[tuple[str, str]]:
        raise NotImplementedError

    def tag_values(self, kind: str) -> list[str]:
        return sorted(value for tag_kind, value in self.tag_pairs() if tag_kind == kind)

    @property
    def themes(self) -> list[str]:
        return self.tag_values("theme")

    @property
    def legal_frames(self) -> list[str]:
        return self.tag_values("legal_frame")


class Practice(Tagged, Base):
    __tablename__ = "practices"
    __table_args__ = (
        Index("ix_practices_created_at_id", "created_at", "id"),
        Index("ix_practices_status_visibility", "status", "visibility"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    situation: Mapped[str] = mapped_column(Text)
    target_group: Mapped[str | None] = mapped_column(Text)
    not_for: Mapped[str | None] = mapped_column(Text)
    goals: Mapped[str | None] = mapped_column(Text)
    approach: Mapped[str] = mapped_column(Text)
    working_elements: Mapped[str | None] = mapped_column(Text)
    results: Mapped[str | None] = mapped_column(Text)
    lessons: Mapped[str | None] = mapped_column(Text)
    preconditions: Mapped[str | None] = mapped_column(Text)
    costs: Mapped[str | None] = mapped_column(Text)

    language: Mapped[str] = mapped_column(String(8))
    recognition_level: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16))
    visibility: Mapped[str] = mapped_column(String(16))
    region: Mapped[str | None] = mapped_column(String(100))
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    community_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("communities.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    # The recognition level is assessed by a curator: when, by whom, why, and when to look again.
    recognition_assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recognition_assessed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    recognition_explanation: Mapped[str | None] = mapped_column(Text)
    recognition_reassess_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation | None] = relationship(lazy="raise")
    community: Mapped[Community | None] = relationship(lazy="raise")
    authors: Mapped[list[PracticeAuthor]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="PracticeAuthor.position"
    )
    tags: Mapped[list[PracticeTag]] = relationship(lazy="raise", cascade="all, delete-orphan")

    def tag_pairs(self) -> Iterable[tuple[str, str]]:
        return ((t.kind, t.value) for t in self.tags)

    @property
    def author_people(self) -> list[Person]:
        return [a.person for a in self.authors]

    @property
    def recognition(self) -> dict[str, object]:
        return {
            "level": self.recognition_level,
            "explanation": self.recognition_explanation,
            "assessed_at": self.recognition_assessed_at,
            "reassess_at": self.recognition_reassess_at,
        }


class PracticeAuthor(Base):
    __tablename__ = "practice_authors"

    practice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("practices.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)

    person: Mapped[Person] = relationship(lazy="raise")


class PracticeTag(Base):
    """Themes and legal frames, one row each, so filters stay plain indexed SQL on every backend."""

    __tablename__ = "practice_tags"
    __table_args__ = (Index("ix_practice_tags_kind_value", "kind", "value"),)

    practice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("practices.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(40), primary_key=True)


class PracticeVersion(Base):
    """A full snapshot of a practice as it was at one version; written on every change."""

    __tablename__ = "practice_versions"
    __table_args__ = (UniqueConstraint("practice_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    practice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("practices.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)
