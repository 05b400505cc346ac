"""The practice page: rendered Markdown, recognition explained, applied list and form, feedback, versions."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, Response

from api.deps import SearcherDep
from api.routers.common import RefPath
from api.web.page import CsrfField, PageDep, done
from api.web.texts import t
from schemas.network import ApplicationCreate
from services import browse
from services import questions as questions_service

router = APIRouter(include_in_schema=False)
NoteText = Annotated[str, Form(max_length=2000)]


@router.get("/praktijken/{ref}", response_class=HTMLResponse)
def practice_page(page: PageDep, ref: RefPath, searcher: SearcherDep) -> HTMLResponse:
    """One practice as a professional reads it."""
    return _practice(page, ref, searcher)


@router.post("/praktijken/{ref}/toegepast", response_class=HTMLResponse)
def apply_practice(
    page: PageDep, ref: RefPath, searcher: SearcherDep, csrf: CsrfField = "", note: NoteText = ""
) -> Response:
    """'Wij passen dit toe': the signed-in person's organisation applies this practice."""
    if missing := _required(page, csrf, ref, searcher, note=note):
        return missing
    applied = ApplicationCreate(organisation=None, applied_on=date.today(), note=note.strip())
    questions_service.apply_practice(page.session, ref, applied, page.policy)
    return done(f"/praktijken/{ref}#toegepast", "applied")


@router.post("/praktijken/{ref}/feedback", response_class=HTMLResponse)
def give_feedback(
    page: PageDep, ref: RefPath, searcher: SearcherDep, csrf: CsrfField = "", body: NoteText = ""
) -> Response:
    """Collegial feedback on a practice."""
    if missing := _required(page, csrf, ref, searcher, body=body):
        return missing
    questions_service.give_feedback(page.session, ref, body.strip(), page.policy)
    return done(f"/praktijken/{ref}#feedback", "feedback")


def _required(page: PageDep, csrf: str, ref: str, searcher: SearcherDep, **typed: str) -> HTMLResponse | None:
    """After the form's token check: the practice page again with "required" beside an empty field and what was
    typed kept; None: all filled."""
    page.check_csrf(csrf)
    empty = {field: t("error.required") for field, text in typed.items() if not text.strip()}
    return _practice(page, ref, searcher, 422, errors=empty, typed=typed) if empty else None


@router.get("/praktijken/{ref}/versies", response_class=HTMLResponse)
def versions_page(
    page: PageDep,
    ref: RefPath,
    van: Annotated[int | None, Query(ge=1)] = None,
    naar: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    """The version history of a practice, and the differences between two versions."""
    found = browse.history(page.session, page.policy, ref, older=van, newer=naar)
    return page.render(
        "versions.html",
        p=found.practice,
        versions=found.versions,
        older=found.older,
        newer=found.newer,
        diffs=found.diffs,
    )


def _practice(
    page: PageDep, ref: str, searcher: SearcherDep, status: int = 200, **forms: dict[str, str]
) -> HTMLResponse:
    """The practice page; ``forms``: its forms' ``errors`` and what was ``typed``, when one is shown again."""
    found = browse.practice_page(page.session, searcher, page.policy, ref)
    forms = {"errors": {}, "typed": {}} | forms
    return page.render("practice.html", status, view=found, p=found.practice, **forms)
