"""Home, results with facets and paging, and the network panel beside them."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from api.deps import SearcherDep
from api.routers.common import practice_filters
from api.web.page import PageDep
from core.vocab import Language, LegalFrame, RecognitionLevel, Theme
from schemas.common import SLUG_PATTERN
from services import browse, network
from storage.repositories.practices import PracticeFilters

router = APIRouter(include_in_schema=False)
QueryText = Annotated[str, Query(max_length=2000)]
Slug = Annotated[str, Query(max_length=120, pattern=f"^$|{SLUG_PATTERN}")]  # a form's empty choice, or a slug


async def page_filters(
    theme: Annotated[list[Theme] | None, Query()] = None,
    legal_frame: Annotated[list[LegalFrame] | None, Query()] = None,
    recognition_level: Annotated[list[RecognitionLevel] | None, Query()] = None,
    language: Annotated[list[Language] | None, Query()] = None,
    organisation: Slug = "",
    community: Slug = "",
) -> PracticeFilters:
    """The API's filters, where a form's empty choice ("Alle") means no filter."""
    return await practice_filters(
        theme, legal_frame, organisation or None, community or None, recognition_level, language
    )


FiltersDep = Annotated[PracticeFilters, Depends(page_filters)]


def _params(q: str, filters: PracticeFilters) -> list[tuple[str, str]]:
    params = [("q", q)]
    params += [("theme", v) for v in filters.themes] + [("legal_frame", v) for v in filters.legal_frames]
    params += [("recognition_level", v) for v in filters.recognition_levels]
    params += [("language", v) for v in filters.languages]
    if filters.organisation:
        params.append(("organisation", filters.organisation))
    if filters.community:
        params.append(("community", filters.community))
    return params


@router.get("/", response_class=HTMLResponse)
def home(
    page: PageDep, searcher: SearcherDep, filters: FiltersDep, q: QueryText = "",
    pagina: Annotated[int, Query(ge=1, le=100)] = 1,
) -> HTMLResponse:  # fmt: skip
    """The search box, themes and what colleagues publish and apply; with a question, its results."""
    if not q.strip():
        overview = browse.overview(page.session, page.policy)
        return page.render("home.html", overview=overview, themes=list(Theme), q="")
    results = browse.results(page.session, searcher, page.policy, q.strip(), filters, page=pagina)
    params = _params(q, filters)

    def page_href(n: int) -> str:
        return "/?" + urlencode([*params, ("pagina", str(n))])

    filtered = any(v for k, v in params if k != "q")
    return page.render(
        "results.html",
        q=q,
        results=results,
        page_href=page_href,
        filtered=filtered,
        clear_href="/?" + urlencode([("q", q)]),
    )


@router.get("/netwerk", response_class=HTMLResponse)
def network_panel(page: PageDep, searcher: SearcherDep, q: QueryText = "") -> HTMLResponse:
    """The people, communities and earlier questions that know about a question (a fragment for htmx)."""
    found = (
        network.ask(page.session, searcher, page.policy, q.strip(), PracticeFilters(), limit=4) if q.strip() else None
    )
    return page.render("network_panel.html", q=q, found=found)
