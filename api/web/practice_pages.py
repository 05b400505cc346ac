"""The practice page: rendered Markdown, recognition explained, applied list and form, feedback, versions."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, Response

from api.deps import SearcherDep
from api.web.page import PageDep, done
from api.web.texts import t
from core.errors import NotFound, PraktijkbankError
from schemas.network import ApplicationCreate
from services import browse
from services import practices as practice_service
from services import questions as questions_service
from services import search as search_service
from storage.repositories import practices as practices_repo
from storage.repositories import questions as questions_repo

router = APIRouter(include_in_schema=False)
NoteText = Annotated[str, Form(max_length=2000)]


def _practice_context(page: PageDep, ref: str, searcher: SearcherDep) -> dict[str, Any]:
    practice = practice_service.find(page.session, ref, page.policy)
    versions = practices_repo.versions(page.session, practice.id)
    return {
        "p": practice,
        "similar": search_service.similar(page.session, searcher, page.policy, practice, limit=5),
        "applications": questions_repo.applications_of(page.session, [practice.id]),
        "feedback": questions_repo.feedback_of(page.session, practice.id),
        "shown": page.policy.visible_profiles(),
        "versions": versions,
        "may_edit": page.me is not None and _may_edit(page, practice),
    }


def _may_edit(page: PageDep, practice: object) -> bool:
    try:
        page.policy.require_edit(practice)  # type: ignore[arg-type]
    except PraktijkbankError:  # any refusal means: no edit button
        return False
    return True


@router.get("/praktijken/{ref}", response_class=HTMLResponse)
def practice_page(page: PageDep, ref: str, searcher: SearcherDep) -> HTMLResponse:
    """One practice as a professional reads it."""
    return page.render("practice.html", errors={}, typed={}, **_practice_context(page, ref, searcher))


@router.post("/praktijken/{ref}/toegepast", response_class=HTMLResponse)
def apply_practice(
    page: PageDep, ref: str, searcher: SearcherDep, csrf: Annotated[str, Form()], note: NoteText = ""
) -> Response:
    """'Wij passen dit toe': the signed-in person's organisation applies this practice."""
    page.check_csrf(csrf)
    practice = practice_service.find(page.session, ref, page.policy)
    if (missing := _required(page, ref, searcher, "note", note)) is not None:
        return missing
    applied = ApplicationCreate(organisation=None, applied_on=date.today(), note=note.strip())
    questions_service.apply_practice(page.session, practice.id, applied, page.policy)
    return done(f"/praktijken/{practice.slug}#toegepast", "applied")


@router.post("/praktijken/{ref}/feedback", response_class=HTMLResponse)
def give_feedback(
    page: PageDep, ref: str, searcher: SearcherDep, csrf: Annotated[str, Form()], body: NoteText = ""
) -> Response:
    """Collegial feedback on a practice."""
    page.check_csrf(csrf)
    practice = practice_service.find(page.session, ref, page.policy)
    if (missing := _required(page, ref, searcher, "body", body)) is not None:
        return missing
    questions_service.give_feedback(page.session, practice.id, body.strip(), page.policy)
    return done(f"/praktijken/{practice.slug}#feedback", "feedback")


@router.get("/praktijken/{ref}/versies", response_class=HTMLResponse)
def versions_page(
    page: PageDep,
    ref: str,
    van: Annotated[int | None, Query(ge=1)] = None,
    naar: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    """The version history of a practice, and the differences between two versions."""
    practice = practice_service.find(page.session, ref, page.policy)
    versions = practices_repo.versions(page.session, practice.id)  # newest first
    by_number = {v.version: v for v in versions}
    newer = by_number.get(naar or practice.version) or (versions[0] if versions else None)
    older = by_number.get(van) if van else (versions[1] if len(versions) > 1 else None)
    if (van and van not in by_number) or (naar and naar not in by_number):
        raise NotFound("no such version", field="version")
    diffs = browse.diff_versions(older, newer) if older and newer else []
    return page.render("versions.html", p=practice, versions=versions, older=older, newer=newer, diffs=diffs)


def _required(page: PageDep, ref: str, searcher: SearcherDep, field: str, typed: str) -> Response | None:
    """The practice page again with "required" beside ``field`` and what was typed kept, when nothing was typed."""
    if typed.strip():
        return None
    context = _practice_context(page, ref, searcher)
    return page.render("practice.html", 422, errors={field: t("error.required")}, typed={field: typed}, **context)
