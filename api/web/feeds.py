"""Atom feeds: new public practices (all, per theme, per community), open questions, and one's personal feed.

Documented in the OpenAPI document as ``application/atom+xml``. Feed readers are programs: a missing feed is a
problem+json 404, as on the API (``api.errors.MACHINE_PATHS``). Every answer carries an ETag and, when it has
entries, a Last-Modified, so a reader that polls gets a 304 until something changes.
"""

from __future__ import annotations

import hashlib
from datetime import UTC
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from api.deps import SessionDep
from api.errors import ERROR_RESPONSES
from api.links import personal_feed_url, public_base
from api.routers.common import SlugPath
from api.web import atom
from api.web.templating import label
from api.web.texts import t
from services import feeds
from services.feeds import Feed

router = APIRouter(prefix="/feeds", tags=["feeds"])
MAX_AGE = 300  # seconds a reader or a cache may keep a feed before asking again


class AtomResponse(Response):
    media_type = atom.ATOM_TYPE


FEED_RESPONSES: dict[int | str, dict[str, Any]] = {
    **{status: ERROR_RESPONSES[status] for status in (404, 422, 500)},
    200: {
        "description": "An Atom feed (RFC 4287) of at most 50 entries, the newest first.",
        "content": {atom.ATOM_TYPE: {"schema": {"type": "string"}}},
    },
    304: {"description": "Nothing changed since the ETag sent in If-None-Match (or the time in If-Modified-Since)."},
}


@router.get("/praktijken.atom", response_class=AtomResponse, responses=FEED_RESPONSES)
def practices_feed(request: Request, session: SessionDep) -> Response:
    """Newly published public practices."""
    return _answer(request, feeds.practices(session), key="praktijken", title=t("feeds.practices"), page="/")


@router.get("/thema/{theme}.atom", response_class=AtomResponse, responses=FEED_RESPONSES)
def theme_feed(request: Request, session: SessionDep, theme: Annotated[str, Path(max_length=40)]) -> Response:
    """Newly published public practices of one theme (`wmo`, `jeugd`, ...)."""
    feed = feeds.theme_practices(session, theme)
    name = label("theme", theme)
    page = "/?" + urlencode({"q": name, "theme": theme})  # what the home page's theme links open
    return _answer(request, feed, key=f"thema/{theme}", title=t("feeds.theme", theme=name), page=page)


@router.get("/gemeenschappen/{slug}.atom", response_class=AtomResponse, responses=FEED_RESPONSES)
def community_feed(request: Request, session: SessionDep, slug: SlugPath) -> Response:
    """Newly published public practices of one learning community."""
    feed = feeds.community_practices(session, slug)
    title = t("feeds.community", community=feed.title or slug)
    return _answer(request, feed, key=f"gemeenschappen/{slug}", title=title, page=f"/gemeenschappen/{slug}")


@router.get("/vragen.atom", response_class=AtomResponse, responses=FEED_RESPONSES)
def questions_feed(request: Request, session: SessionDep) -> Response:
    """Open public questions to the network: their titles and links (a case can hold a citizen's details)."""
    feed = feeds.open_questions(session)
    return _answer(request, feed, key="vragen", title=t("feeds.questions"), page="/vragen?open=true")


@router.get("/persoonlijk.atom", response_class=AtomResponse, responses=FEED_RESPONSES)
def personal_feed(
    request: Request,
    session: SessionDep,
    token: Annotated[str, Query(max_length=200, description="A personal feed token (`pbf_…`), not an API token.")] = "",
) -> Response:
    """What you may read: published practices and open questions, internal and your communities' included, and the
    questions you follow. Opened by a feed token (`POST /api/v1/me/feed-tokens`), for a feed reader."""
    feed = feeds.personal(session, token)
    title = t("feeds.personal", name=feed.title or "")
    return _answer(
        request, feed, key=f"persoonlijk/{feed.owner}", title=title, page="/mijn",
        self_url=personal_feed_url(request, token), private=True,
    )  # fmt: skip


def _answer(
    request: Request,
    feed: Feed,
    *,
    key: str,
    title: str,
    page: str,
    self_url: str | None = None,
    private: bool = False,
) -> Response:
    base = public_base(request)
    document = atom.FeedDocument(
        key=key, title=title, self_url=self_url or base + request.url.path, page_url=base + page, base=base
    )
    body = atom.render(document, feed)
    headers = {
        "ETag": f'"{hashlib.sha256(body).hexdigest()[:32]}"',
        "Cache-Control": f"{'private' if private else 'public'}, max-age={MAX_AGE}",
    }
    if private:
        headers["X-Robots-Tag"] = "noindex"
    if feed.updated is not None:
        headers["Last-Modified"] = format_datetime(feed.updated.astimezone(UTC).replace(microsecond=0), usegmt=True)
    if _unchanged(request, headers):
        return Response(status_code=304, headers=headers)
    return AtomResponse(body, headers=headers)


def _unchanged(request: Request, headers: dict[str, str]) -> bool:
    """RFC 9110: If-None-Match decides when sent; If-Modified-Since only without it."""
    sent = request.headers.get("if-none-match")
    if sent is not None:
        tags = {tag.strip().removeprefix("W/") for tag in sent.split(",")}
        return "*" in tags or headers["ETag"] in tags
    since, modified = request.headers.get("if-modified-since"), headers.get("Last-Modified")
    if since is None or modified is None:
        return False
    try:
        return parsedate_to_datetime(modified) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False  # an unreadable date: answer in full
