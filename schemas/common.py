"""The base of every schema, and small shared types."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class Schema(BaseModel):
    """Output models: read from ORM objects."""

    model_config = ConfigDict(from_attributes=True)


class InputSchema(BaseModel):
    """Input models: unknown fields are an error, never silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=1, max_length=120)]
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
