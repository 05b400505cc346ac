"""Pure ASGI middleware: request context (id, access log, latency, the last line of defence against a crash)
and a body-size limit that also holds for chunked bodies without Content-Length."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from fastapi import HTTPException, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import errors
from core import logging as log_context
from core import metrics

logger = logging.getLogger("praktijkbank.access")


class HttpMiddleware:
    """Pure ASGI middleware of HTTP requests (``http``); anything else (the lifespan) passes through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.http(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class RequestContext(HttpMiddleware):
    """Outermost of our middleware: gives every request an id (``X-Request-ID``, a sane one from the client is
    kept), returns it as a header, logs one structured line per request and times it by route template.

    An exception nobody handled becomes one 500 here (``errors.answer``: problem+json or the Dutch page) and is
    *not* re-raised: re-raised, uvicorn would log it again and close the kept-alive connection after the
    response, so the client's next request on that connection would fail.
    """

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        offered = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"x-request-id"), None)
        rid = log_context.accept_or_make(offered)
        token = log_context.request_id.set(rid)
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                message = {**message, "headers": [*headers, (b"x-request-id", rid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            logger.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if not response_started:
                detail = "an unexpected error occurred; it has been logged"
                response = _answer(scope, receive, 500, exc, lambda: errors.problem(500, detail, path=scope["path"]))
                await response(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = route_template(scope)
            metrics.REQUEST_SECONDS.labels(scope["method"], route, f"{status // 100}xx").observe(seconds)
            logger.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "request_id": rid,
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "ms": round(seconds * 1000, 1),
                },
            )
            log_context.request_id.reset(token)


def route_template(scope: Scope) -> str:
    """'/api/v1/practices/{ref}' for '/api/v1/practices/thuiszitterstafel': a bounded label for metrics and logs.
    Built from the matched path parameters, since the route object FastAPI leaves in the scope lacks its prefix."""
    if scope.get("route") is None:
        return "unmatched"
    template: str = scope["path"]
    for name, value in scope.get("path_params", {}).items():
        head, found, tail = template.rpartition(str(value))
        if found:
            template = f"{head}{{{name}}}{tail}"
    return template


class BodyTooLarge(HTTPException):
    """An HTTPException, so FastAPI's body parsing passes it on instead of turning it into a 400."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"the request body is larger than {max_bytes} bytes")


class BodySizeLimit(HttpMiddleware):
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        super().__init__(app)
        self.max_bytes = max_bytes

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await self._reject(scope, receive, send)
                return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._reject(scope, receive, send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        def problem() -> Response:
            return errors.problem(
                413,
                f"the request body is larger than {self.max_bytes} bytes",
                path=scope.get("path"),
                slug="body-too-large",
                errors=[{"field": "body", "message": f"at most {self.max_bytes} bytes"}],
            )

        response = _answer(scope, receive, 413, None, problem)
        await response(scope, receive, send)


def _answer(
    scope: Scope, receive: Receive, status: int, exc: Exception | None, problem: Callable[[], Response]
) -> Response:
    """An error met outside the routes, said as ``errors.answer`` says every error."""
    request = Request(scope, receive)
    return errors.answer(request, status, exc, problem) if "app" in scope else problem()
