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
    status, title, type_slug = 404, "Not found", "not-found"


class InvalidInput(PraktijkbankError):
    status, title, type_slug = 422, "Invalid input", "invalid-input"


class MissingInput(InvalidInput):
    """A value that must be given was left empty (a page says "fill this in" beside the field)."""


class Conflict(PraktijkbankError):
    status, title, type_slug = 409, "Conflict", "conflict"


class PreconditionFailed(PraktijkbankError):
    status, title, type_slug = 412, "Stale version", "precondition-failed"


class PreconditionRequired(PraktijkbankError):
    status, title, type_slug = 428, "If-Match required", "precondition-required"


class IndexUnavailable(PraktijkbankError):
    status, title, type_slug = 503, "Search index unavailable", "index-unavailable"


class IndexMismatch(PraktijkbankError):
    """The index was built with another model or dimension than the one configured."""

    status, title, type_slug = 503, "Search index built with another model", "index-mismatch"


class Unauthorized(PraktijkbankError):
    status, title, type_slug = 401, "Not signed in", "unauthorized"


class Forbidden(PraktijkbankError):
    status, title, type_slug = 403, "Forbidden", "forbidden"


class TooManyRequests(PraktijkbankError):
    status, title, type_slug = 429, "Too many requests", "rate-limited"


class InvalidTransition(Forbidden):
    status, title, type_slug = 409, "Status change not allowed", "invalid-transition"
