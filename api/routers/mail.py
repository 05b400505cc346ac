"""The caller's mail choices."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import SessionDep, SignedInDep
from api.errors import ERROR_RESPONSES
from api.ratelimit import WriteLimited
from schemas.mail import MailPreferences, MailPreferencesUpdate
from services.mail import preferences

router = APIRouter(prefix="/me", tags=["mail"], responses=ERROR_RESPONSES)


@router.get("/mail-preferences", response_model=MailPreferences)
def get_mail_preferences(session: SessionDep, account: SignedInDep) -> MailPreferences:
    """How you hear of each kind of notification by mail."""
    return preferences.read(session, account.person_id)


@router.put("/mail-preferences", response_model=MailPreferences)
def put_mail_preferences(
    data: MailPreferencesUpdate, session: SessionDep, account: SignedInDep, _limit: WriteLimited
) -> MailPreferences:
    """Choose, per kind of notification: direct, daily or weekly digest, or never. Kinds left out get their default."""
    return preferences.update(session, account.person_id, data)
