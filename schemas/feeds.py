"""Personal feed tokens as the API shows them. The secret appears once, at creation, inside the feed's URL."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from schemas.common import Schema


class FeedTokenRead(Schema):
    id: uuid.UUID
    created_at: datetime
    revoked_at: datetime | None = None


class FeedTokenCreated(FeedTokenRead):
    token: str = Field(description="The secret. Shown only now; it cannot be read again.")
    url: str = Field(
        description="Your personal Atom feed (`/feeds/persoonlijk.atom?token=…`), for a feed reader. It reads only "
        "this feed, and anyone with the URL reads what you may read there: treat it as a password."
    )
