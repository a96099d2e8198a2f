"""
The ASGI app: the Inngest endpoint at /api/inngest plus health probes.

`meadow_functions.app:app` is built on first access from the environment, so
importing this module (as tests do, for create_app) needs no configuration.
"""

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import cast

import httpx
import inngest
import inngest.fast_api
import redis.asyncio as redis
import structlog
from fastapi import FastAPI

from meadow_functions.cache import create_redis
from meadow_functions.functions import create_functions
from meadow_functions.logs import configure_logging
from meadow_functions.routes import router
from meadow_functions.settings import Settings

APP_ID = "meadow"

_HTTP_TIMEOUT_SECONDS = 10.0


def create_inngest_client() -> inngest.Inngest:
    """
    The Inngest client; INNGEST_DEV, INNGEST_BASE_URL and keys come from the
    environment, read by the SDK.
    """
    # The SDK types its logger as a stdlib one but only calls level methods
    # with a message, which structlog loggers take as well.
    logger = cast(logging.Logger, structlog.get_logger("inngest"))
    return inngest.Inngest(app_id=APP_ID, logger=logger)


def create_app(
    settings: Settings,
    *,
    http: httpx.AsyncClient | None = None,
    redis_client: redis.Redis | None = None,
) -> FastAPI:
    """
    Build the app; clients passed in stay open, those made here close with it.
    """
    configure_logging(settings.log_level)
    owned: list[httpx.AsyncClient | redis.Redis] = []
    if http is None:
        http = httpx.AsyncClient(timeout=_HTTP_TIMEOUT_SECONDS)
        owned.append(http)
    if redis_client is None:
        redis_client = create_redis(settings)
        owned.append(redis_client)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for client in owned:
                stack.push_async_callback(client.aclose)
            yield

    app = FastAPI(title="Meadow functions", lifespan=lifespan)
    app.state.settings = settings
    app.state.redis = redis_client
    app.include_router(router)

    client = create_inngest_client()
    functions = create_functions(
        settings, client=client, redis_client=redis_client, http=http
    )
    inngest.fast_api.serve(app, client, functions)
    return app


def __getattr__(name: str) -> FastAPI:
    # PEP 562: uvicorn's getattr(module, "app") lands here on first use.
    if name != "app":
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    app = create_app(Settings())  # type: ignore[call-arg]
    globals()["app"] = app
    return app
