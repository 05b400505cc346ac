"""Hybrid search over practices."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import PolicyDep, SearcherDep, SessionDep
from api.errors import ERROR_RESPONSES
from api.routers.common import FiltersDep, to_search_hit
from core.errors import InvalidInput
from indexing.search import SearchMode
from schemas.search import SearchResponse
from services import search as service
from services.gaps import count_if_weak

router = APIRouter(tags=["search"], responses=ERROR_RESPONSES)


@router.get("/search", response_model=SearchResponse)
def search(
    session: SessionDep,
    policy: PolicyDep,
    searcher: SearcherDep,
    filters: FiltersDep,
    q: Annotated[str, Query(min_length=1, max_length=2000, description="Question or keywords, Dutch or English.")],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    offset: Annotated[int, Query(ge=0, le=200)] = 0,
    mode: Annotated[SearchMode, Query(description="Both legs fused (default), or one leg alone.")] = SearchMode.HYBRID,
) -> SearchResponse:
    """Published practices most related to `q`: dense and lexical legs fused, grouped per practice."""
    if not q.strip():
        raise InvalidInput("the query is empty", field="q")
    vectors = searcher.encode(q, mode)
    hits = service.search(session, searcher, policy, q, filters, limit=limit, offset=offset, mode=mode, vectors=vectors)
    if offset == 0:
        count_if_weak(session, hits, filters, kind="search")
    return SearchResponse(query=q, mode=mode.value, hits=[to_search_hit(h) for h in hits])
