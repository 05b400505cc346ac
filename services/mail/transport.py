"""Handing a message to the SMTP server named by ``PRAKTIJKBANK_SMTP_URL``, in a way that lets the outbox tell
"not sent" from "perhaps sent".

``smtp://`` requires STARTTLS, ``smtps://`` speaks TLS from the start; both verify the server's certificate. Only
a server on this machine (a local relay on 127.0.0.1) may be spoken to in plain text, and only when it offers no
STARTTLS: nothing leaves the machine on that hop.

The message goes out in two steps (``Delivery``): everything up to the last line of the data, then the final
``.`` that makes the server take responsibility. Before that dot nothing has been delivered, whatever happens to
this process; the caller records "sending" in between, so after a crash it knows which mails may have gone out.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import getaddresses
from urllib.parse import unquote, urlsplit

TIMEOUT_SECONDS = 30.0  # per network operation; well inside the job runner's lease of two minutes
_LOCAL_NAMES = {"localhost", "localhost.localdomain"}


class MailNotConfigured(Exception):
    """No server or no sender: mail waits in the outbox."""


class Temporary(Exception):
    """Try again later: the server is away, busy, or said 4xx. ``answered``: the server replied, so a message it
    refused is known not to be taken (a broken connection after the final dot leaves that open)."""

    def __init__(self, reason: str, *, answered: bool = False) -> None:
        super().__init__(reason)
        self.answered = answered


class Rejected(Exception):
    """The server refused this recipient for good (5xx on RCPT): sending again would not help."""


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    tls: bool  # smtps: TLS from the first byte; else STARTTLS
    user: str | None
    password: str | None

    @property
    def local(self) -> bool:
        if self.host in _LOCAL_NAMES:
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def __str__(self) -> str:
        return f"{'smtps' if self.tls else 'smtp'}://{self.host}:{self.port}"


def parse_url(url: str) -> Server:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise MailNotConfigured("PRAKTIJKBANK_SMTP_URL must look like smtp://user:password@host:587 or smtps://…:465")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 587)
    except ValueError as exc:
        raise MailNotConfigured(f"PRAKTIJKBANK_SMTP_URL has a bad port: {exc}") from None
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    return Server(parts.hostname, port, parts.scheme == "smtps", user, password)


def _encoded(message: EmailMessage) -> bytes:
    """The message as SMTP carries it: CRLF line ends, a leading dot doubled, ending in CRLF (before the final dot)."""
    data = re.sub(rb"(?m)^\.", b"..", message.as_bytes(policy=SMTP_POLICY))
    return data if data.endswith(b"\r\n") else data + b"\r\n"


def _check(reply: tuple[int, bytes], step: str, *, expect: tuple[int, ...] = (250,)) -> None:
    code, text = reply
    if code in expect:
        return
    said = f"{step}: {code} {text.decode(errors='replace')}".strip()
    if 400 <= code < 500 or code < 200:
        raise Temporary(said, answered=True)
    if step in ("RCPT TO", "end of data"):
        raise Rejected(said)  # this recipient or this message, refused for good
    raise Temporary(said, answered=True)  # a 5xx on MAIL FROM or DATA: our or the server's setup; fixed, then sent


class Delivery:
    """One SMTP session: ``connect``, then ``send`` each message (``before_commit`` is called just before the final
    dot), then ``close``. Errors are ``Temporary`` or ``Rejected``; a connection that fails is ``Temporary``."""

    def __init__(self, server: Server, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self.server = server
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None
        self._in_data = False  # between DATA and the final dot: the connection must drop, not QUIT

    def connect(self) -> None:
        try:
            if self.server.tls:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.server.host, self.server.port, timeout=self.timeout, context=tls_context()
                )
            else:
                smtp = smtplib.SMTP(self.server.host, self.server.port, timeout=self.timeout)
            self._smtp = smtp
            smtp.ehlo()
            if not self.server.tls:
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=tls_context())
                    smtp.ehlo()
                elif not self.server.local:
                    raise Temporary(f"{self.server} offers no STARTTLS; mail is not sent in plain text over a network")
            if self.server.user:
                smtp.login(self.server.user, self.server.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            self.close()
            said = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
            raise Temporary(f"the server refused the login ({exc.smtp_code} {said})") from None
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise Temporary(f"could not connect to {self.server}: {_reason(exc)}") from exc

    def send(self, message: EmailMessage, before_commit: Callable[[], None] = lambda: None) -> None:
        smtp = self._smtp
        assert smtp is not None, "connect first"
        sender = getaddresses([str(message["From"])])[0][1]
        recipients = [address for _, address in getaddresses(message.get_all("To", []))]
        data = _encoded(message)
        try:
            _check(smtp.mail(sender), "MAIL FROM")
            for address in recipients:
                _check(smtp.rcpt(address), "RCPT TO", expect=(250, 251))
            _check(smtp.docmd("DATA"), "DATA", expect=(354,))
            self._in_data = True
            smtp.send(data)
            before_commit()  # from here on the server may take the message
            smtp.send(b".\r\n")
            self._in_data = False
            _check(smtp.getreply(), "end of data")
        except (Temporary, Rejected):
            self._reset()
            raise
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise Temporary(f"the connection to {self.server} broke off: {_reason(exc)}") from exc
        except BaseException:
            self.close()  # the mark could not be recorded: the message must not be completed
            raise

    def _reset(self) -> None:
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        if self._in_data:  # a QUIT now would be read as message text; dropping the line discards the message
            self._in_data = False
            smtp.close()
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def __enter__(self) -> Delivery:
        self.connect()
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The system's trusted certificates, loaded once per process (it takes a tenth of a second)."""
    return ssl.create_default_context()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.timeout | TimeoutError):
        return "no answer in time"
    if isinstance(exc, socket.gaierror):
        return "unknown host"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"the server's certificate is not trusted ({exc.verify_message})"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
