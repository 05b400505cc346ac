"""Web pages in Dutch: search, and a practice page. They use the same services and access policy as the API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.deps import AccountDep, PolicyDep, SearcherDep, SessionDep
from api.routers.common import FiltersDep
from api.web.templating import templates
from core.vocab import SECTIONS
from indexing.search import SearchMode
from schemas.practices import PracticeRead
from services import auth
from services import practices as practice_service
from services import search as search_service
from storage.models import Account
from storage.repositories import questions as questions_repo

router = APIRouter(include_in_schema=False)


def _who(request: Request, session: SessionDep, account: Account | None) -> dict[str, Any]:
    if account is None:
        return {"me": None}
    return {"me": auth.person_of(session, account), "csrf": getattr(request.state, "csrf_token", "")}


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request,
    session: SessionDep,
    policy: PolicyDep,
    account: AccountDep,
    searcher: SearcherDep,
    filters: FiltersDep,
    q: Annotated[str, Query(max_length=2000)] = "",
) -> HTMLResponse:
    hits = []
    if q.strip():
        hits = search_service.search(session, searcher, policy, q, filters, limit=10, offset=0, mode=SearchMode.HYBRID)
    context = {"q": q, "hits": hits, "searched": bool(q.strip()), **_who(request, session, account)}
    return templates.TemplateResponse(request, "home.html", context)


@router.get("/praktijken/{ref}", response_class=HTMLResponse)
def practice_page(
    request: Request, ref: str, session: SessionDep, policy: PolicyDep, account: AccountDep, searcher: SearcherDep
) -> HTMLResponse:
    practice = practice_service.find(session, ref, policy)
    similar = search_service.similar(session, searcher, policy, practice, limit=5)
    shown = policy.visible_profiles()
    context = {
        "p": PracticeRead.model_validate(practice),
        "similar": similar,
        "sections": SECTIONS,
        "applications": questions_repo.applications_of(session, [practice.id]),
        "feedback": questions_repo.feedback_of(session, practice.id),
        "shown": shown,
        **_who(request, session, account),
    }
    return templates.TemplateResponse(request, "practice.html", context)
