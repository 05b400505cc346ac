"""The base of every schema, and small shared types."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator


class Schema(BaseModel):
    """Output models: read from ORM objects."""

    model_config = ConfigDict(from_attributes=True)


# Control characters other than tab and line breaks: never meaningful in a practice, and PostgreSQL refuses
# NUL in text while SQLite would store it. Rejected in every input model and free-text query parameter.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NO_CONTROL_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"


def _reject_control(value: Any) -> Any:
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        raise ValueError("contains a control character")
    if isinstance(value, list):
        for item in value:
            _reject_control(item)
    return value


class InputSchema(BaseModel):
    """Input models: unknown fields are an error, never silently ignored; no control characters in any text."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        return _reject_control(value)


SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
UUID_PATTERN = r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, min_length=1, max_length=120)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Summary = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
LongText = Annotated[str, StringConstraints(max_length=20000)]
RequiredLongText = Annotated[str, StringConstraints(min_length=1, max_length=20000)]


class Problem(BaseModel):
    """RFC 9457 problem details, as every error of this API is rendered."""

    type: str = Field(examples=["https://praktijkbank.nl/problems/invalid-input"])
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict[str, str]] | None = Field(
        default=None, description="One entry per wrong field: its location (`field`) and what is wrong."
    )
    request_id: str | None = Field(
        default=None, description="The request's id, also in the `X-Request-ID` header and the server's log."
    )
