"""Domain errors. Each carries the HTTP status and RFC 9457 fields it renders as; one handler renders them."""

from __future__ import annotations

from typing import Any


class PraktijkbankError(Exception):
    status: int = 500
    title: str = "Internal error"
    type_slug: str = "internal"

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra


class NotFound(PraktijkbankError):
    status = 404
    title = "Not found"
    type_slug = "not-found"


class InvalidInput(PraktijkbankError):
    status = 422
    title = "Invalid input"
    type_slug = "invalid-input"


class Conflict(PraktijkbankError):
    status = 409
    title = "Conflict"
    type_slug = "conflict"


class PreconditionFailed(PraktijkbankError):
    status = 412
    title = "Stale version"
    type_slug = "precondition-failed"


class PreconditionRequired(PraktijkbankError):
    status = 428
    title = "If-Match required"
    type_slug = "precondition-required"


class IndexUnavailable(PraktijkbankError):
    status = 503
    title = "Search index unavailable"
    type_slug = "index-unavailable"


class IndexMismatch(PraktijkbankError):
    """The index was built with another model or dimension than the one configured."""

    status = 503
    title = "Search index built with another model"
    type_slug = "index-mismatch"


class Unauthorized(PraktijkbankError):
    status = 401
    title = "Not signed in"
    type_slug = "unauthorized"


class Forbidden(PraktijkbankError):
    status = 403
    title = "Forbidden"
    type_slug = "forbidden"


class TooManyRequests(PraktijkbankError):
    status = 429
    title = "Too many requests"
    type_slug = "rate-limited"
