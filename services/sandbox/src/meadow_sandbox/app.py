"""The sandbox's ASGI app: OMDb and Resend stand-ins plus inspection routes."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from meadow_sandbox import faults, inbox, inspection, omdb, resend_api, webhooks
from meadow_sandbox.logs import configure_logging
from meadow_sandbox.settings import Settings
from meadow_sandbox.state import SandboxState

_HTTP_TIMEOUT_SECONDS = 10.0


def create_app(
    settings: Settings | None = None, *, http: httpx.AsyncClient | None = None
) -> FastAPI:
    """
    Build the app with its own empty state; tests pass their own settings, and
    an HTTP client to catch the webhooks it sends. A client passed in stays
    open; one made here closes with the app.
    """
    settings = settings or Settings()
    configure_logging(settings.log_level)
    owned = http is None
    client = httpx.AsyncClient(timeout=_HTTP_TIMEOUT_SECONDS) if http is None else http

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if owned:
                await client.aclose()

    app = FastAPI(
        title="Meadow sandbox",
        summary="Offline stand-ins for the OMDb and Resend APIs.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.sandbox = SandboxState()
    app.state.http = client
    for module in (omdb, resend_api, inspection, faults, inbox, webhooks):
        app.include_router(module.router)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        """
        Report that the process is up.
        """
        return {"status": "ok"}

    return app


app = create_app()
