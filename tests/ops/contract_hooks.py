"""schemathesis hooks for tests/ops/contract.py: every client error must be RFC 9457 problem+json."""

from __future__ import annotations

import schemathesis


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
