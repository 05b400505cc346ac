"""Named dependencies. Expensive objects live on ``app.state.runtime``, built once in the lifespan."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from core.errors import Unauthorized
from indexing.search import HybridSearcher
from services import auth
from services.access import ANONYMOUS, AccessPolicy, Viewer
from services.runtime import Runtime
from storage.models import Account

SESSION_COOKIE = "praktijkbank_sessie"


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_session(request: Request, runtime: RuntimeDep) -> Iterator[Session]:
    """One unit of work per request: commit on success, roll back on any error.

    The commit happens before the response is sent, so a 2xx always means the write is durable, and a page that
    redirects after a write (post/redirect/get) is never read before its write is visible. That needs
    ``scope="function"``: by default FastAPI runs the code after ``yield`` only after the response has gone out.
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


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_account(request: Request, session: SessionDep) -> Account | None:
    """The caller's account from a bearer token or a web session cookie; None for anonymous callers.

    A token that is sent but is not valid is an error (401), never a silent fall-back to anonymous.
    """
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthorized("use 'Authorization: Bearer <token>'", field="Authorization")
        return auth.account_for_token(session, secret.strip())
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        web = auth.web_session(session, cookie)
        if web is not None:
            request.state.csrf_token = web.csrf_token
            return auth.account_of_session(session, web)
    return None


AccountDep = Annotated[Account | None, Depends(get_account)]


def get_viewer(session: SessionDep, account: AccountDep) -> Viewer:
    return auth.viewer_for(session, account) if account is not None else ANONYMOUS


ViewerDep = Annotated[Viewer, Depends(get_viewer)]


def get_policy(viewer: ViewerDep) -> AccessPolicy:
    return AccessPolicy(viewer)


PolicyDep = Annotated[AccessPolicy, Depends(get_policy)]


def require_account(account: AccountDep) -> Account:
    if account is None:
        raise Unauthorized("sign in or send a personal API token (Authorization: Bearer …)")
    return account


SignedInDep = Annotated[Account, Depends(require_account)]


def get_searcher(runtime: RuntimeDep) -> HybridSearcher:
    return runtime.searcher


SearcherDep = Annotated[HybridSearcher, Depends(get_searcher)]
