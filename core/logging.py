"""Structured logs: one JSON object per line, carrying the id of the request being served; readable text for a
person at a terminal.

The request id lives in a context variable, set by ``api.middleware.RequestContext``; it reaches sync routes too,
because Starlette copies the context into its threadpool.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

# `auto` (structlog's convention): text when a person watches the terminal, JSON lines for whatever collects the log
# (a pipe, a file, journald, a container runtime). `console` is structlog's name for `text`.
LogFormat = Literal["auto", "json", "text", "console"]

# A client may hand in its own id (a proxy's, a trace's) so both logs tell the same story; anything else is
# replaced, so the id can never smuggle line breaks or markup into a log or a header.
_SANE_ID = re.compile(r"^[A-Za-z0-9._:\-]{8,128}$")

# Attributes every LogRecord has; everything else was passed through ``extra=`` and goes into the line.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
    "color_message",
}


def accept_or_make(offered: str | None) -> str:
    if offered and _SANE_ID.match(offered):
        return offered
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or request_id.get()
        if rid:
            line["request_id"] = rid
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def json_lines(log_format: LogFormat, stream: TextIO) -> bool:
    """Whether ``log_format`` means JSON lines on ``stream``: `auto` decides by whether it is a terminal."""
    return not stream.isatty() if log_format == "auto" else log_format == "json"


def configure(*, log_format: LogFormat = "auto", level: int = logging.INFO) -> None:
    """Replace the root handlers, writing to stderr: JSON lines (the service) or readable text (a person at a
    terminal); `auto` picks by what stderr is."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    if json_lines(log_format, handler.stream):
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # uvicorn's own access line has no request id; ours (api.middleware) has, and the route template.
    logging.getLogger("uvicorn.access").disabled = True
