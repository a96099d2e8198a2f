"""ASGI middleware: request ids and access lines, and the request body limit."""

import re
import time
import uuid

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import ApiError, internal_error
from .logs import mask_emails_in

log = structlog.get_logger(__name__)

_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:=+/-]{1,128}")
PROBE_PATHS = frozenset({"/healthz", "/readyz"})


def _request_id(incoming: str | None) -> str:
    if incoming is not None and _SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestContextMiddleware:
    """
    Bind a request id for every log line, echo it, and log one access line.

    A route adds its outcome (say, the event id) to the access line with
    structlog.contextvars.bind_contextvars: one line a request instead of two,
    as every line costs CPU here and again in Docker's log pipeline. Whatever
    the request bound is unbound when it ends.

    Also the last stop for unexpected exceptions: they are logged with their
    traceback and answered as a JSON 500 instead of Starlette's plain text.
    It is the outermost layer (app.GatewayApp), around FastAPI's own.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        request_id = _request_id(Headers(scope=scope).get("x-request-id"))
        started = time.perf_counter()
        status_code = 500
        response_started = False

        async def send_with_request_id(message: Message) -> None:
            nonlocal status_code, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status_code = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        outer_context = structlog.contextvars.get_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_request_id)
        except ClientDisconnect:
            # Nobody is left to answer; 499 is nginx's code for this case.
            status_code = 499
        except Exception:
            log.exception("request_failed")
            # FastAPI's error middleware answers (see errors.py) before it
            # re-raises; not raising on stops the server logging it again.
            if not response_started:
                await internal_error()(scope, receive, send_with_request_id)
        finally:
            # Health probes come every few seconds; at INFO they would bury traffic.
            emit = log.debug if scope["path"] in PROBE_PATHS else log.info
            emit(
                "request_finished",
                method=scope["method"],
                # DELETE /v1/suppressions/{email} carries an address.
                path=mask_emails_in(scope["path"]),
                status_code=status_code,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )
            # Callers in the same task (tests) must not inherit this request's
            # fields; uvicorn runs each request in a task of its own anyway.
            structlog.contextvars.clear_contextvars()
            structlog.contextvars.bind_contextvars(**outer_context)


def payload_too_large(max_body_bytes: int) -> ApiError:
    """
    The 413 answer for a body over the limit.
    """
    return ApiError(
        413,
        "payload_too_large",
        f"The body is larger than {max_body_bytes} bytes; send a smaller body.",
    )


class BodySizeLimitMiddleware:
    """
    Refuse bodies over max_body_bytes without ever buffering more than that.

    A declared Content-Length over the limit is answered at once; otherwise the
    bytes are counted as they stream in and the read fails on the first chunk
    that crosses the limit, which the error handlers turn into a JSON 413.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            response = payload_too_large(self.max_body_bytes).to_response()
            await response(scope, receive, send)
            return

        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise payload_too_large(self.max_body_bytes)
            return message

        await self.app(scope, counting_receive, send)


def _content_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    if value is None or not value.isdigit():
        return None
    return int(value)
