"""Identity: accounts, argon2id passwords, personal API tokens, web sessions, and who a request is.

Secrets (tokens, session cookies) are random and only their SHA-256 is stored; they are shown once.
Sign-in sits behind the ``Authenticator`` interface so an OIDC provider can be added beside passwords.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from core.vocab import REVIEWING_ROLES
from schemas.accounts import Me, TokenCreate, TokenCreated, TokenRead
from schemas.common import CONTROL_CHARACTERS
from services import audit
from services.access import Viewer
from storage.base import utcnow
from storage.models import Account, ApiToken, CommunityMember, Person, WebSession
from storage.repositories import directory

TOKEN_PREFIX = "pbk_"  # noqa: S105 - a marker that makes leaked tokens easy to scan for, not a secret
SESSION_LIFETIME = timedelta(hours=12)
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def hash_password(password: str) -> str:
    if len(password) < 12:
        raise InvalidInput("a password needs at least 12 characters", field="password")
    return _hasher.hash(password)


def viewer_for(session: Session, account: Account) -> Viewer:
    memberships = session.scalars(select(CommunityMember).where(CommunityMember.person_id == account.person_id)).all()
    return Viewer(
        person_id=account.person_id,
        account_id=account.id,
        is_admin=account.is_admin,
        community_ids=frozenset(m.community_id for m in memberships),
        curator_community_ids=frozenset(m.community_id for m in memberships if m.role in REVIEWING_ROLES),
    )


# --- accounts -------------------------------------------------------------------------------------


def create_account(
    session: Session, *, email: str, name: str, password: str | None, is_admin: bool, actor: uuid.UUID | None = None
) -> Account:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254 or CONTROL_CHARACTERS.search(email):
        raise InvalidInput("not an email address", field="email")
    if not name.strip() or len(name) > 200 or CONTROL_CHARACTERS.search(name):
        raise InvalidInput("a name of 1 to 200 characters, without control characters", field="name")
    if session.scalar(select(Account.id).where(Account.email == email)):
        raise InvalidInput("an account with this email exists", field="email")
    person = directory.ensure_person(session, name)
    if session.scalar(select(Account.id).where(Account.person_id == person.id)):
        raise InvalidInput(f"{name} already has an account", field="name")
    account = Account(
        email=email,
        person_id=person.id,
        password_hash=hash_password(password) if password else None,
        is_admin=is_admin,
    )
    session.add(account)
    session.flush()
    audit.record(session, actor, "account.created", "account", account.id, {"email": email, "admin": is_admin})
    return account


# --- API tokens ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


def issue_token(session: Session, account: Account, name: str, *, days: int = 90) -> IssuedToken:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        account_id=account.id,
        name=name,
        token_hash=digest(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        expires_at=utcnow() + timedelta(days=days),
    )
    session.add(token)
    session.flush()
    audit.record(session, account.person_id, "token.created", "api_token", token.id, {"name": name, "days": days})
    return IssuedToken(token, secret)


def issue_token_for(session: Session, email: str, name: str, *, days: int = 90) -> IssuedToken:
    """A token for the account with this email (the operator's CLI)."""
    account = session.scalar(select(Account).where(Account.email == email.strip().lower()))
    if account is None:
        raise NotFound(f"no account with email {email}", field="email")
    return issue_token(session, account, name, days=days)


def create_token(session: Session, account: Account, data: TokenCreate) -> TokenCreated:
    """A new personal API token; the answer holds the secret, once."""
    issued = issue_token(session, account, data.name, days=data.expires_in_days)
    return TokenCreated(**TokenRead.model_validate(issued.token).model_dump(), token=issued.secret)


def me(session: Session, account: Account) -> Me:
    """Who the caller is signed in as, and their communities with their role."""
    person = person_of(session, account)
    return Me(
        person_id=person.id,
        name=person.name,
        email=account.email,
        is_admin=account.is_admin,
        communities=[
            {"slug": c.slug, "name": c.name, "role": role} for c, role in directory.memberships_of(session, person.id)
        ],
    )


def tokens_of(session: Session, account_id: uuid.UUID) -> list[ApiToken]:
    query = select(ApiToken).where(ApiToken.account_id == account_id).order_by(ApiToken.created_at.desc())
    return list(session.scalars(query))


def revoke_token(session: Session, account: Account, token_id: uuid.UUID) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.account_id != account.id:
        raise NotFound("no token with this id", field="id")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(session, account.person_id, "token.revoked", "api_token", token.id, {"name": token.name})
    return token


def account_for_token(session: Session, secret: str) -> Account:
    """The account behind a bearer token; 401 for anything malformed, unknown, expired or revoked."""
    if not secret.startswith(TOKEN_PREFIX) or not 20 <= len(secret) <= 100:
        raise Unauthorized("malformed token", field="Authorization")
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    now = utcnow()
    if token is None:
        raise Unauthorized("unknown token", field="Authorization")
    if token.revoked_at is not None:
        raise Unauthorized("this token was revoked", field="Authorization")
    if token.expires_at <= now:
        raise Unauthorized("this token has expired", field="Authorization")
    account = _active_account(session, token.account_id)
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now  # at most once a minute: reads should not all become writes
    return account


def _active_account(session: Session, account_id: uuid.UUID) -> Account:
    account = session.scalar(select(Account).where(Account.id == account_id).options(selectinload(Account.person)))
    if account is None or account.disabled_at is not None:
        raise Unauthorized("this account is disabled", field="Authorization")
    return account


# --- sign-in and web sessions ------------------------------------------------------------------------


class Authenticator(Protocol):
    """One way to prove who you are. Passwords now; an OIDC provider can implement this later."""

    def authenticate(self, session: Session, login: str, credential: str) -> Account | None: ...


class PasswordAuthenticator:
    def authenticate(self, session: Session, login: str, credential: str) -> Account | None:
        account = session.scalar(select(Account).where(Account.email == login.strip().lower()))
        if account is None or account.password_hash is None or account.disabled_at is not None:
            _hasher.hash(credential)  # the same work whether or not the account exists: no timing oracle
            return None
        try:
            _hasher.verify(account.password_hash, credential)
        except (VerificationError, InvalidHashError):
            return None
        if _hasher.check_needs_rehash(account.password_hash):
            account.password_hash = _hasher.hash(credential)
        return account


@dataclass(frozen=True)
class OpenedSession:
    cookie: str
    csrf_token: str
    expires_at: datetime


def open_session(session: Session, account: Account) -> OpenedSession:
    cookie = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    expires = utcnow() + SESSION_LIFETIME
    session.add(WebSession(account_id=account.id, session_hash=digest(cookie), csrf_token=csrf, expires_at=expires))
    session.flush()
    return OpenedSession(cookie, csrf, expires)


FORM_EXPIRED = "the form has expired or did not come from this site; reload the page"


def require_csrf(expected: str | None, sent: str | None, *, field: str = "csrf", detail: str = FORM_EXPIRED) -> None:
    """A write on the strength of a browser cookie must carry the token of that session (or of the sign-in form):
    compared in constant time, as bytes (any text a client sends is compared, never a TypeError)."""
    if not expected or not sent or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise Forbidden(detail, field=field)


def web_session(session: Session, cookie: str) -> WebSession | None:
    found = session.scalar(select(WebSession).where(WebSession.session_hash == digest(cookie)))
    if found is None or found.expires_at <= utcnow():
        return None
    return found


def close_session(session: Session, cookie: str) -> None:
    found = session.scalar(select(WebSession).where(WebSession.session_hash == digest(cookie)))
    if found is not None:
        session.delete(found)


def account_of_session(session: Session, web: WebSession) -> Account | None:
    try:
        return _active_account(session, web.account_id)
    except Unauthorized:
        return None


def person_of(session: Session, account: Account) -> Person:
    person = session.get(Person, account.person_id)
    assert person is not None
    return person
