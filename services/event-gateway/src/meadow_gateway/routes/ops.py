"""Operations probes: liveness and readiness."""

import asyncio

import httpx
import redis.asyncio as redis
import structlog
from fastapi import APIRouter
from redis.exceptions import RedisError

from ..deps import ResourcesDep
from ..errors import ApiError, ErrorBody, Problem
from ..models import HealthStatus, ReadyStatus

log = structlog.get_logger(__name__)

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness: the process is up")
async def healthz() -> HealthStatus:
    """
    Answer 200 while the process can serve requests.
    """
    return HealthStatus(status="ok")


@router.get(
    "/readyz",
    summary="Readiness: Inngest answers its health check and Redis its PING",
    responses={
        503: {"model": ErrorBody, "description": "A dependency is down; see problems."}
    },
)
async def readyz(resources: ResourcesDep) -> ReadyStatus:
    """
    Answer 200 when Inngest's /health answers 200 and Redis answers PING, else
    503 naming each dependency that did not.
    """
    inngest_problem, redis_problem = await asyncio.gather(
        probe(resources.http_client, resources.inngest_health_url),
        ping(resources.redis),
    )
    problems = {"inngest": inngest_problem, "redis": redis_problem}
    failed = {name: problem for name, problem in problems.items() if problem}
    if not failed:
        return ReadyStatus(status="ready", checks={name: "ok" for name in problems})

    for dependency, problem in failed.items():
        log.warning("readiness_check_failed", dependency=dependency, problem=problem)
    summary = "; ".join(f"{name} {problem}" for name, problem in failed.items())
    raise ApiError(
        503,
        "not_ready",
        f"The gateway is not ready: {summary}.",
        problems=[
            Problem(field=name, problem=problem) for name, problem in failed.items()
        ],
    )


async def ping(client: redis.Redis) -> str | None:
    """
    PING Redis; None when it answers, else what went wrong in plain words.
    """
    try:
        await client.ping()
    except RedisError as exc:
        return f"did not answer PING ({type(exc).__name__}: {exc})"
    return None


async def probe(http_client: httpx.AsyncClient, url: str) -> str | None:
    """
    GET url; None when it answers 200, else what went wrong in plain words.
    """
    try:
        response = await http_client.get(url)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        return f"did not answer GET /health ({type(exc).__name__}: {exc})"
    if response.status_code != 200:
        return f"answered GET /health with {response.status_code}"
    return None
