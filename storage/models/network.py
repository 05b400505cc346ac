"""The network around practices: questions and answers, 'toegepast' records, collegial feedback, knowledge gaps."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.base import Base, UTCDateTime, new_id, utcnow
from storage.models.directory import Community, Organisation, Person


class Question(Base):
    """A question put to the network; indexed like a practice so later questions find it with its answers."""

    __tablename__ = "questions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    asker_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    visibility: Mapped[str] = mapped_column(String(16))
    community_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("communities.id", ondelete="SET NULL"))
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(8), default="nl")
    accepted_answer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # A case can hold a citizen's details: a mail to a colleague it was routed to carries only its title and a
    # link, unless its asker chose to share the text.
    share_text: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    asker: Mapped[Person | None] = relationship(lazy="raise")
    community: Mapped[Community | None] = relationship(lazy="raise")
    answers: Mapped[list[Answer]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="Answer.created_at", back_populates="question"
    )


class Answer(Base):
    __tablename__ = "answers"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    question_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(Text)
    practice_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    question: Mapped[Question] = relationship(lazy="raise", back_populates="answers")
    author: Mapped[Person | None] = relationship(lazy="raise")


class Application(Base):
    """'Toegepast': someone applied a practice in their organisation, with a note on how it went."""

    __tablename__ = "applications"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    practice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("practices.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    applied_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person | None] = relationship(lazy="raise")
    organisation: Mapped[Organisation | None] = relationship(lazy="raise")


class Feedback(Base):
    """Collegial feedback on a practice."""

    __tablename__ = "feedback"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    practice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("practices.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person | None] = relationship(lazy="raise")


class KnowledgeGap(Base):
    """Searches and questions that found nothing good, counted per day and theme. No query text, no person."""

    __tablename__ = "knowledge_gaps"
    __table_args__ = (UniqueConstraint("day", "theme", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[date] = mapped_column(Date)
    theme: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16))  # search | ask
    count: Mapped[int] = mapped_column(Integer, default=0)
