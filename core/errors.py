"""Domain errors. Each carries the HTTP status and RFC 9457 fields it renders as; one handler renders them."""

from __future__ import annotations

from typing import Any


class PraktijkbankError(Exception):
    status: int = 500
    title: str = "Interne fout"
    type_slug: str = "internal"

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra


class NotFound(PraktijkbankError):
    status = 404
    title = "Niet gevonden"
    type_slug = "not-found"


class InvalidInput(PraktijkbankError):
    status = 422
    title = "Ongeldige invoer"
    type_slug = "invalid-input"


class Conflict(PraktijkbankError):
    status = 409
    title = "Conflict"
    type_slug = "conflict"


class PreconditionFailed(PraktijkbankError):
    status = 412
    title = "Versie is verouderd"
    type_slug = "precondition-failed"


class PreconditionRequired(PraktijkbankError):
    status = 428
    title = "If-Match ontbreekt"
    type_slug = "precondition-required"


class IndexUnavailable(PraktijkbankError):
    status = 503
    title = "Zoekindex niet beschikbaar"
    type_slug = "index-unavailable"


class IndexMismatch(PraktijkbankError):
    """The index was built with another model or dimension than the one configured."""

    status = 503
    title = "Zoekindex past niet bij het model"
    type_slug = "index-mismatch"


class Unauthorized(PraktijkbankError):
    status = 401
    title = "Niet aangemeld"
    type_slug = "unauthorized"


class Forbidden(PraktijkbankError):
    status = 403
    title = "Geen toegang"
    type_slug = "forbidden"


class TooManyRequests(PraktijkbankError):
    status = 429
    title = "Te veel verzoeken"
    type_slug = "rate-limited"
