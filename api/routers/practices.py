"""Practices: create, read, change (with If-Match), archive, delete, list, history, similar."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response, status
from sqlalchemy.orm import Session

from api.deps import FinderDep, PolicyDep, SessionDep
from api.errors import ERROR_RESPONSES
from api.ratelimit import WriteLimited
from api.routers.common import FewResults, FiltersDep, RefPath, decode_cursor, encode_cursor
from core.errors import PreconditionRequired
from schemas.directory import Page
from schemas.practices import (
    PracticeCreate,
    PracticeRead,
    PracticeSummary,
    PracticeUpdate,
    PracticeVersionRead,
    RecognitionChange,
    StatusChange,
)
from schemas.search import SearchHit
from services import practices as service
from services import search as search_service
from services.access import AccessPolicy
from storage.models import Practice

router = APIRouter(prefix="/practices", tags=["practices"], responses=ERROR_RESPONSES)
IfMatch = Annotated[str | None, Header(max_length=200, description="The ETag of the version you read.")]


def _with_etag(response: Response, practice: Practice) -> PracticeRead:
    response.headers["ETag"] = service.etag(practice)
    return PracticeRead.model_validate(practice)


@dataclass(frozen=True)
class Edit:
    """What every change of an existing practice takes: the unit of work, the caller's policy, the ETag the caller
    read (`If-Match`), the response to put the new ETag on; the write rate limit is applied on the way in."""

    session: Session
    policy: AccessPolicy
    response: Response
    if_match: str | None


def edit(
    session: SessionDep, policy: PolicyDep, response: Response, _limit: WriteLimited, if_match: IfMatch = None
) -> Edit:
    return Edit(session, policy, response, if_match)


EditDep = Annotated[Edit, Depends(edit)]


@router.get("", response_model=Page[PracticeSummary])
def list_practices(
    session: SessionDep,
    policy: PolicyDep,
    filters: FiltersDep,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[PracticeSummary]:
    """List practices you may read, newest first, with filters and cursor pagination."""
    items, after = service.page(session, filters, policy, after=decode_cursor(cursor), limit=limit)
    return Page[PracticeSummary](items=items, next_cursor=encode_cursor(after))


@router.post("", response_model=PracticeRead, status_code=status.HTTP_201_CREATED)
def create_practice(
    data: PracticeCreate, session: SessionDep, policy: PolicyDep, response: Response, _limit: WriteLimited
) -> PracticeRead:
    """Draft (or, as curator, publish) a new practice; it is indexed for search shortly after."""
    practice = service.create(session, data, policy=policy)
    response.headers["ETag"] = service.etag(practice)
    response.headers["Location"] = f"/api/v1/practices/{practice.id}"
    return PracticeRead.model_validate(practice)


@router.get("/{ref}", response_model=PracticeRead)
def get_practice(ref: RefPath, session: SessionDep, policy: PolicyDep, response: Response) -> PracticeRead:
    """One practice by id or slug; its ETag is needed to change it."""
    practice = service.find(session, ref, policy)
    return _with_etag(response, practice)


@router.patch("/{ref}", response_model=PracticeRead)
def update_practice(ref: RefPath, data: PracticeUpdate, edit: EditDep) -> PracticeRead:
    """Change some fields. Requires `If-Match` with the ETag you read; a stale one gets 412 and changes nothing."""
    if edit.if_match is None:
        raise PreconditionRequired("send If-Match with the ETag of the version you changed", field="If-Match")
    practice = service.update(edit.session, ref, data, if_match=edit.if_match, policy=edit.policy)
    return _with_etag(edit.response, practice)


@router.post("/{ref}/status", response_model=PracticeRead)
def change_status(ref: RefPath, data: StatusChange, edit: EditDep) -> PracticeRead:
    """Move along the workflow draft → in_review → published → archived; only curators publish."""
    practice = service.transition(
        edit.session, ref, data.status, policy=edit.policy, if_match=edit.if_match, note=data.note
    )
    return _with_etag(edit.response, practice)


@router.put("/{ref}/recognition", response_model=PracticeRead)
def set_recognition(ref: RefPath, data: RecognitionChange, edit: EditDep) -> PracticeRead:
    """Set the recognition level with an explanation and a re-assessment date (curators of its community)."""
    practice = service.set_recognition(
        edit.session,
        ref,
        data.level,
        explanation=data.explanation,
        reassess_on=data.reassess_at,
        policy=edit.policy,
        if_match=edit.if_match,
    )
    return _with_etag(edit.response, practice)


@router.post("/{ref}/archive", response_model=PracticeRead)
def archive_practice(ref: RefPath, edit: EditDep) -> PracticeRead:
    """Archive a practice: it stays readable with its history but leaves search."""
    practice = service.archive(edit.session, ref, policy=edit.policy, if_match=edit.if_match)
    return _with_etag(edit.response, practice)


@router.delete("/{ref}", status_code=status.HTTP_204_NO_CONTENT)
def delete_practice(ref: RefPath, edit: EditDep) -> Response:
    """Delete a practice with its history; it leaves the index with the next worker run."""
    service.delete(edit.session, ref, policy=edit.policy, if_match=edit.if_match)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{ref}/versions", response_model=list[PracticeVersionRead])
def list_versions(ref: RefPath, session: SessionDep, policy: PolicyDep) -> list[PracticeVersionRead]:
    """Every kept version of a practice, newest first."""
    return service.versions(session, ref, policy)


@router.get("/{ref}/versions/{version}", response_model=PracticeVersionRead)
def get_version(ref: RefPath, version: int, session: SessionDep, policy: PolicyDep) -> PracticeVersionRead:
    """One kept version of a practice."""
    return service.version(session, ref, version, policy)


@router.get("/{ref}/similar", response_model=list[SearchHit])
def similar_practices(ref: RefPath, find: FinderDep, limit: FewResults = 5) -> list[SearchHit]:
    """More like this: published practices close to this one."""
    return search_service.similar_to(find.session, find.searcher, find.policy, ref, limit=limit)
