"""/v1 routes: HTTP requests in, Inngest events out."""

from urllib.parse import quote

import pydantic
import structlog
from fastapi import APIRouter, Depends, Request

from ..auth import require_api_key
from ..deps import EventSenderDep, IdempotencyKey, SettingsDep, require_json
from ..errors import ApiError, Problem, error_responses, validation_failed
from ..logs import mask_email
from ..models import EventAccepted, MovieWatched
from ..sender import EventNotAccepted, EventSender
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


@router.post(
    "/movie-watched",
    status_code=202,
    response_description="Inngest holds the event.",
    summary="Record that a movie was watched",
    description=(
        "Sends the `meadow_api/movie.watched` event to Inngest. A 202 means "
        "Inngest holds the event; a 503 means it does NOT and the client should "
        "retry, ideally with the same Idempotency-Key."
    ),
    dependencies=[Depends(require_json)],
    responses=error_responses(400, 401, 413, 415, 422, 503),
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
    request: Request,
    idempotency_key: IdempotencyKey,
    sender: EventSenderDep,
    settings: SettingsDep,
) -> EventAccepted:
    """
    Turn a movie-watched request into a `meadow_api/movie.watched` event.
    """
    try:
        payload = parse_movie_watched(await request.body())
    except ApiError as exc:
        fields = [problem.field for problem in exc.problems]
        log.info(
            "event_rejected", event_name=MOVIE_WATCHED, reason=exc.error, fields=fields
        )
        raise

    event_id = await _send(sender, settings, payload, idempotency_key)

    return EventAccepted(
        event_id=event_id, status_url=f"/v1/events/{quote(event_id, safe='')}"
    )


async def _send(
    sender: EventSender,
    settings: Settings,
    payload: MovieWatched,
    idempotency_key: str | None,
) -> str:
    try:
        event_id = await sender.send(
            event_name=MOVIE_WATCHED,
            data=payload.model_dump(mode="json"),
            event_id=idempotency_key,
        )
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

    log.info(
        "event_accepted",
        event_name=MOVIE_WATCHED,
        event_id=event_id,
        recipient_email=mask_email(payload.recipient_email),
    )
    return event_id
