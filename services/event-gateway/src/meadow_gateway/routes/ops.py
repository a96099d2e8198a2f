"""Operations probes: liveness and readiness."""

import httpx
import structlog
from fastapi import APIRouter

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
    summary="Readiness: Inngest answers its health check",
    responses={
        503: {"model": ErrorBody, "description": "A dependency is down; see problems."}
    },
)
async def readyz(resources: ResourcesDep) -> ReadyStatus:
    """
    Answer 200 when Inngest's /health answers 200, else 503 naming it.
    """
    problem = await probe(resources.http_client, resources.inngest_health_url)
    if problem is None:
        return ReadyStatus(status="ready", checks={"inngest": "ok"})

    log.warning(
        "readiness_check_failed",
        dependency="inngest",
        url=resources.inngest_health_url,
        problem=problem,
    )
    raise ApiError(
        503,
        "not_ready",
        f"The gateway is not ready: inngest {problem}.",
        problems=[Problem(field="inngest", problem=problem)],
    )


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
