"""Personal feed tokens: the secret in one's personal Atom feed URL. They open that feed and nothing else."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, status

from api.deps import SessionDep, SignedInDep
from api.errors import ERROR_RESPONSES
from api.links import personal_feed_url
from api.ratelimit import WriteLimited
from schemas.feeds import FeedTokenCreated, FeedTokenRead
from services import feeds

router = APIRouter(prefix="/me/feed-tokens", tags=["feeds"], responses=ERROR_RESPONSES)


@router.get("", response_model=list[FeedTokenRead])
def list_feed_tokens(session: SessionDep, account: SignedInDep) -> list[FeedTokenRead]:
    """Your feed tokens, newest first. The secrets themselves are never shown again."""
    return [FeedTokenRead.model_validate(token) for token in feeds.tokens_of(session, account)]


@router.post("", response_model=FeedTokenCreated, status_code=status.HTTP_201_CREATED)
def create_feed_token(
    request: Request, session: SessionDep, account: SignedInDep, _limit: WriteLimited
) -> FeedTokenCreated:
    """A new personal feed token and the feed URL it opens; the response holds the secret, once."""
    issued = feeds.create_token(session, account)
    read = FeedTokenRead.model_validate(issued.token)
    return FeedTokenCreated(**read.model_dump(), token=issued.secret, url=personal_feed_url(request, issued.secret))


@router.delete("/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_feed_token(token_id: uuid.UUID, session: SessionDep, account: SignedInDep, _limit: WriteLimited) -> None:
    """Revoke one of your feed tokens; its feed answers 404 at once."""
    feeds.revoke_token(session, account, token_id)
