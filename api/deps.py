"""Named dependencies. Expensive objects live on ``app.state.runtime``, built once in the lifespan."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from indexing.search import HybridSearcher
from services.access import ANONYMOUS, AccessPolicy, Viewer
from services.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_session(request: Request, runtime: RuntimeDep) -> Iterator[Session]:
    """One unit of work per request: commit on success, roll back on any error.

    The commit happens before the response is sent, so a 2xx always means the write is durable.
    """
    session = runtime.sessions()
    try:
        yield session
        session.commit()
        if request.method not in ("GET", "HEAD"):
            runtime.worker.wake()  # index tasks were committed with the write
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]


def get_viewer() -> Viewer:
    # Accounts arrive with the access-control work; until then every caller is anonymous.
    return ANONYMOUS


ViewerDep = Annotated[Viewer, Depends(get_viewer)]


def get_policy(viewer: ViewerDep) -> AccessPolicy:
    return AccessPolicy(viewer)


PolicyDep = Annotated[AccessPolicy, Depends(get_policy)]


def get_searcher(runtime: RuntimeDep) -> HybridSearcher:
    return runtime.searcher


SearcherDep = Annotated[HybridSearcher, Depends(get_searcher)]
