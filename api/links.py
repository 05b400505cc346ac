"""Absolute links for what is read away from the site: feeds and the feed URLs the API hands out."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request

from core.settings import Settings

PERSONAL_FEED = "/feeds/persoonlijk.atom"


def public_base(request: Request) -> str:
    """``PRAKTIJKBANK_PUBLIC_URL`` when set (behind a proxy the request's own host may be an internal one), else the
    base URL the request came in on; without a trailing slash."""
    settings: Settings = request.app.state.runtime.settings
    return (settings.public_url or str(request.base_url)).rstrip("/")


def personal_feed_url(request: Request, secret: str) -> str:
    """The secret rides in the query, not the path: the request log records paths only."""
    return f"{public_base(request)}{PERSONAL_FEED}?{urlencode({'token': secret})}"
