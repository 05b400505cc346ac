"""The FastAPI app factory. Everything expensive is built once in the lifespan and closed on shutdown."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from api import metrics
from api.deps import get_account
from api.errors import API_PREFIX
from api.middleware import BodySizeLimit, RequestContext
from api.ratelimit import LimitStore, RedisLimitStore, SlidingWindow, SqlLimitStore, limit_form_writes
from api.routers import (
    accounts,
    admin,
    directory,
    feed_tokens,
    health,
    network,
    outreach,
    practices,
    search,
    webhooks,
)
from api.routers import mail as mail_api
from api.web import errors as web_errors
from api.web import (
    feed_pages,
    feeds,
    mail_pages,
    outreach_pages,
    people_pages,
    practice_pages,
    question_pages,
    search_pages,
    signin,
    write_pages,
)
from api.web.assets import mount_static
from api.web.security import SecurityHeaders
from core.settings import Settings
from schemas.common import Problem
from services.runtime import Runtime
from services.seeding import seed_if_empty
from storage.database import refresh_statistics

logger = logging.getLogger(__name__)


def limit_store(settings: Settings, runtime: Runtime) -> LimitStore:
    """Where rate limits count: shared by every process of the service (Redis if configured, else SQL)."""
    if settings.redis_url:
        return RedisLimitStore(settings.redis_url)
    return SqlLimitStore(runtime.sessions)


def operation_id(route: APIRoute) -> str:
    """An operation is named after its route function (`search`, `create_practice`): a generated client's method
    names then read like ours, not like FastAPI's default `search_api_v1_search_get`."""
    return route.name


def check_operation_ids(app: FastAPI) -> None:
    """Refuse two documented routes of one name: they would share an operation id and one client method."""
    names = Counter(r.name for r in app.routes if isinstance(r, APIRoute) and r.include_in_schema)
    twice = sorted(name for name, count in names.items() if count > 1)
    if twice:
        raise RuntimeError(f"two documented routes share an operation id: {', '.join(twice)}")


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> FastAPI:
    """Build the app. Tests may hand in a ready ``runtime``; it is then theirs to close."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = runtime is None
        rt: Runtime = runtime if runtime is not None else await run_in_threadpool(Runtime.build, settings)
        if owned and settings.seed_on_first_start:
            seeded = await run_in_threadpool(seed_if_empty, rt.sessions, settings.seed_dir, demo=settings.demo_accounts)
            if seeded is not None:
                await run_in_threadpool(refresh_statistics, rt.engine)
        if owned and settings.run_worker:
            rt.start_worker()
        app.state.runtime = rt
        store = limit_store(settings, rt)
        app.state.write_limit = SlidingWindow(store, "write", settings.writes_per_minute, 60)
        app.state.sign_in_limit = SlidingWindow(store, "sign-in", settings.failed_sign_ins_per_15_minutes, 15 * 60)
        try:
            yield
        finally:
            if isinstance(store, RedisLimitStore):
                store.close()
            if owned:
                await run_in_threadpool(rt.close)

    app = FastAPI(
        title="Praktijkbank",
        version="1.0.0",
        summary="Best practices of the Dutch social domain, findable by meaning and by the people behind them.",
        lifespan=lifespan,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        generate_unique_id_function=operation_id,
    )
    app.state.metrics_token = settings.metrics_token
    web_errors.install(app)  # pages get Dutch HTML error pages; the API keeps problem+json
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    # added last: outermost, so it sees (and ids) every response; a page's unexpected error gets the Dutch 500 page
    app.add_middleware(RequestContext)

    # Credentials are checked on every route: a bad or revoked token is a 401 anywhere, never anonymous. (Not on
    # /metrics, which takes the scraper's own token and otherwise does not exist.)
    credentials = [Depends(get_account)]
    api = APIRouter(prefix=API_PREFIX)
    # network before practices: its /practices/similar-check must win over /practices/{ref}
    for module in (network, practices, search, directory, accounts, feed_tokens, outreach, admin, webhooks, health):
        api.include_router(module.router)
    api.include_router(mail_api.router)
    app.include_router(api, dependencies=credentials)
    app.include_router(metrics.router)
    # /healthz and /readyz at the root too, for probes: the same operations, documented once (under /api/v1)
    app.include_router(health.router, dependencies=credentials, include_in_schema=False)
    mount_static(app)
    for pages in (search_pages, write_pages, practice_pages, question_pages, people_pages, outreach_pages, feed_pages):
        # write_pages before practice_pages: /praktijken/nieuw is not a {ref}
        app.include_router(pages.router, dependencies=[*credentials, Depends(limit_form_writes)])
    # mail choices, and the unsubscribe link a mail program posts to without signing in (the link is signed)
    app.include_router(mail_pages.router, dependencies=[*credentials, Depends(limit_form_writes)])
    app.include_router(signin.router, dependencies=credentials)  # failed sign-ins have their own limit
    app.include_router(feeds.router)  # read as nobody in particular, or as a feed token's person: no credentials
    check_operation_ids(app)

    original_openapi = app.openapi

    def openapi() -> dict[str, object]:
        schema = original_openapi()
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = Problem.model_json_schema()
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
