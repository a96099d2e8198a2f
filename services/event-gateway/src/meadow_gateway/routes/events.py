"""/v1 routes: HTTP requests in, Inngest events out."""

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Annotated
from urllib.parse import quote

import pydantic
import redis.asyncio as redis
import structlog
from fastapi import APIRouter, Depends, Request
from redis.exceptions import RedisError

from ..auth import ClientApiKey, require_api_key
from ..deps import (
    EventSenderDep,
    IdempotencyKey,
    ResourcesDep,
    SettingsDep,
    require_json,
)
from ..errors import ApiError, Problem, error_responses, validation_failed
from ..idempotency import Idempotency, KeyInUse, Outcome, scoped_event_id
from ..logs import mask_email
from ..models import EventAccepted, MovieWatched
from ..redis_store import record_accepted
from ..sender import EventNotAccepted, EventSender, JsonData
from ..settings import Settings

MOVIE_WATCHED = "meadow_api/movie.watched"

log = structlog.get_logger(__name__)

router = APIRouter(
    prefix="/v1",
    tags=["events"],
    dependencies=[Depends(require_api_key)],
)


def parse_movie_watched(body: bytes) -> MovieWatched:
    """
    Validate a movie-watched body, or raise a 422 naming each bad field.
    """
    if not body.strip():
        raise ApiError(
            422,
            "validation_failed",
            "The request body is empty: send a JSON object.",
            problems=[
                Problem(
                    field="body",
                    problem="is empty; send movie_title and recipient_email",
                )
            ],
        )
    try:
        return MovieWatched.model_validate_json(body)
    except pydantic.ValidationError as exc:
        raise validation_failed(exc.errors(include_input=False)) from None


async def movie_watched_body(request: Request) -> MovieWatched:
    """
    The validated movie-watched body; a 422 (logged as event_rejected) otherwise.
    """
    try:
        return parse_movie_watched(await request.body())
    except ApiError as exc:
        fields = [problem.field for problem in exc.problems]
        log.info(
            "event_rejected", event_name=MOVIE_WATCHED, reason=exc.error, fields=fields
        )
        raise


MovieWatchedBody = Annotated[MovieWatched, Depends(movie_watched_body)]


@router.post(
    "/movie-watched",
    status_code=202,
    response_description="Inngest holds the event.",
    summary="Record that a movie was watched",
    description=(
        "Sends the `meadow_api/movie.watched` event to Inngest, with "
        "`recipient_email` lower-cased. A 202 means Inngest holds the event; a 503 "
        "means it does NOT and the client should retry, ideally with the same "
        "Idempotency-Key. A request repeating a key answers the first one's "
        "event_id (for 24 h) without sending again."
    ),
    dependencies=[Depends(require_json)],
    responses=error_responses(400, 401, 409, 413, 415, 422, 503),
    # The body is read by hand so auth and Content-Type are checked before any
    # parsing; this documents the schema FastAPI would otherwise infer.
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": MovieWatched.model_json_schema()}
            },
        }
    },
)
async def movie_watched(
    # FastAPI solves these in order and stops at the first error, so a
    # malformed body is refused before the dependencies that follow it cost
    # anything; Resources stands for Redis and the idempotency store, since
    # every dependency costs CPU on each request (scripts/bench).
    idempotency_key: IdempotencyKey,
    payload: MovieWatchedBody,
    api_key: ClientApiKey,
    sender: EventSenderDep,
    settings: SettingsDep,
    resources: ResourcesDep,
) -> EventAccepted:
    """
    Turn a movie-watched request into a `meadow_api/movie.watched` event.
    """
    data = payload.model_dump(mode="json")
    if idempotency_key is None:
        event_id = await _send(sender, settings, data, None)
    else:
        scoped_id = scoped_event_id(idempotency_key, api_key)
        send = partial(_send, sender, settings, data, scoped_id)
        outcome = await _send_once(resources.idempotency, settings, scoped_id, send)
        event_id = outcome.event_id
        if outcome.replayed:
            log.info("event_replayed", event_name=MOVIE_WATCHED, event_id=event_id)
            return _accepted(event_id)

    await _record(resources.redis, event_id)
    log.info(
        "event_accepted",
        event_name=MOVIE_WATCHED,
        event_id=event_id,
        recipient_email=mask_email(payload.recipient_email),
    )
    return _accepted(event_id)


def _accepted(event_id: str) -> EventAccepted:
    return EventAccepted(
        event_id=event_id, status_url=f"/v1/events/{quote(event_id, safe='')}"
    )


async def _send_once(
    idempotency: Idempotency,
    settings: Settings,
    scoped_id: str,
    send: Callable[[], Awaitable[str]],
) -> Outcome:
    try:
        return await idempotency.send_once(scoped_id, send)
    except KeyInUse:
        log.info("event_rejected", event_name=MOVIE_WATCHED, reason="key_in_use")
        retry_after = settings.retry_after_seconds
        raise ApiError(
            409,
            "idempotency_key_in_use",
            "Another request with this Idempotency-Key is still being sent. Retry "
            f"in {retry_after} seconds with the same key to get its event id.",
            problems=[
                Problem(field="Idempotency-Key", problem="is in use by another request")
            ],
            headers={"Retry-After": str(retry_after)},
        ) from None


async def _send(
    sender: EventSender,
    settings: Settings,
    data: JsonData,
    event_id: str | None,
) -> str:
    try:
        return await sender.send(event_name=MOVIE_WATCHED, data=data, event_id=event_id)
    except EventNotAccepted as exc:
        log.warning(
            "event_rejected",
            event_name=MOVIE_WATCHED,
            reason=exc.reason,
            detail=exc.detail,
        )
        retry_after = settings.retry_after_seconds
        raise ApiError(
            503,
            "event_not_accepted",
            "Inngest could not take the event, so it was NOT accepted. Retry in "
            f"{retry_after} seconds, with the same Idempotency-Key if you sent one.",
            headers={"Retry-After": str(retry_after)},
        ) from exc


async def _record(redis_client: redis.Redis, event_id: str) -> None:
    # The event is accepted either way; without the record the status route
    # answers 404 for it, which beats refusing an event Inngest already holds.
    try:
        await record_accepted(redis_client, event_id)
    except RedisError as exc:
        log.warning(
            "event_record_failed",
            event_id=event_id,
            error=f"{type(exc).__name__}: {exc}",
        )
