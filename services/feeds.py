"""What the Atom feeds carry, and the personal feed tokens.

A public feed reads as nobody in particular (``AccessPolicy(ANONYMOUS)``), whoever fetches it: a feed URL is passed
around, cached and read by services outside the organisation, so it carries exactly what a stranger may read. A
personal feed reads as the person behind its token, by their memberships only: an admin's feed is a colleague's
feed, so a leaked feed URL never exposes every community. Questions show as their title and link alone: a case can
hold a citizen's details.
"""

from __future__ import annotations

import dataclasses
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session

from core.errors import NotFound
from core.vocab import FollowKind, Theme
from services import audit
from services.access import ANONYMOUS, AccessPolicy
from services.auth import digest, viewer_for
from storage.base import utcnow
from storage.models import Account, FeedToken, Person, Practice, Question
from storage.repositories import directory
from storage.repositories import feeds as repo

FEED_SIZE = 50
FEED_TOKEN_PREFIX = "pbf_"  # noqa: S105 - a marker (not an API token's ``pbk_``), not a secret
PUBLIC = AccessPolicy(ANONYMOUS)
_NO_FEED = "no feed with this token"


@dataclass(frozen=True)
class Author:
    name: str
    slug: str


@dataclass(frozen=True)
class FeedEntry:
    """One practice or question as a feed shows it: what may leave the site, with the path of its page."""

    id: uuid.UUID
    kind: Literal["practice", "question"]
    title: str
    path: str
    updated: datetime
    published: datetime | None  # a practice keeps no publication time; its latest change is ``updated``
    summary: str | None  # a practice's summary; never a question's text
    authors: tuple[Author, ...]
    themes: tuple[str, ...]


@dataclass(frozen=True)
class Feed:
    entries: list[FeedEntry]
    title: str | None = None  # what the feed is about: a community's name, a person's name
    owner: uuid.UUID | None = None  # whose personal feed this is

    @property
    def updated(self) -> datetime | None:
        return max((e.updated for e in self.entries), default=None)


# --- the entries ------------------------------------------------------------------------------------------


def _authors(people: Iterable[Person | None], policy: AccessPolicy) -> tuple[Author, ...]:
    """Names only of the people whose profile the feed's reader may see."""
    return tuple(Author(p.name, p.slug) for p in people if p is not None and policy.can_see_profile(p))


def _practice_entry(practice: Practice, policy: AccessPolicy) -> FeedEntry:
    return FeedEntry(
        id=practice.id,
        kind="practice",
        title=practice.title,
        path=f"/praktijken/{practice.slug}",
        updated=practice.updated_at,
        published=None,
        summary=practice.summary,
        authors=_authors(practice.author_people, policy),
        themes=tuple(practice.themes),
    )


def _question_entry(question: Question, policy: AccessPolicy, *, active: datetime | None = None) -> FeedEntry:
    return FeedEntry(
        id=question.id,
        kind="question",
        title=question.title,
        path=f"/vragen/{question.id}",
        updated=max(question.created_at, active) if active else question.created_at,
        published=question.created_at,
        summary=None,
        authors=_authors([question.asker], policy),
        themes=tuple(question.themes or ()),
    )


def _newest(entries: Iterable[FeedEntry]) -> list[FeedEntry]:
    unique = {entry.id: entry for entry in entries}
    return sorted(unique.values(), key=lambda e: (e.updated, str(e.id)), reverse=True)[:FEED_SIZE]


def _practices(
    session: Session, policy: AccessPolicy, *, themes: Iterable[str] = (), community: str | None = None
) -> list[FeedEntry]:
    found = repo.latest_practices(
        session, policy.practice_clause(), themes=list(themes), community=community, limit=FEED_SIZE
    )
    return [_practice_entry(p, policy) for p in found]


# --- public feeds -----------------------------------------------------------------------------------------


def practices(session: Session) -> Feed:
    """Newly published public practices, newest first."""
    return Feed(_newest(_practices(session, PUBLIC)))


def theme_practices(session: Session, theme: str) -> Feed:
    """Newly published public practices of one theme; an unknown theme has no feed."""
    if theme not in {t.value for t in Theme}:
        raise NotFound(f"no theme {theme!r}", field="theme")
    return Feed(_newest(_practices(session, PUBLIC, themes=[theme])), title=theme)


def community_practices(session: Session, slug: str) -> Feed:
    """Newly published public practices of one community; an unknown community has no feed."""
    community = directory.community_by_slug(session, slug)
    if community is None:
        raise NotFound("no community with this slug", field="slug")
    return Feed(_newest(_practices(session, PUBLIC, community=slug)), title=community.name)


def open_questions(session: Session) -> Feed:
    """Public questions without an accepted answer, newest first."""
    found = repo.latest_open_questions(session, PUBLIC.question_clause(), limit=FEED_SIZE)
    return Feed(_newest(_question_entry(q, PUBLIC) for q in found))


# --- the personal feed ------------------------------------------------------------------------------------


def personal(session: Session, secret: str) -> Feed:
    """What the token's person may read: published practices and open questions of everyone, internal ones and
    their communities' included, and the questions they follow (a new answer brings one back to the top).
    Unknown, revoked or malformed: no such feed (404), whatever the reason."""
    account = _account_for(session, secret)
    # Read as a member of their communities, never as an admin (see the module's docstring).
    policy = AccessPolicy(dataclasses.replace(viewer_for(session, account), is_admin=False))
    followed: list[uuid.UUID] = []
    for target in repo.followed(session, account.person_id, FollowKind.QUESTION.value):
        try:
            followed.append(uuid.UUID(target))
        except ValueError:
            continue
    followed_questions = repo.questions(session, followed, policy.question_clause())
    answered = repo.last_answered(session, [q.id for q in followed_questions])
    open_ = repo.latest_open_questions(session, policy.question_clause(), limit=FEED_SIZE)
    entries = [
        *_practices(session, policy),
        *(_question_entry(q, policy) for q in open_),
        *(_question_entry(q, policy, active=answered.get(q.id)) for q in followed_questions),
    ]
    return Feed(_newest(entries), title=account.person.name, owner=account.person_id)


def _account_for(session: Session, secret: str) -> Account:
    if not secret.startswith(FEED_TOKEN_PREFIX) or not 20 <= len(secret) <= 100:
        raise NotFound(_NO_FEED, field="token")
    token = repo.token_by_hash(session, digest(secret))
    if token is None or token.revoked_at is not None:
        raise NotFound(_NO_FEED, field="token")
    account = repo.account_of(session, token.person_id)
    if account is None or account.disabled_at is not None:
        raise NotFound(_NO_FEED, field="token")
    return account


# --- feed tokens ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedFeedToken:
    token: FeedToken
    secret: str  # shown once, never stored


def create_token(session: Session, account: Account) -> IssuedFeedToken:
    """A new personal feed token; only its SHA-256 is kept. It opens the personal feed and nothing else."""
    secret = FEED_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = repo.add_token(session, account.person_id, digest(secret))
    audit.record(session, account.person_id, "feed_token.created", "feed_token", token.id)
    return IssuedFeedToken(token, secret)


def tokens_of(session: Session, account: Account) -> list[FeedToken]:
    return repo.tokens_of(session, account.person_id)


def revoke_token(session: Session, account: Account, token_id: uuid.UUID) -> FeedToken:
    """Revoke one of one's own feed tokens; its feed is gone at once. Another person's token does not exist."""
    token = session.get(FeedToken, token_id)
    if token is None or token.person_id != account.person_id:
        raise NotFound("no feed token with this id", field="id")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(session, account.person_id, "feed_token.revoked", "feed_token", token.id)
    return token
