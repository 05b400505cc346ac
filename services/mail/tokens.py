"""The one-click unsubscribe link's token: a person and what they unsubscribe from, signed with the service's key.

The key is ``PRAKTIJKBANK_SECRET_KEY``, or one made once and kept in the data folder, so links in mail already
sent keep working after a restart. A token carries no expiry: an old mail's link still unsubscribes (RFC 8058
asks that it work for as long as the mail may be read); it can only ever set "never".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

from core.settings import Settings
from core.vocab import MailFrequency, NotificationKind

KEY_FILE = "secret-key"
# What a link unsubscribes from: one kind of notification (a direct mail), or a whole digest.
Scope = NotificationKind | MailFrequency
_TOKEN = re.compile(r"^([0-9a-f]{32})\.([a-z_]{1,32})\.([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class Unsubscribe:
    person_id: uuid.UUID
    scope: Scope


def signing_key(settings: Settings) -> bytes:
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    return _key_file(settings.data_dir / KEY_FILE)


def _key_file(path: Path) -> bytes:
    """Read the key, or make it: written aside and linked into place, so that two processes starting together
    end up with the same key (the loser of the race reads the winner's)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        aside = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(aside, path)
        except FileExistsError:
            pass
        finally:
            aside.unlink()
    return path.read_text().strip().encode()


def _signature(key: bytes, person_id: uuid.UUID, scope: str) -> str:
    mac = hmac.new(key, f"unsubscribe:{person_id.hex}:{scope}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def token_for(settings: Settings, person_id: uuid.UUID, scope: Scope) -> str:
    return f"{person_id.hex}.{scope.value}.{_signature(signing_key(settings), person_id, scope.value)}"


def parse(settings: Settings, token: str) -> Unsubscribe | None:
    """The token's person and scope, or None for anything this service did not sign."""
    match = _TOKEN.match(token)
    if match is None:
        return None
    person_hex, scope_value, signature = match.groups()
    person_id = uuid.UUID(hex=person_hex)
    if not hmac.compare_digest(signature, _signature(signing_key(settings), person_id, scope_value)):
        return None
    scope: Scope
    if scope_value in NotificationKind._value2member_map_:
        scope = NotificationKind(scope_value)
    elif scope_value in (MailFrequency.DAILY.value, MailFrequency.WEEKLY.value):
        scope = MailFrequency(scope_value)
    else:
        return None
    return Unsubscribe(person_id, scope)
