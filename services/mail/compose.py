"""Mail as it leaves: Dutch, plain text with an accessible HTML alternative, links back to the service, a
Message-ID that is the same every time the same job builds it (a receiver can tell a repeat), and the RFC 8058
one-click unsubscribe headers."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, getaddresses
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from core.settings import Settings
from core.vocab import MailFrequency
from services.mail import texts, tokens
from services.mail.content import Item
from services.mail.transport import MailNotConfigured

SETTINGS_PATH = "/mijn/meldingen-instellingen"
NOTIFICATIONS_PATH = "/meldingen"
_MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december")  # fmt: skip

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_env.globals.update(t=texts.t)


def amsterdam() -> timezone | ZoneInfo:
    try:
        return ZoneInfo("Europe/Amsterdam")
    except ZoneInfoNotFoundError:  # a system without time zone data: Dutch winter time, a mail says "since ..."
        return timezone(timedelta(hours=1))


def dutch_time(moment: datetime) -> str:
    local = moment.astimezone(amsterdam())
    return f"{local.day} {_MONTHS[local.month - 1]} {local.year}, {local:%H:%M}"


@dataclass(frozen=True)
class Recipient:
    person_id: uuid.UUID
    name: str
    email: str


def sender(settings: Settings) -> tuple[str, str]:
    """The from-address as written, and its domain (the Message-ID's right-hand side)."""
    if not settings.mail_from:
        raise MailNotConfigured("no sender: set PRAKTIJKBANK_MAIL_FROM (e.g. 'Praktijkbank <noreply@gemeente.nl>')")
    _, address = getaddresses([settings.mail_from])[0]
    if "@" not in address:
        raise MailNotConfigured(f"PRAKTIJKBANK_MAIL_FROM is not a mail address: {settings.mail_from!r}")
    return settings.mail_from, address.rsplit("@", 1)[1]


def message_id(key: str, domain: str) -> str:
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def _message(
    settings: Settings,
    key: str,
    to: Recipient,
    subject: str,
    template: str,
    unsubscribe: tokens.Scope | None,
    **context: Any,
) -> EmailMessage:
    from_, domain = sender(settings)
    base = settings.base_url
    unsubscribe_url = (
        f"{base}/afmelden/{tokens.token_for(settings, to.person_id, unsubscribe)}" if unsubscribe is not None else None
    )
    values = {
        "subject": subject,
        "name": to.name or "collega",
        "base_url": base,
        "settings_url": base + SETTINGS_PATH,
        "notifications_url": base + NOTIFICATIONS_PATH,
        "unsubscribe_url": unsubscribe_url,
        **context,
    }
    message = EmailMessage()
    message["From"] = from_
    message["To"] = formataddr((to.name, to.email))
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = message_id(key, domain)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to this
    if unsubscribe_url is not None:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(_env.get_template(f"{template}.txt").render(values), charset="utf-8")
    message.add_alternative(_env.get_template(f"{template}.html").render(values), subtype="html", charset="utf-8")
    message["Content-Language"] = "nl"  # after the content: setting it clears the Content-* headers
    return message


def direct(settings: Settings, key: str, to: Recipient, item: Item) -> EmailMessage:
    """One notification, on its own."""
    subject = f"{item.headline}: {item.title}"
    kind = texts.KIND_LABELS[item.kind]
    return _message(settings, key, to, subject, "direct", item.kind, item=item, kind=kind)


def digest(
    settings: Settings, key: str, to: Recipient, frequency: MailFrequency, since: datetime, items: list[Item]
) -> EmailMessage:
    """The notifications of a day or a week, grouped by kind in the order of the preferences page."""
    groups = [
        (texts.KIND_LABELS[kind], [i for i in items if i.kind is kind])
        for kind in texts.KIND_ORDER
        if any(i.kind is kind for i in items)
    ]
    one = "_one" if len(items) == 1 else ""
    subject = texts.t(f"digest.subject{one}.{frequency.value}", count=len(items))
    adjective = texts.t(f"digest.{frequency.value}")
    return _message(
        settings,
        key,
        to,
        subject,
        "digest",
        frequency,
        groups=groups,
        since=dutch_time(since),
        adjective=adjective,
        withheld=any(i.withheld for i in items),
    )


def test(settings: Settings, address: str, server: str) -> EmailMessage:
    """What ``praktijkbank mail test`` sends: no unsubscribe link, nothing of anyone's."""
    to = Recipient(uuid.uuid4(), "", address)
    key = f"test:{uuid.uuid4()}"
    return _message(settings, key, to, texts.t("test.subject"), "test", None, server=server)
