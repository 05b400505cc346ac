"""The caller's own account and personal API tokens."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from api.deps import SessionDep, SignedInDep
from api.errors import ERROR_RESPONSES
from api.ratelimit import WriteLimited
from schemas.accounts import Me, TokenCreate, TokenCreated, TokenRead
from services import auth
from storage.repositories import directory

router = APIRouter(prefix="/me", tags=["accounts"], responses=ERROR_RESPONSES)


@router.get("", response_model=Me)
def me(session: SessionDep, account: SignedInDep) -> Me:
    """Who you are signed in as, and your communities with your role."""
    person = auth.person_of(session, account)
    roles = directory.memberships_of(session, person.id)
    return Me(
        person_id=person.id,
        name=person.name,
        email=account.email,
        is_admin=account.is_admin,
        communities=[{"slug": c.slug, "name": c.name, "role": role} for c, role in roles],
    )


@router.get("/tokens", response_model=list[TokenRead])
def list_tokens(session: SessionDep, account: SignedInDep) -> list[TokenRead]:
    """Your API tokens by name and last use. The secrets themselves are never shown again."""
    return [TokenRead.model_validate(t) for t in auth.tokens_of(session, account.id)]


@router.post("/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
def create_token(data: TokenCreate, session: SessionDep, account: SignedInDep, _limit: WriteLimited) -> TokenCreated:
    """A new personal API token; the response holds the secret, once."""
    issued = auth.issue_token(session, account, data.name, days=data.expires_in_days)
    return TokenCreated(**TokenRead.model_validate(issued.token).model_dump(), token=issued.secret)


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: uuid.UUID, session: SessionDep, account: SignedInDep, _limit: WriteLimited) -> None:
    """Revoke one of your tokens; it stops working at once."""
    auth.revoke_token(session, account, token_id)
