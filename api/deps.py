"""Named dependencies. Expensive objects live on ``app.state.runtime``, built once in the lifespan.

A dependency that does no blocking work is ``async def``: FastAPI runs a plain ``def`` one in a worker thread, and
each such hop waits for Python's GIL behind the searches in flight (docs/capacity.md). Only the work that touches
the database or the disk goes to a thread, and only when there is any.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from api.errors import API_PREFIX
from core.errors import Forbidden, Unauthorized
from indexing.search import HybridSearcher
from services import auth
from services.access import ANONYMOUS, AccessPolicy, Viewer
from services.runtime import Runtime
from storage.database import unit_of_work
from storage.models import Account

SESSION_COOKIE = "praktijkbank_sessie"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_session(request: Request, runtime: RuntimeDep) -> AsyncIterator[Session]:
    """One unit of work per request: commit on success, roll back on any error.

    The commit happens before the response is sent, so a 2xx always means the write is durable, and a page that
    redirects after a write (post/redirect/get) is never read before its write is visible. That needs
    ``scope="function"``: by default FastAPI runs the code after ``yield`` only after the response has gone out.
    Opening a session does no I/O (it connects on first use); ending it does, in a worker thread.
    """
    work = unit_of_work(runtime.sessions)
    session = work.__enter__()
    try:
        yield session
    except BaseException as exc:
        await run_in_threadpool(work.__exit__, type(exc), exc, exc.__traceback__)
        raise
    if getattr(request.state, "refused", False):
        await run_in_threadpool(session.rollback)  # the answer is an error: nothing of this request is kept
    await run_in_threadpool(work.__exit__, None, None, None)
    if request.method not in SAFE_METHODS:
        runtime.worker.wake()  # index tasks were committed with the write
        runtime.jobs.wake()  # and the events it announced


def refuse(request: Request) -> None:
    """The request answers with an error without raising (a form shown again): its unit of work rolls back."""
    request.state.refused = True


# scope="function": the commit runs before the response is sent. The default ends a yield dependency after the
# response, so a failed commit (full disk, lost connection) would come after a 2xx had been sent: a lost write.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def get_account(request: Request, session: SessionDep) -> Account | None:
    """The caller's account from a bearer token or a web session cookie; None for anonymous callers.

    A token that is sent but is not valid is an error (401), never a silent fall-back to anonymous.
    """
    if request.headers.get("authorization") is None and not request.cookies.get(SESSION_COOKIE):
        return None  # anonymous: nothing to look up
    return await run_in_threadpool(account_from, request, session)


def account_from(request: Request, session: Session) -> Account | None:
    """``get_account``'s look-up, for a caller that is already off the event loop."""
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
            if request.method not in SAFE_METHODS and request.url.path.startswith(API_PREFIX):
                _check_api_csrf(request, web.csrf_token)
            return auth.account_of_session(session, web)
    return None


def _check_api_csrf(request: Request, expected: str) -> None:
    """A browser sends the session cookie with any site's request: an API write on the strength of that cookie
    must prove it came from our own pages, by the session's CSRF token in a header and a same-origin request.
    (Web forms carry the token as a form field and are checked by their routes; tools use bearer tokens.)"""
    detail = f"a write with a session cookie needs the {CSRF_HEADER} header of that session"
    auth.require_csrf(expected, request.headers.get(CSRF_HEADER), field=CSRF_HEADER, detail=detail)
    source = request.headers.get("origin") or request.headers.get("referer") or ""
    if urlsplit(source).netloc != request.headers.get("host", ""):
        raise Forbidden("a write with a session cookie must come from this site (Origin or Referer)", field="Origin")


AccountDep = Annotated[Account | None, Depends(get_account)]


async def get_viewer(session: SessionDep, account: AccountDep) -> Viewer:
    if account is None:
        return ANONYMOUS
    return await run_in_threadpool(auth.viewer_for, session, account)


ViewerDep = Annotated[Viewer, Depends(get_viewer)]


async def get_policy(viewer: ViewerDep) -> AccessPolicy:
    return AccessPolicy(viewer)


PolicyDep = Annotated[AccessPolicy, Depends(get_policy)]


async def require_account(account: AccountDep) -> Account:
    if account is None:
        raise Unauthorized("sign in or send a personal API token (Authorization: Bearer …)")
    return account


SignedInDep = Annotated[Account, Depends(require_account)]


async def get_searcher(runtime: RuntimeDep) -> HybridSearcher:
    return runtime.searcher


SearcherDep = Annotated[HybridSearcher, Depends(get_searcher)]


@dataclass(frozen=True)
class Finder:
    """What a route that searches takes: the unit of work, the caller's policy and the searcher."""

    session: Session
    policy: AccessPolicy
    searcher: HybridSearcher


async def get_finder(session: SessionDep, policy: PolicyDep, searcher: SearcherDep) -> Finder:
    return Finder(session, policy, searcher)


FinderDep = Annotated[Finder, Depends(get_finder)]
