"""
Typed dependencies: settings and the shared clients (Inngest, HTTP, Redis).

Every dependency is `async def` although none awaits: FastAPI runs a plain
`def` dependency in its thread pool, one thread hop per dependency per
request, which cost about 2 ms of CPU a request on the 2-core machine
scripts/bench runs on.
"""

from dataclasses import dataclass
from typing import Annotated, cast

import httpx
import redis.asyncio as redis
from fastapi import Depends, Request

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
