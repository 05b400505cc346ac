"""Form input on pages: the API's schemas validate it; their errors become Dutch messages beside each field."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from api.web.texts import t
from core.errors import Conflict, InvalidInput, InvalidTransition, MissingInput, PraktijkbankError

# The refusals a form shows beside its fields, with their status: wrong input (422), a clash with what exists or a
# status move the workflow does not allow (409). Every other refusal (403, 404…) is the page of its status, as for
# any request (``api.errors.answer``).
FIELD_ERRORS = (InvalidInput, Conflict, InvalidTransition)

Model = TypeVar("Model", bound=BaseModel)


def _message(error: Any) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind in ("missing", "string_too_short") or (kind == "value_error" and not error.get("input")):
        return t("error.required")
    if kind == "string_too_long":
        return t("error.too_long", max=ctx.get("max_length", ""))
    return t("error.invalid")


def parse(
    model: type[Model], data: dict[str, Any], *, within: str | None = None
) -> tuple[Model | None, dict[str, str]]:
    """The validated schema, or None and a Dutch message per field (the first per field). ``within``: the form's
    fields are the keys of this mapping field of the schema (``{"preferences": {field: value}}``)."""
    try:
        return model.model_validate({within: data} if within else data), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            loc = error.get("loc") or ("form",)
            if within and loc[0] == within and len(loc) > 1:
                loc = loc[1:]
            errors.setdefault(str(loc[0]), _message(error))
        return None, errors


def domain_errors(exc: PraktijkbankError) -> dict[str, str]:
    """A refusal of a service, beside the field it names (its text is not shown: the API's is English)."""
    field = (exc.field or "form").split("[")[0]
    if isinstance(exc, MissingInput):
        return {field: t("error.required")}
    return {field: t(f"error.{exc.status}.text") if exc.status != 422 else t("error.invalid")}
