"""The caller's own account and personal API tokens."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from api.deps import SessionDep, SignedInDep
from api.errors import ERROR_RESPONSES
from api.ratelimit import WriteLimited
from schemas.accounts import Me, TokenCreate, TokenCreated, TokenRead
from services import auth

router = APIRouter(prefix="/me", tags=["accounts"], responses=ERROR_RESPONSES)


@router.get("", response_model=Me)
def me(session: SessionDep, account: SignedInDep) -> Me:
    """Who you are signed in as, and your communities with your role."""
    return auth.me(session, account)


@router.get("/tokens", response_model=list[TokenRead])
def list_tokens(session: SessionDep, account: SignedInDep) -> list[TokenRead]:
    """Your API tokens by name and last use. The secrets themselves are never shown again."""
    return [TokenRead.model_validate(t) for t in auth.tokens_of(session, account.id)]


@router.post("/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
def create_token(data: TokenCreate, session: SessionDep, account: SignedInDep, _limit: WriteLimited) -> TokenCreated:
    """A new personal API token; the response holds the secret, once."""
    return auth.create_token(session, account, data)


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: uuid.UUID, session: SessionDep, account: SignedInDep, _limit: WriteLimited) -> None:
    """Revoke one of your tokens; it stops working at once."""
    auth.revoke_token(session, account, token_id)
