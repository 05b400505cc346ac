"""Hybrid search over practices."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import FinderDep
from api.errors import ERROR_RESPONSES
from api.routers.common import FiltersDep
from indexing.search import SearchMode
from schemas.common import NO_CONTROL_PATTERN
from schemas.search import SearchResponse
from services import search as service

router = APIRouter(tags=["search"], responses=ERROR_RESPONSES)


@router.get("/search", response_model=SearchResponse)
def search(
    find: FinderDep,
    filters: FiltersDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=2000,
            pattern=NO_CONTROL_PATTERN,
            description="Question or keywords, Dutch or English.",
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    offset: Annotated[int, Query(ge=0, le=200)] = 0,
    mode: Annotated[SearchMode, Query(description="Both legs fused (default), or one leg alone.")] = SearchMode.HYBRID,
) -> SearchResponse:
    """Published practices most related to `q`: dense and lexical legs fused, grouped per practice."""
    found = service.find(find.session, find.searcher, find.policy, q, filters, limit=limit, offset=offset, mode=mode)
    return found.as_response()
