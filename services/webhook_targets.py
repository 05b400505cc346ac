"""Where a webhook may be delivered: https on public addresses, unless an admin allowed a private one.

A URL is checked when it is registered (its form, a literal address, ``localhost``) and again at every delivery,
where its host name is resolved and *every* address it resolves to must be public. The delivery then connects to
the address that was checked (the URL's host is kept as the Host header and the TLS server name), so a name that
resolves to a public address for the check and to an internal one a moment later (DNS rebinding) cannot steer the
connection inward. Not covered: a public receiver that is itself a proxy into a private network.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit, urlunsplit

from core.errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
HOST_NAME = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)(?:\.(?!-)[a-z0-9_-]{1,63}(?<!-))*\.?$")


class Refused(Exception):
    """The URL or an address it resolves to may not be delivered to."""


def refusal(address: IPAddress) -> str | None:
    """Why an address is not a public one (None: it is)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return refusal(address.ipv4_mapped)
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_private:
        return "a private address"
    if not address.is_global:
        return "not a public address"
    return None


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _valid_name(host: str) -> bool:
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return len(ascii_host) <= 253 and HOST_NAME.match(ascii_host) is not None


def parse(url: str, *, allow_private: bool) -> SplitResult:
    """The URL's parts, when it may be registered; ``Refused`` says why not (without looking the name up)."""
    if any(c.isspace() for c in url):
        raise Refused("a URL has no spaces (write them as %20)")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Refused(f"not a valid URL: {exc}") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise Refused("use an absolute https:// URL")
    if _literal(parts.hostname) is None and not _valid_name(parts.hostname):
        raise Refused(f"{parts.hostname!r} is not a valid host name")
    if parts.scheme == "http" and not allow_private:
        raise Refused("use https (http only with allow_private, for a receiver on the own network)")
    if parts.username is not None or parts.password is not None:
        raise Refused("no user or password in the URL: deliveries are signed instead")
    if port == 0:
        raise Refused("not a valid port")
    host = parts.hostname
    if not allow_private:
        literal = _literal(host)
        if literal is not None and (why := refusal(literal)):
            raise Refused(f"{host} is {why} (allowed only with allow_private)")
        if host.rstrip(".") == "localhost" or host.rstrip(".").endswith(".localhost"):
            raise Refused(f"{host} is a loopback address (allowed only with allow_private)")
    return parts


def check(url: str, *, allow_private: bool, field: str = "url") -> str:
    """``parse`` for a registration: a refusal is a 422 on ``field``."""
    try:
        parse(url, allow_private=allow_private)
    except Refused as exc:
        raise InvalidInput(str(exc), field=field) from None
    return url


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (a literal address is itself)."""
    literal = _literal(host)
    if literal is not None:
        return [literal]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise Refused(f"{host} could not be resolved: {exc}") from None
    # getaddrinfo returns IPv6 addresses with a scope ("fe80::1%eth0"): the part before % is the address.
    return list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos))


@dataclass(frozen=True)
class Target:
    """Where to connect: the checked address in ``url``, the registered host in ``host`` and ``server_name``."""

    url: str
    host: str  # the Host header
    server_name: str | None  # TLS: the name the certificate is checked against


def pin(url: str, *, allow_private: bool) -> Target:
    """Check the URL, resolve its host, check every address, and aim at the first one."""
    parts = parse(url, allow_private=allow_private)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = resolve(host, port)
    if not addresses:
        raise Refused(f"{host} has no address")
    if not allow_private:
        for address in addresses:
            if why := refusal(address):
                raise Refused(f"{host} resolves to {address}, {why}")
    address = addresses[0]
    netloc = f"[{address}]" if address.version == 6 else str(address)
    if parts.port is not None:
        netloc += f":{parts.port}"
    header = parts.netloc.rsplit("@", 1)[-1]
    return Target(
        url=urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")),
        host=header,
        server_name=host if parts.scheme == "https" and _literal(host) is None else None,
    )
