"""``praktijkbank mail test``: send one mail now, or say exactly what stands in the way."""

from __future__ import annotations

from core.settings import Settings
from services.mail import compose, transport

SMTP_HINT = (
    "set PRAKTIJKBANK_SMTP_URL (smtp://user:password@host:587 for STARTTLS, smtps://user:password@host:465 for TLS)"
)
FROM_HINT = "set PRAKTIJKBANK_MAIL_FROM (e.g. 'Praktijkbank <noreply@gemeente.nl>')"


class MailCheckFailed(Exception):
    """What is missing or wrong, in one line."""


def missing(settings: Settings) -> list[str]:
    """What the settings lack to send mail at all."""
    problems = []
    if settings.smtp_url is None:
        problems.append(f"no SMTP server: {SMTP_HINT}")
    if not settings.mail_from:
        problems.append(f"no sender: {FROM_HINT}")
    return problems


def send_test(settings: Settings, address: str) -> str:
    """Send a test mail to ``address``; returns the server it went through."""
    if "@" not in address or any(c.isspace() for c in address):
        raise MailCheckFailed(f"not a mail address: {address!r}")
    if problems := missing(settings):
        raise MailCheckFailed("; ".join(problems))
    assert settings.smtp_url is not None
    try:
        server = transport.parse_url(settings.smtp_url.get_secret_value())
        message = compose.test(settings, address, str(server))
        with transport.Delivery(server) as delivery:
            delivery.send(message)
    except (transport.MailNotConfigured, transport.Temporary, transport.Rejected) as exc:
        raise MailCheckFailed(str(exc)) from None
    return str(server)
