"""schemathesis hooks for tests/ops/contract.py: every client error must be RFC 9457 problem+json; ast.parse one
thread at a time."""

from __future__ import annotations

import ast
import threading
from typing import Any

import schemathesis

# CPython 3.11 counts the depth of AST construction in state all threads share: two workers in ast.parse at
# once (hypothesis describing a lambda of schemathesis' own the first time) can end in "SystemError: AST
# constructor recursion depth mismatch", a runtime error of the fuzzer, not a finding about the service (seen
# once, with the PostgreSQL pass beside it on two cores). One parse at a time.
_parse = ast.parse
_parsing = threading.Lock()


def _one_parse_at_a_time(*args: Any, **kwargs: Any) -> Any:
    with _parsing:
        return _parse(*args, **kwargs)


ast.parse = _one_parse_at_a_time


@schemathesis.check
def client_errors_are_problem_json(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    if 400 <= response.status_code < 500:
        content_type = response.headers.get("content-type", [""])[0]
        if not content_type.startswith("application/problem+json"):
            raise AssertionError(f"{response.status_code} answered as {content_type!r}, not application/problem+json")
        body = response.json()
        if not (isinstance(body, dict) and body.get("status") == response.status_code and body.get("title")):
            raise AssertionError(f"{response.status_code} problem body lacks status/title: {str(body)[:200]}")
    return None
