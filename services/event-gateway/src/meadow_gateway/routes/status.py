"""GET /v1/events/{event_id}: how far an accepted event's email has come."""

from typing import Annotated

import redis.asyncio as redis
import structlog
from fastapi import APIRouter, Depends, Path
from redis.exceptions import RedisError

from ..auth import require_api_key
from ..deps import InngestRunsDep, RedisDep, SettingsDep
from ..errors import ApiError, Problem, error_responses
from ..inngest_runs import InngestUnavailable, summarise
from ..models import EventStatus
from ..redis_store import accepted_at
from ..settings import Settings

log = structlog.get_logger(__name__)

router = APIRouter(
    prefix="/v1",
    tags=["events"],
    dependencies=[Depends(require_api_key)],
)


@router.get(
    "/events/{event_id}",
    summary="How far an event's email has come",
    description=(
        "Reads the event's runs from Inngest. `status` is `queued`, `running`, "
        "`sent` (with `email_id`), `skipped` (with `reason`: "
        "`recipient_suppressed` or `movie_not_found`, the latter with `message`) "
        "or `failed` (with `reason`, the error; cancelled runs too). Events are "
        "known for 7 days after they were accepted."
    ),
    response_model_exclude_none=True,
    responses=error_responses(
        401,
        404,
        422,
        503,
        described={
            404: "The gateway accepted no event with this id in the last 7 days.",
            422: "The request is malformed.",
            503: "Redis or Inngest did not answer, so the status is unknown. Retry.",
        },
    ),
)
async def event_status(
    event_id: Annotated[str, Path(description="The event_id a 202 answered.")],
    redis_client: RedisDep,
    inngest_runs: InngestRunsDep,
    settings: SettingsDep,
) -> EventStatus:
    """
    Tell whether the email for an accepted event is queued, sent, skipped or failed.
    """
    accepted = await _accepted_at(redis_client, settings, event_id)
    if accepted is None:
        raise ApiError(
            404,
            "event_not_found",
            f"No event with id {event_id!r} was accepted in the last 7 days; use "
            "the event_id from the 202 answer of POST /v1/movie-watched.",
        )

    try:
        runs = await inngest_runs.runs(event_id)
    except InngestUnavailable as exc:
        log.warning("event_status_unavailable", dependency="inngest", detail=str(exc))
        raise _unavailable(settings, "inngest", "did not answer with the runs") from exc

    status = summarise(event_id, runs)
    return status.model_copy(update={"accepted_at": accepted})


async def _accepted_at(
    redis_client: redis.Redis, settings: Settings, event_id: str
) -> str | None:
    try:
        return await accepted_at(redis_client, event_id)
    except RedisError as exc:
        log.warning(
            "event_status_unavailable",
            dependency="redis",
            detail=f"{type(exc).__name__}: {exc}",
        )
        raise _unavailable(settings, "redis", "did not answer") from exc


def _unavailable(settings: Settings, dependency: str, problem: str) -> ApiError:
    retry_after = settings.retry_after_seconds
    return ApiError(
        503,
        "status_unavailable",
        f"The event's status is unknown right now: {dependency} {problem}. Retry "
        f"in {retry_after} seconds.",
        problems=[Problem(field=dependency, problem=problem)],
        headers={"Retry-After": str(retry_after)},
    )
