"""Following: a theme, a community, a practice (its new versions) or a question (its answers).

A follow keeps what does not change: a theme's value, or the id of a community, practice or question; callers name
a target as people know it (a slug) and see it so. Following a practice or question needs the right to read it,
and one the caller may not read answers exactly as one that does not exist (404): never a hint that it is there.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from core.errors import InvalidInput, NotFound
from core.vocab import FollowKind, Theme
from schemas.outreach import FollowCreate, FollowRead
from services import practices as practice_service
from services.access import AccessPolicy
from storage.models import Community, Follow, Practice, Question
from storage.repositories import directory, follows
from storage.repositories import practices as practices_repo
from storage.repositories import questions as questions_repo

NOT_FOUND = "no {kind} with this id or slug that you may read"


@dataclass(frozen=True)
class Target:
    """Something to follow: what a follow stores (``key``) and how it is named and shown."""

    kind: FollowKind
    key: str  # a theme's value, or the id of the community, practice or question
    name: str  # a theme's value, a community's or practice's slug, a question's id
    title: str
    link: str


def theme_link(value: str) -> str:
    return "/?" + urlencode({"q": value.replace("_", " "), "theme": value})


def _theme(value: str) -> Target:
    try:
        theme = Theme(value)
    except ValueError:
        raise InvalidInput(f"no theme {value!r}; one of {', '.join(t.value for t in Theme)}", field="target") from None
    return Target(FollowKind.THEME, theme.value, theme.value, theme.value, theme_link(theme.value))


def _of_community(community: Community) -> Target:
    link = f"/gemeenschappen/{community.slug}"
    return Target(FollowKind.COMMUNITY, str(community.id), community.slug, community.name, link)


def _of_practice(practice: Practice) -> Target:
    link = f"/praktijken/{practice.slug}"
    return Target(FollowKind.PRACTICE, str(practice.id), practice.slug, practice.title, link)


def _of_question(question: Question) -> Target:
    return Target(FollowKind.QUESTION, str(question.id), str(question.id), question.title, f"/vragen/{question.id}")


def resolve(session: Session, policy: AccessPolicy, kind: FollowKind, name: str) -> Target:
    """The target a caller names, if it exists and (a practice, a question) the caller may read it."""
    if kind == FollowKind.THEME:
        return _theme(name)
    if kind == FollowKind.COMMUNITY:
        community = directory.community_by_slug(session, name)
        if community is None:
            raise InvalidInput(f"no community with slug {name!r}", field="target")
        return _of_community(community)
    if kind == FollowKind.PRACTICE:
        try:
            return _of_practice(practice_service.find(session, name, policy))
        except NotFound:
            raise NotFound(NOT_FOUND.format(kind="practice"), field="target") from None
    try:
        question_id = uuid.UUID(name)
    except ValueError:
        raise InvalidInput("a question is named by its id (a UUID)", field="target") from None
    question = questions_repo.get(session, question_id, policy.question_clause())
    if question is None:
        raise NotFound(NOT_FOUND.format(kind="question"), field="target")
    return _of_question(question)


def _read(target: Target, follow: Follow) -> FollowRead:
    return FollowRead(
        kind=target.kind, target=target.name, title=target.title, link=target.link, created_at=follow.created_at
    )


def follow(session: Session, policy: AccessPolicy, data: FollowCreate) -> tuple[FollowRead, bool]:
    """Follow a target; True when it is new (following again changes nothing)."""
    policy.require_signed_in()
    person_id = _person(policy)
    target = resolve(session, policy, data.kind, data.target)
    new = follows.find(session, person_id, target.kind.value, target.key) is None
    return _read(target, follows.add(session, person_id, target.kind.value, target.key)), new


def unfollow(session: Session, policy: AccessPolicy, kind: FollowKind, name: str) -> None:
    """Stop following. Also a practice or question one may no longer read: what one follows is one's own."""
    policy.require_signed_in()
    person_id = _person(policy)
    key = _stored_key(session, kind, name)
    if key is None or not follows.remove(session, person_id, kind.value, key):
        raise NotFound(f"you do not follow this {kind.value}", field="target")


def _stored_key(session: Session, kind: FollowKind, name: str) -> str | None:
    """What a follow of this named target stores, without reading the target (unfollowing needs no right to it)."""
    if kind == FollowKind.THEME:
        return name
    if kind == FollowKind.COMMUNITY:
        community = directory.community_by_slug(session, name)
        return str(community.id) if community else None
    if kind == FollowKind.PRACTICE:
        try:
            return str(practice_service.resolve(session, name))
        except NotFound:
            return None
    try:
        return str(uuid.UUID(name))
    except ValueError:
        return None


def follows_of(session: Session, policy: AccessPolicy) -> list[FollowRead]:
    """What the caller follows, newest first; a practice or question they may no longer read is left out."""
    policy.require_signed_in()
    rows = follows.of_person(session, _person(policy))
    targets = _targets(session, policy, rows)
    return [_read(targets[(f.target_kind, f.target)], f) for f in rows if (f.target_kind, f.target) in targets]


def _targets(session: Session, policy: AccessPolicy, rows: list[Follow]) -> dict[tuple[str, str], Target]:
    """Each followed target still there (and readable), in one query per kind."""

    def ids(kind: FollowKind) -> list[uuid.UUID]:
        return [uuid.UUID(f.target) for f in rows if f.target_kind == kind.value]

    found: list[Target] = [_theme(f.target) for f in rows if f.target_kind == FollowKind.THEME.value]
    found += [_of_community(c) for c in follows.communities(session, ids(FollowKind.COMMUNITY)).values()]
    practices = practices_repo.get_many(session, ids(FollowKind.PRACTICE), policy.practice_clause())
    found += [_of_practice(p) for p in practices.values()]
    found += [
        _of_question(q) for q in questions_repo.get_many(session, ids(FollowKind.QUESTION), policy.question_clause())
    ]
    return {(t.kind.value, t.key): t for t in found}


def following(session: Session, policy: AccessPolicy) -> Callable[[str, object], bool]:
    """For a page: whether the caller follows (kind, stored key), looked up once, when a page first asks."""
    known: set[tuple[str, str]] | None = None

    def check(kind: str, key: object) -> bool:
        nonlocal known
        if policy.viewer.person_id is None:
            return False
        if known is None:
            known = {(f.target_kind, f.target) for f in follows.of_person(session, policy.viewer.person_id)}
        return (kind, str(key)) in known

    return check


def _person(policy: AccessPolicy) -> uuid.UUID:
    if policy.viewer.person_id is None:  # the system viewer (an operator's command) follows nothing
        raise InvalidInput("only a person can follow", field="target")
    return policy.viewer.person_id


def question_targets(question: Question) -> list[tuple[str, str]]:
    """Who follows news of a new question: its themes and its community."""
    pairs = [(FollowKind.THEME.value, theme) for theme in question.themes]
    if question.community_id:
        pairs.append((FollowKind.COMMUNITY.value, str(question.community_id)))
    return pairs


def practice_targets(practice: Practice) -> list[tuple[str, str]]:
    """Who follows news of a newly published practice: its themes and its community."""
    pairs = [(FollowKind.THEME.value, theme) for theme in practice.tag_values("theme")]
    if practice.community_id:
        pairs.append((FollowKind.COMMUNITY.value, str(practice.community_id)))
    return pairs
