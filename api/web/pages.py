"""Web pages in Dutch: search, and a practice page. They use the same services as the API."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from api.deps import PolicyDep, SearcherDep, SessionDep
from api.routers.common import FiltersDep, find_practice
from core.vocab import SECTIONS
from indexing.highlight import Snippet
from indexing.search import SearchMode
from services import search as search_service
from services.practices import to_read

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

SECTION_LABELS = {"summary": "Samenvatting", **{name: pair[0] for name, pair in SECTIONS.items()}}
LEVEL_LABELS = {
    "praktijkvoorbeeld": "Praktijkvoorbeeld (niet beoordeeld)",
    "goed_beschreven": "Goed beschreven",
    "goed_onderbouwd": "Goed onderbouwd",
    "effectief": "Effectief",
}


def highlighted(snippet: Snippet) -> Markup:
    parts: list[str] = []
    cursor = 0
    for start, end in snippet.highlights:
        parts.append(str(escape(snippet.text[cursor:start])))
        parts.append(f"<mark>{escape(snippet.text[start:end])}</mark>")
        cursor = end
    parts.append(str(escape(snippet.text[cursor:])))
    return Markup("".join(parts))  # noqa: S704 - every piece is escaped above


templates.env.globals.update(section_labels=SECTION_LABELS, level_labels=LEVEL_LABELS, highlighted=highlighted)


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request,
    session: SessionDep,
    policy: PolicyDep,
    searcher: SearcherDep,
    filters: FiltersDep,
    q: Annotated[str, Query(max_length=2000)] = "",
) -> HTMLResponse:
    hits = []
    if q.strip():
        hits = search_service.search(session, searcher, policy, q, filters, limit=10, offset=0, mode=SearchMode.HYBRID)
    return templates.TemplateResponse(request, "home.html", {"q": q, "hits": hits, "searched": bool(q.strip())})


@router.get("/praktijken/{ref}", response_class=HTMLResponse)
def practice_page(
    request: Request, ref: str, session: SessionDep, policy: PolicyDep, searcher: SearcherDep
) -> HTMLResponse:
    practice = find_practice(session, ref, policy)
    similar = search_service.similar(session, searcher, policy, practice, limit=5)
    return templates.TemplateResponse(
        request, "practice.html", {"p": to_read(practice), "similar": similar, "sections": SECTIONS}
    )
