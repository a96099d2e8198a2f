"""
The gateway's ASGI app.

`app` is the process's app, built from the environment on first access. Run it
with uvicorn's own access log off, since the gateway writes one
`request_finished` line per request itself, and with the protocol that writes
each answer at once (http_protocol.py):

    uvicorn meadow_gateway.app:app --host 0.0.0.0 --port 8080 --no-access-log \
        --http meadow_gateway.http_protocol:OneWriteHttpToolsProtocol
"""

import urllib.parse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import httpx
import inngest
import structlog
from fastapi import FastAPI
from starlette.types import ASGIApp

from .batching import SendBatch, configured_sender
from .deps import Resources
from .direct_routes import DirectRoutes
from .errors import install_error_handlers
from .idempotency import Idempotency
from .inngest_runs import InngestRuns
from .logs import configure_logging, write_logs_through
from .middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from .redis_store import create_redis
from .routes import events, ops, status, suppressions, webhooks
from .sender import InngestEventSender, build_inngest_client, close_inngest_client
from .settings import Settings

log = structlog.get_logger(__name__)


def create_app(
    settings: Settings,
    *,
    http_transport: httpx.AsyncBaseTransport | None = None,
    send_batch: SendBatch | None = None,
) -> "GatewayApp":
    """
    Build the gateway app for the given settings.

    http_transport, when given, carries the gateway's own HTTP calls (the
    readiness probe, Inngest's REST API), so tests can answer them with
    httpx.MockTransport. send_batch, when given, takes the place of the inngest
    SDK's send, so tests can record events and fail sends.
    """
    app = GatewayApp(
        title="Meadow event gateway",
        summary="Turns HTTP requests into Inngest events.",
        version="0.1.0",
        lifespan=partial(
            _lifespan, http_transport=http_transport, send_batch=send_batch
        ),
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(ops.router)
    app.include_router(events.router)
    app.include_router(status.router)
    app.include_router(suppressions.router)
    app.include_router(webhooks.router)
    return app


class GatewayApp(FastAPI):
    """
    FastAPI with the gateway's own layers around it, outermost first: request
    ids and access lines (so every answer, 413s included, gets a request id),
    the body limit, then the event route served directly (direct_routes.py).
    """

    def build_middleware_stack(self) -> ASGIApp:
        max_body_bytes = self.state.settings.max_body_bytes
        framework = super().build_middleware_stack()
        direct = DirectRoutes.for_endpoints(
            framework, events.router, [events.movie_watched]
        )
        limited = BodySizeLimitMiddleware(direct, max_body_bytes=max_body_bytes)
        return RequestContextMiddleware(limited)


@asynccontextmanager
async def _lifespan(
    app: FastAPI,
    *,
    http_transport: httpx.AsyncBaseTransport | None,
    send_batch: SendBatch | None,
) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    if not settings.auth_enabled:
        log.warning(
            "gateway_auth_disabled",
            hint="set GATEWAY_API_KEYS to require a bearer key on /v1 routes",
        )
    client = _inngest_client(settings)
    redis_client = create_redis(settings)
    signing_key = settings.inngest_signing_key

    event_sender = configured_sender(
        settings,
        send_batch or InngestEventSender(client).send_batch,
        on_sent=partial(events.record_accepted_events, redis_client),
    )
    timeout = settings.readiness_timeout_seconds
    async with httpx.AsyncClient(timeout=timeout, transport=http_transport) as http:
        app.state.resources = Resources(
            event_sender=event_sender,
            http_client=http,
            inngest_health_url=urllib.parse.urljoin(client.event_api_origin, "/health"),
            redis=redis_client,
            idempotency=Idempotency(
                redis_client, wait_seconds=settings.idempotency_wait_seconds
            ),
            inngest_runs=InngestRuns(
                http,
                api_origin=client.api_origin,
                signing_key=signing_key.get_secret_value() if signing_key else None,
                timeout_seconds=settings.inngest_request_timeout_seconds,
            ),
        )
        try:
            yield
        finally:
            # uvicorn's last lines, and these, must not wait for a write that
            # an exit by signal would skip (log_writer.py).
            write_logs_through()
            await event_sender.aclose()
            await redis_client.aclose()
            await close_inngest_client(client)


def _inngest_client(settings: Settings) -> inngest.Inngest:
    if not settings.inngest_dev_mode and settings.inngest_event_key is None:
        msg = (
            "INNGEST_EVENT_KEY is not set, so events cannot be sent to Inngest Cloud; "
            "set it, or set INNGEST_DEV=1 to use a dev server."
        )
        raise RuntimeError(msg)
    try:
        return build_inngest_client(settings)
    except Exception as exc:
        msg = (
            f"Cannot configure the Inngest client from INNGEST_BASE_URL="
            f"{settings.inngest_base_url!r} / INNGEST_EVENT_API_BASE_URL="
            f"{settings.inngest_event_api_base_url!r}: {exc}. "
            "Use an origin such as http://inngest:8288."
        )
        raise RuntimeError(msg) from exc


def _app_from_environment() -> FastAPI:
    settings = Settings()
    configure_logging(settings.log_level)
    return create_app(settings)


def __getattr__(name: str) -> FastAPI:
    # `app` is built on first access (uvicorn's lookup), so importing create_app,
    # as tests do, neither reads the environment nor reconfigures logging.
    if name != "app":
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    application = _app_from_environment()
    globals()["app"] = application
    return application
