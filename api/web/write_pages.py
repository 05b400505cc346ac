"""Write and edit a practice (draft, similar-check, submit for review) and the curator's review queue."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import SearcherDep
from api.routers.common import RefPath
from api.web.forms import FIELD_ERRORS, domain_errors, parse
from api.web.page import CsrfField, Page, PageDep, done
from core.errors import PreconditionFailed
from core.vocab import SECTION_NAMES, RecognitionLevel, Status, Theme
from schemas.practices import PracticeCreate, PracticeUpdate
from services import browse, practices, review
from storage.models import Practice

router = APIRouter(include_in_schema=False)
FIELDS = ("title", "summary", *SECTION_NAMES)
Short = Annotated[str, Form(max_length=500)]


async def _form(request: Request) -> dict[str, Any]:
    """The typed form, as the template and the schemas want it (themes as a list)."""
    form = await request.form()
    typed: dict[str, Any] = {name: str(form.get(name, "")) for name in (*FIELDS, "community", "visibility", "language")}
    typed["themes"] = [str(v) for v in form.getlist("themes")]
    typed["action"] = str(form.get("action", "save"))
    typed["version"] = str(form.get("version", ""))
    typed["csrf"] = str(form.get("csrf", ""))
    return typed


def _values(typed: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {name: typed[name].strip() or None for name in FIELDS}
    values["themes"] = typed["themes"]
    values["community"] = typed["community"] or None
    values["visibility"] = typed["visibility"] or "public"
    values["language"] = typed["language"] or "nl"
    return values


def _typed_from(practice: Practice) -> dict[str, Any]:
    typed: dict[str, Any] = {name: getattr(practice, name) or "" for name in FIELDS}
    typed.update(
        themes=practice.tag_values("theme"),
        community=practice.community.slug if practice.community else "",
        visibility=practice.visibility,
        language=practice.language,
        version=str(practice.version),
    )
    return typed


def _render(page: Page, typed: dict[str, Any], *, practice: Practice | None = None, **extra: Any) -> HTMLResponse:
    status = extra.pop("status", 200)
    return page.render(
        "write.html",
        status,
        typed=typed,
        practice=practice,
        themes=list(Theme),
        communities=browse.my_communities(page.session, page.policy),
        errors=extra.pop("errors", {}),
        **extra,
    )


@router.get("/praktijken/nieuw", response_class=HTMLResponse)
def new_page(page: PageDep) -> HTMLResponse:
    """Describe a new practice."""
    page.require_me()
    typed: dict[str, Any] = {name: "" for name in FIELDS} | {"themes": [], "community": "", "visibility": "public"}
    return _render(page, typed | {"language": "nl", "version": ""})


@router.get("/praktijken/vergelijkbaar", response_class=HTMLResponse)
def similar_fragment(
    page: PageDep,
    searcher: SearcherDep,
    title: Annotated[str, Query(max_length=500)] = "",
    summary: Annotated[str, Query(max_length=5000)] = "",
) -> HTMLResponse:
    """While writing: existing practices that look like the draft (a fragment for htmx)."""
    similar = browse.similar_drafts(page.session, searcher, page.policy, f"{title}\n{summary}")
    return page.render("similar_fragment.html", similar=similar)


@router.post("/praktijken/nieuw", response_class=HTMLResponse)
async def create(request: Request, page: PageDep, searcher: SearcherDep) -> Response:
    """Save a new practice as a draft, or offer it for review at once."""
    typed = await _form(request)
    page.check_csrf(typed["csrf"])
    return await _run_sync(_create, page, searcher, typed)


def _create(page: Page, searcher: SearcherDep, typed: dict[str, Any]) -> Response:
    if typed["action"] == "check":
        return _checked(page, searcher, typed)
    values = _values(typed)
    values["status"] = Status.IN_REVIEW.value if typed["action"] == "submit" else Status.DRAFT.value
    values["authors"] = [page.require_me().slug]  # who writes it on the page is its first author
    data, errors = parse(PracticeCreate, values)
    status = 422
    if data is not None:
        try:
            practice = practices.create(page.session, data, policy=page.policy)
            return done(f"/praktijken/{practice.slug}", "submitted" if typed["action"] == "submit" else "saved")
        except FIELD_ERRORS as exc:
            errors, status = domain_errors(exc), exc.status
    return _render(page, typed, errors=errors, status=status)


def _checked(page: Page, searcher: SearcherDep, typed: dict[str, Any], practice: Practice | None = None) -> Response:
    """The form again with the existing practices that look like it (the "check" button, without a script)."""
    similar = browse.similar_drafts(page.session, searcher, page.policy, f"{typed['title']}\n{typed['summary']}")
    return _render(page, typed, practice=practice, similar=similar, checked=True)


@router.get("/praktijken/{ref}/bewerken", response_class=HTMLResponse)
def edit_page(page: PageDep, ref: RefPath) -> HTMLResponse:
    """Edit a practice; the form remembers the version it started from."""
    page.require_me()
    practice = practices.for_edit(page.session, ref, page.policy)
    return _render(page, _typed_from(practice), practice=practice)


@router.post("/praktijken/{ref}/bewerken", response_class=HTMLResponse)
async def edit(request: Request, page: PageDep, ref: RefPath, searcher: SearcherDep) -> Response:
    """Save changes; a form older than the practice is shown again beside the current text, nothing lost."""
    typed = await _form(request)
    page.check_csrf(typed["csrf"])
    return await _run_sync(_edit, page, searcher, typed, ref)


def _edit(page: Page, searcher: SearcherDep, typed: dict[str, Any], ref: str) -> Response:
    if typed["action"] == "check":
        return _checked(page, searcher, typed, practices.for_edit(page.session, ref, page.policy))
    values = _values(typed)
    if not values["community"]:
        values.pop("community")
    data, errors = parse(PracticeUpdate, values)
    version = int(typed["version"]) if typed["version"].isdigit() else 0
    status = 422
    if data is not None:
        submit = typed["action"] == "submit"
        try:
            practice = practices.edit(page.session, ref, data, version=version, submit=submit, policy=page.policy)
            return done(f"/praktijken/{practice.slug}", "submitted" if submit else "saved")
        except PreconditionFailed:
            current = practices.for_edit(page.session, ref, page.policy)  # what changed meanwhile, beside the form
            return _render(page, typed, practice=current, stale=current, status=409)
        except FIELD_ERRORS as exc:
            errors, status = domain_errors(exc), exc.status
    return _render(
        page, typed, practice=practices.for_edit(page.session, ref, page.policy), errors=errors, status=status
    )


@router.post("/praktijken/{ref}/aanbieden", response_class=HTMLResponse)
def submit(page: PageDep, ref: RefPath, csrf: CsrfField = "") -> Response:
    """Offer a draft for review by its community."""
    page.check_csrf(csrf)
    practice = practices.transition(page.session, ref, Status.IN_REVIEW, policy=page.policy, if_match=None, note=None)
    return done(f"/praktijken/{practice.slug}", "submitted")


@router.get("/beoordelen", response_class=HTMLResponse)
def review_page(page: PageDep) -> HTMLResponse:
    """The practices waiting for the caller's review."""
    page.require_me()
    waiting = review.queue(page.session, page.policy)
    return page.render("review.html", waiting=waiting, levels=list(RecognitionLevel), errors={})


@router.post("/praktijken/{ref}/beoordeling", response_class=HTMLResponse)
def decide(
    page: PageDep,
    ref: RefPath,
    version: Annotated[int, Form()],
    action: Annotated[review.Decision, Form()],
    csrf: CsrfField = "",
    level: Annotated[RecognitionLevel, Form()] = RecognitionLevel.PRAKTIJKVOORBEELD,
    comment: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Publish with a recognition level and its explanation, or send back to the authors with a comment."""
    page.check_csrf(csrf)
    try:
        practice = review.decide(
            page.session, ref, action, version=version, level=level, comment=comment, policy=page.policy
        )
    except (*FIELD_ERRORS, PreconditionFailed) as exc:
        # The queue again (with the current version), the reason beside the comment of the practice it concerns.
        errors = {ref: domain_errors(exc).popitem()[1]}
        waiting = review.queue(page.session, page.policy)
        return page.render("review.html", exc.status, waiting=waiting, levels=list(RecognitionLevel), errors=errors)
    return (
        done(f"/praktijken/{practice.slug}", "published") if action == "publish" else done("/beoordelen", "sent_back")
    )


async def _run_sync(func: Any, *args: Any) -> Response:
    """Model calls (the similar-check) and SQL off the event loop: the form was read asynchronously."""
    from starlette.concurrency import run_in_threadpool

    response: Response = await run_in_threadpool(func, *args)
    return response
