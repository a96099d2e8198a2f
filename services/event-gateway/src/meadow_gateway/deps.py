"""
Typed dependencies: settings, shared clients (Inngest, HTTP, Redis), checks.

Every dependency is `async def` although none awaits: FastAPI runs a plain
`def` dependency in its thread pool, one thread hop per dependency per
request, which cost about 2 ms of CPU a request on the 2-core machine
scripts/bench runs on.
"""

import re
from dataclasses import dataclass
from typing import Annotated, cast

import httpx
import redis.asyncio as redis
from fastapi import Depends, Header, Request

from .errors import ApiError, Problem
from .idempotency import Idempotency
from .inngest_runs import InngestRuns
from .sender import EventSender
from .settings import Settings


@dataclass(frozen=True)
class Resources:
    """
    What the lifespan builds once per process and every request shares.
    """

    event_sender: EventSender
    http_client: httpx.AsyncClient
    inngest_health_url: str
    redis: redis.Redis
    idempotency: Idempotency
    inngest_runs: InngestRuns


async def get_settings(request: Request) -> Settings:
    """
    The settings the app was created with.
    """
    return cast(Settings, request.app.state.settings)


async def get_resources(request: Request) -> Resources:
    """
    The shared clients built by the lifespan.
    """
    return cast(Resources, request.app.state.resources)


async def get_event_sender(
    resources: Annotated[Resources, Depends(get_resources)],
) -> EventSender:
    """
    The process's event sender; tests replace it through dependency_overrides.
    """
    return resources.event_sender


async def get_redis(
    resources: Annotated[Resources, Depends(get_resources)],
) -> redis.Redis:
    """
    The process's Redis client.
    """
    return resources.redis


async def get_inngest_runs(
    resources: Annotated[Resources, Depends(get_resources)],
) -> InngestRuns:
    """
    The reader of Inngest's REST API, on the shared HTTP client.
    """
    return resources.inngest_runs


SettingsDep = Annotated[Settings, Depends(get_settings)]
ResourcesDep = Annotated[Resources, Depends(get_resources)]
EventSenderDep = Annotated[EventSender, Depends(get_event_sender)]
RedisDep = Annotated[redis.Redis, Depends(get_redis)]
InngestRunsDep = Annotated[InngestRuns, Depends(get_inngest_runs)]


async def require_json(request: Request) -> None:
    """
    Refuse (415) any body not sent as application/json, charset utf-8 if given.
    """
    media_type, *params = request.headers.get("content-type", "").split(";")
    charsets = [
        value.strip().strip('"').lower()
        for name, _, value in (param.partition("=") for param in params)
        if name.strip().lower() == "charset"
    ]
    if media_type.strip().lower() == "application/json" and all(
        charset in ("utf-8", "utf8") for charset in charsets
    ):
        return
    raise ApiError(
        415,
        "unsupported_media_type",
        "Send the body as JSON with the header Content-Type: application/json.",
        problems=[Problem(field="Content-Type", problem="must be application/json")],
    )


_IDEMPOTENCY_KEY = re.compile(r"[\x20-\x7e]{1,255}")


async def idempotency_key(
    value: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description=(
                "1 to 255 printable ASCII characters. A request repeating a key "
                "within 24 h answers the first request's event_id and sends "
                "nothing. The key is also the Inngest event id (prefixed with a "
                "fingerprint of the bearer key when keys are configured), so "
                "Inngest runs the function once per key."
            ),
        ),
    ] = None,
) -> str | None:
    """
    The Idempotency-Key header, if sent; a malformed one is refused with 400.
    """
    if value is None or _IDEMPOTENCY_KEY.fullmatch(value):
        return value
    raise ApiError(
        400,
        "invalid_header",
        "The Idempotency-Key header is malformed; send 1 to 255 printable ASCII "
        "characters, or leave the header out.",
        problems=[
            Problem(
                field="Idempotency-Key",
                problem="must be 1 to 255 printable ASCII characters",
            )
        ],
    )


IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]
