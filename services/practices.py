"""Writing practices: every change keeps the previous version and enqueues an index task in the same transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy.orm import Session

from core.errors import InvalidInput, MissingInput, NotFound, PreconditionFailed
from core.vocab import SECTION_NAMES, DocKind, EventKind, RecognitionLevel, Status, Visibility
from schemas.practices import PracticeCreate, PracticeRead, PracticeSummary, PracticeUpdate, PracticeVersionRead
from services import audit, events
from services.access import AccessPolicy, owners_of
from storage.base import utcnow
from storage.models import Practice, PracticeAuthor, PracticeTag, PracticeVersion
from storage.repositories import directory, index_tasks
from storage.repositories import practices as repo
from storage.repositories.practices import Cursor, PracticeFilters

PracticeRef = uuid.UUID | str  # an id, or a slug (the API accepts both)

_SCALARS = (
    "title",
    "summary",
    "language",
    "recognition_level",
    "status",
    "visibility",
    "region",
    *SECTION_NAMES,
)


def resolve(session: Session, ref: PracticeRef) -> uuid.UUID:
    """A practice id from a reference (its UUID or its slug). Writes then check access on the row itself."""
    if isinstance(ref, uuid.UUID):
        return ref
    try:
        return uuid.UUID(ref)
    except ValueError:
        pass
    practice_id = repo.id_by_slug(session, ref)
    if practice_id is None:
        raise NotFound("no practice with this id", field="id")
    return practice_id


def find(session: Session, ref: PracticeRef, policy: AccessPolicy) -> Practice:
    """The practice a reference names, if the caller may read it; otherwise it does not exist for them."""
    practice = repo.get(session, resolve(session, ref), policy.practice_clause())
    if practice is None:
        raise NotFound("no practice with this id", field="id")
    return practice


def page(
    session: Session, filters: PracticeFilters, policy: AccessPolicy, *, after: Cursor | None, limit: int
) -> tuple[list[PracticeSummary], Cursor | None]:
    """Practices the caller may read, newest first, keyset-paginated."""
    rows, last = repo.page(session, filters, policy.practice_clause(), after=after, limit=limit)
    return [PracticeSummary.model_validate(p) for p in rows], last


def kept_versions(session: Session, practice: Practice) -> list[PracticeVersion]:
    """Every kept version of a practice the caller was allowed to find, newest first."""
    return repo.versions(session, practice.id)


def versions(session: Session, ref: PracticeRef, policy: AccessPolicy) -> list[PracticeVersionRead]:
    """Every kept version, newest first."""
    return [
        PracticeVersionRead(
            version=v.version, created_at=v.created_at, note=v.note, practice=PracticeRead.model_validate(v.snapshot)
        )
        for v in kept_versions(session, find(session, ref, policy))
    ]


def version(session: Session, ref: PracticeRef, number: int, policy: AccessPolicy) -> PracticeVersionRead:
    for kept in versions(session, ref, policy):
        if kept.version == number:
            return kept
    raise NotFound(f"practice has no version {number}", field="version")


def for_edit(session: Session, ref: PracticeRef, policy: AccessPolicy) -> Practice:
    """The practice a reference names, for the writing form: only when the caller may change it."""
    practice = find(session, ref, policy)
    policy.require_edit(practice)
    return practice


def etag(practice: Practice, version: int | None = None) -> str:
    """The ETag of a version of a practice (its current one by default): what ``If-Match`` must repeat."""
    return f'"{practice.id}.{practice.version if version is None else version}"'


def create(
    session: Session,
    data: PracticeCreate,
    *,
    policy: AccessPolicy,
    practice_id: uuid.UUID | None = None,
    created_at: datetime | None = None,
    history: Sequence[PracticeVersion] = (),
) -> Practice:
    """A new practice. Imports pass the original id, creation time and kept ``history``; the last entry of
    the history is the version that ``data`` describes."""
    slug = data.slug or directory.slugify(data.title)
    if data.slug and repo.slug_taken(session, data.slug):
        holder = repo.get_by_slug(session, data.slug, policy.practice_clause())
        if holder is not None:
            raise InvalidInput(f"slug {data.slug!r} is already used by another practice", field="slug")
        # A practice the caller may not read keeps its secret: the new one gets a free variant of the slug.
    created_at = created_at or utcnow()
    practice = Practice(
        id=practice_id or uuid.uuid4(),
        slug=_free_slug(session, slug),
        version=history[-1].version if history else 1,
        created_at=created_at,
        updated_at=history[-1].created_at if history else created_at,
        sources=[],
        authors=[],
        tags=[],
    )
    _apply(session, practice, data.model_dump(exclude={"slug"}, mode="json"))
    # The relationship is set, its foreign key only at flush: read the id from the related row.
    community_id = practice.community.id if practice.community else None
    policy.check_new(community_id, Status(practice.status), RecognitionLevel(practice.recognition_level))
    practice.created_by = policy.viewer.person_id
    session.add(practice)
    session.flush()
    audit.record(
        session, policy.viewer.person_id, "practice.created", "practice", practice.id, {"status": practice.status}
    )
    if history:
        for version in history:
            version.practice_id = practice.id
            session.add(version)
        session.flush()
    else:
        _record_version(session, practice, note="aangemaakt")
    index_tasks.enqueue(session, DocKind.PRACTICE, [practice.id])
    if not history:  # an import restores what was, it announces nothing
        _announce(session, practice, policy, before=Status.DRAFT)
    return practice


def update(
    session: Session, practice_id: PracticeRef, data: PracticeUpdate, *, if_match: str, policy: AccessPolicy
) -> Practice:
    practice = _writable(session, practice_id, policy)
    policy.require_edit(practice)
    _check_match(practice, if_match)
    changes = data.model_dump(exclude_unset=True, exclude={"note"}, mode="json")
    for required in ("title", "summary", "situation", "approach", "themes", "language", "visibility"):
        if required in changes and changes[required] is None:
            raise MissingInput(f"{required} cannot be emptied", field=required)
    before = (practice.community_id, Visibility(practice.visibility))
    _apply(session, practice, changes)
    session.flush()  # the new community's foreign key, before the check below reads it
    policy.require_placement(practice, *before)
    _bump(session, practice, note=data.note)
    if practice.status == Status.PUBLISHED:
        events.emit(
            session, EventKind.PRACTICE_UPDATED, practice.id, policy.viewer.person_id, version=str(practice.version)
        )
    return practice


def edit(
    session: Session, ref: PracticeRef, data: PracticeUpdate, *, version: int, submit: bool, policy: AccessPolicy
) -> Practice:
    """The writing form's use case: save the changes made to ``version``, and with ``submit`` offer a draft for
    review. Both are allowed before either is written, so a refusal leaves the practice as it was."""
    practice = find(session, ref, policy)
    submit = submit and practice.status == Status.DRAFT
    if submit:
        policy.require_transition(practice, Status.IN_REVIEW)
    practice = update(session, practice.id, data, if_match=etag(practice, version), policy=policy)
    if submit:
        practice = transition(session, practice.id, Status.IN_REVIEW, policy=policy, if_match=None, note=None)
    return practice


def transition(
    session: Session,
    practice_id: PracticeRef,
    target: Status,
    *,
    policy: AccessPolicy,
    if_match: str | None,
    note: str | None,
) -> Practice:
    """draft → in_review → published → archived (and back where the workflow allows); audited."""
    practice = _writable(session, practice_id, policy)
    policy.require_transition(practice, target)
    _check_match(practice, if_match)
    before = practice.status
    practice.status = target.value
    _bump(session, practice, note=note or f"status: {before} → {target.value}")
    _announce(session, practice, policy, before=Status(before))
    audit.record(
        session,
        policy.viewer.person_id,
        "practice.status",
        "practice",
        practice.id,
        {"from": before, "to": target.value, "note": note},
    )
    return practice


def set_recognition(
    session: Session,
    practice_id: PracticeRef,
    level: RecognitionLevel,
    *,
    explanation: str,
    reassess_on: date | None,
    policy: AccessPolicy,
    if_match: str | None,
) -> Practice:
    """A curator's assessment: the level, why, when, by whom, and when to look again; audited."""
    reassess_at = datetime.combine(reassess_on, time(), UTC) if reassess_on else None
    if reassess_at is not None and reassess_at <= utcnow():
        raise InvalidInput("the re-assessment date must lie in the future", field="reassess_at")
    practice = _writable(session, practice_id, policy)
    policy.require_recognition(practice)
    _check_match(practice, if_match)
    before = practice.recognition_level
    practice.recognition_level = level.value
    practice.recognition_explanation = explanation
    practice.recognition_assessed_at = utcnow()
    practice.recognition_assessed_by = policy.viewer.person_id
    practice.recognition_reassess_at = reassess_at
    _bump(session, practice, note=f"erkenning: {before} → {level.value}")
    audit.record(
        session,
        policy.viewer.person_id,
        "practice.recognition",
        "practice",
        practice.id,
        {
            "from": before,
            "to": level.value,
            "explanation": explanation,
            "reassess_at": reassess_at.isoformat() if reassess_at else None,
        },
    )
    return practice


def archive(session: Session, practice_id: PracticeRef, *, policy: AccessPolicy, if_match: str | None) -> Practice:
    return transition(session, practice_id, Status.ARCHIVED, policy=policy, if_match=if_match, note="gearchiveerd")


def delete(session: Session, practice_id: PracticeRef, *, policy: AccessPolicy, if_match: str | None) -> None:
    practice = _writable(session, practice_id, policy)
    policy.require_delete(practice)
    _check_match(practice, if_match)
    audit.record(
        session,
        policy.viewer.person_id,
        "practice.deleted",
        "practice",
        practice.id,
        {"slug": practice.slug, "title": practice.title, "version": practice.version},
    )
    deleted_id = practice.id
    session.delete(practice)
    session.flush()
    index_tasks.enqueue(session, DocKind.PRACTICE, [deleted_id])


def _announce(session: Session, practice: Practice, policy: AccessPolicy, *, before: Status) -> None:
    """The event a change of status is: offered for review, published, or sent back to its authors."""
    now = Status(practice.status)
    if now == Status.IN_REVIEW and before != Status.IN_REVIEW:
        kind = EventKind.PRACTICE_SUBMITTED
    elif now == Status.PUBLISHED and before != Status.PUBLISHED:
        kind = EventKind.PRACTICE_PUBLISHED
    elif now == Status.DRAFT and before == Status.IN_REVIEW and policy.viewer.person_id not in owners_of(practice):
        kind = EventKind.PRACTICE_SENT_BACK
    else:
        return
    events.emit(session, kind, practice.id, policy.viewer.person_id, version=str(practice.version))


def _writable(session: Session, practice_id: PracticeRef, policy: AccessPolicy) -> Practice:
    practice = repo.get_for_update(session, resolve(session, practice_id))
    # Outsiders learn nothing: a practice they may not read does not exist for them.
    if practice is None or not policy.can_read(practice):
        raise NotFound("no practice with this id", field="id")
    return practice


def _check_match(practice: Practice, if_match: str | None) -> None:
    if if_match is not None and if_match.strip() not in (etag(practice), "*"):
        raise PreconditionFailed(
            f"the practice is at version {practice.version}", field="If-Match", current_etag=etag(practice)
        )


def _bump(session: Session, practice: Practice, *, note: str | None) -> None:
    practice.version += 1
    practice.updated_at = utcnow()
    session.flush()
    _record_version(session, practice, note=note)
    index_tasks.enqueue(session, DocKind.PRACTICE, [practice.id])


def _record_version(session: Session, practice: Practice, *, note: str | None) -> None:
    snapshot = PracticeRead.model_validate(practice).model_dump(mode="json")
    session.add(
        PracticeVersion(
            practice_id=practice.id,
            version=practice.version,
            snapshot=snapshot,
            note=note,
            created_at=practice.updated_at,
        )
    )
    session.flush()


def _apply(session: Session, practice: Practice, values: dict[str, Any]) -> None:
    """Copy validated values onto the row, resolving slugs of related rows (unknown slug: 422 on that field)."""
    for name in _SCALARS:
        if name in values:
            setattr(practice, name, values[name])
    if "organisation" in values:
        practice.organisation = _resolve(
            session, directory.organisation_by_slug, values["organisation"], "organisation"
        )
    if "community" in values:
        practice.community = _resolve(session, directory.community_by_slug, values["community"], "community")
    if "authors" in values:
        found = directory.people_by_slugs(session, values["authors"])
        for position, slug in enumerate(values["authors"]):
            if slug not in found:
                raise InvalidInput(f"no person with slug {slug!r}", field=f"authors[{position}]")
        # Rows that stay are reused: a delete and re-insert of the same key in one flush would collide.
        existing = {a.person_id: a for a in practice.authors}
        authors = []
        for position, slug in enumerate(values["authors"]):
            person = found[slug]
            author = existing.get(person.id) or PracticeAuthor(person_id=person.id, person=person)
            author.position = position
            authors.append(author)
        practice.authors = authors
    for kind, key in (("theme", "themes"), ("legal_frame", "legal_frames")):
        if key in values:
            wanted = values[key] or []
            kept = [t for t in practice.tags if t.kind != kind or t.value in wanted]
            have = {t.value for t in kept if t.kind == kind}
            practice.tags = kept + [PracticeTag(kind=kind, value=v) for v in wanted if v not in have]
    if "sources" in values:
        practice.sources = [{"title": s["title"], "url": s.get("url")} for s in values["sources"] or []]


def _resolve(session: Session, finder: Any, slug: str | None, field: str) -> Any:
    if slug is None:
        return None
    found = finder(session, slug)
    if found is None:
        raise InvalidInput(f"no {field} with slug {slug!r}", field=field)
    return found


def _free_slug(session: Session, base: str) -> str:
    slug, n = base, 1
    while repo.slug_taken(session, slug):
        n += 1
        slug = f"{base}-{n}"
    return slug
