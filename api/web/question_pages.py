"""Ask the network, the list of questions, a question with its answers: answer and accept."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, Response

from api.deps import SearcherDep
from api.web.forms import FIELD_ERRORS, domain_errors, parse
from api.web.page import CsrfField, PageDep, done
from core.vocab import Theme
from schemas.network import AnswerCreate, QuestionCreate
from services import browse, network
from services import questions as service
from storage.repositories.practices import PracticeFilters

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=10_000)]


def _title_of(text: str) -> str:
    """A first proposal for the question's title: its first sentence, at most 200 characters."""
    first = re.split(r"(?<=[.?!])\s", text.strip(), maxsplit=1)[0]
    return first if len(first) <= 200 else first[:197].rsplit(" ", 1)[0] + "…"


def _ask_page(
    page: PageDep,
    searcher: SearcherDep,
    vraag: str,
    *,
    typed: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> HTMLResponse:
    found = None
    if vraag.strip():
        found = network.ask(page.session, searcher, page.policy, vraag.strip(), PracticeFilters(), limit=5)
    return page.render(
        "ask.html",
        status,
        vraag=vraag,
        found=found,
        typed={"title": _title_of(vraag), "visibility": "internal", "themes": [], **typed},
        errors=errors,
        themes=list(Theme),
        communities=browse.my_communities(page.session, page.policy),
    )


@router.get("/vragen/nieuw", response_class=HTMLResponse)
def ask_page(page: PageDep, searcher: SearcherDep, vraag: Annotated[str, Query(max_length=5000)] = "") -> HTMLResponse:
    """Describe a question or case; see what and who already knows; then put it to the network."""
    return _ask_page(page, searcher, vraag, typed={}, errors={})


@router.post("/vragen", response_class=HTMLResponse)
def post_question(
    page: PageDep,
    searcher: SearcherDep,
    csrf: CsrfField = "",
    body: Text = "",
    title: Text = "",
    visibility: Annotated[str, Form(max_length=20)] = "internal",
    community: Annotated[str, Form(max_length=120)] = "",
    share_text: Annotated[bool, Form()] = False,
    themes: Annotated[list[str] | None, Form(max_length=20)] = None,
) -> Response:
    """Put the question to the network (its themes reach the colleagues who follow them)."""
    page.check_csrf(csrf)
    typed: dict[str, Any] = {"title": title, "visibility": visibility, "community": community,
                             "share_text": "1" if share_text else "", "themes": themes or []}  # fmt: skip
    fields = {"title": title.strip(), "body": body.strip(), "visibility": visibility, "community": community or None}
    data, errors = parse(QuestionCreate, {**fields, "share_text": share_text, "themes": themes or []})
    status = 422
    if data is not None:
        try:
            question = service.ask_question(page.session, data, page.policy)
            return done(f"/vragen/{question.id}", "asked")
        except FIELD_ERRORS as exc:
            errors, status = domain_errors(exc), exc.status
    return _ask_page(page, searcher, body, typed=typed, errors=errors, status=status)


@router.get("/vragen", response_class=HTMLResponse)
def questions_page(page: PageDep, open_: Annotated[bool, Query(alias="open")] = False) -> HTMLResponse:
    """Recent questions to the network."""
    found = browse.questions(page.session, page.policy, open_only=open_)
    return page.render("questions.html", questions=found, open_only=open_)


def _question_page(
    page: PageDep, question_id: uuid.UUID, *, typed: str, errors: dict[str, str], status: int = 200
) -> HTMLResponse:
    found = service.question_page(page.session, question_id, page.policy)
    return page.render(
        "question.html",
        status,
        q=found.question,
        may_accept=found.may_accept,
        accepted=found.answered,
        typed=typed,
        errors=errors,
    )


@router.get("/vragen/{question_id}", response_class=HTMLResponse)
def question_page(page: PageDep, question_id: uuid.UUID) -> HTMLResponse:
    """A question with its answers."""
    return _question_page(page, question_id, typed="", errors={})


@router.post("/vragen/{question_id}/antwoorden", response_class=HTMLResponse)
def post_answer(page: PageDep, question_id: uuid.UUID, csrf: CsrfField = "", body: Text = "") -> Response:
    """Answer a question."""
    page.check_csrf(csrf)
    data, errors = parse(AnswerCreate, {"body": body.strip()})
    if data is None:
        return _question_page(page, question_id, typed=body, errors=errors, status=422)
    service.answer(page.session, question_id, data, page.policy)
    return done(f"/vragen/{question_id}#antwoorden", "answered")


@router.post("/vragen/{question_id}/accepteren", response_class=HTMLResponse)
def accept_answer(
    page: PageDep, question_id: uuid.UUID, answer: Annotated[uuid.UUID, Form()], csrf: CsrfField = ""
) -> Response:
    """The asker accepts an answer."""
    page.check_csrf(csrf)
    service.accept(page.session, question_id, answer, page.policy)
    return done(f"/vragen/{question_id}#antwoorden", "accepted")
