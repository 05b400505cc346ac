"""The mail server connection: STARTTLS for smtp://, TLS from the start for smtps://, the server's certificate
verified, a login with a percent-encoded password; plain text only to a server on this machine."""

from __future__ import annotations

import contextlib
import ssl
import subprocess
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from services.mail import transport
from tests.smtp import Receiver, free_port

pytestmark = pytest.mark.sqlite_pass  # the connection to the mail server: no database at all

USER, PASSWORD = "praktijkbank", "geheim w@chtwoord"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-keyout", str(key), "-out",
         str(cert), "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def trusted(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The test certificate is the one this process trusts (OpenSSL reads SSL_CERT_FILE)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    transport.tls_context.cache_clear()
    yield
    transport.tls_context.cache_clear()


def _login(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok, handled=False)


@contextlib.contextmanager
def tls_server(certificate: tuple[Path, Path], *, implicit: bool) -> Iterator[Receiver]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    receiver = Receiver(port=free_port())
    options: dict[str, Any] = (
        {"ssl_context": context} if implicit else {"tls_context": context, "require_starttls": True}
    )
    controller = Controller(
        receiver,
        hostname="127.0.0.1",
        port=receiver.port,
        authenticator=_login,
        auth_require_tls=not implicit,  # (aiosmtpd counts only STARTTLS as TLS; smtps is TLS from the start)
        auth_exclude_mechanism=["LOGIN"],  # PLAIN only: smtplib tries each offered mechanism in turn
        **options,
    )
    controller.start()
    try:
        yield receiver
    finally:
        controller.stop()


def message() -> EmailMessage:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "noreply@praktijkbank.test", "ine@test.nl", "Over TLS"
    m.set_content("Versleuteld onderweg.")
    return m


def deliver(url: str) -> None:
    with transport.Delivery(transport.parse_url(url), timeout=10) as delivery:
        delivery.send(message())


@pytest.mark.parametrize("implicit", [False, True], ids=["smtp-starttls", "smtps"])
def test_mail_goes_encrypted_with_a_login(certificate: tuple[Path, Path], trusted: None, implicit: bool) -> None:
    scheme = "smtps" if implicit else "smtp"
    with tls_server(certificate, implicit=implicit) as receiver:
        deliver(f"{scheme}://{USER}:geheim%20w%40chtwoord@localhost:{receiver.port}")
        assert [r.subject for r in receiver.messages()] == ["Over TLS"]
        with pytest.raises(transport.Temporary, match="refused the login"):
            deliver(f"{scheme}://{USER}:fout@localhost:{receiver.port}")


def test_a_certificate_that_is_not_trusted_is_refused(certificate: tuple[Path, Path]) -> None:
    transport.tls_context.cache_clear()
    with tls_server(certificate, implicit=False) as receiver:
        with pytest.raises(transport.Temporary, match="certificate is not trusted"):
            deliver(f"smtp://{USER}:x@localhost:{receiver.port}")
        assert receiver.messages() == []


def test_plain_text_only_to_a_server_on_this_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.smtp import smtp_server

    assert transport.parse_url("smtp://localhost:25").local and transport.parse_url("smtp://[::1]:25").local
    assert not transport.parse_url("smtp://mail.gemeente.nl").local
    assert transport.parse_url("smtps://u:p%2Fq@mail.gemeente.nl").password == "p/q"
    assert transport.parse_url("smtps://mail.gemeente.nl").port == 465
    assert transport.parse_url("smtp://mail.gemeente.nl").port == 587

    with smtp_server() as receiver:  # no STARTTLS on offer
        deliver(receiver.url)  # 127.0.0.1: the mail never leaves the machine
        monkeypatch.setattr(transport.Server, "local", property(lambda self: False))
        with pytest.raises(transport.Temporary, match="offers no STARTTLS"):
            deliver(receiver.url)
