"""POST /v1/movie-watched: an HTTP request in, an Inngest event out."""

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, cast
from urllib.parse import quote

import inngest
import pydantic
import redis.asyncio as redis
import structlog
from fastapi import APIRouter, Request, Response
from redis.exceptions import RedisError
from structlog.contextvars import bind_contextvars

from ..auth import authenticate, bearer_key
from ..deps import Resources
from ..errors import ApiError, Problem, error_responses, validation_failed
from ..headers import (
    IDEMPOTENCY_KEY_PATTERN,
    check_json_content_type,
    parse_idempotency_key,
)
from ..idempotency import Idempotency, KeyInUse, Outcome, scoped_event_id
from ..logs import mask_email
from ..models import EventAccepted, MovieWatched
from ..redis_store import record_accepted
from ..sender import EventNotAccepted, EventSender, JsonData
from ..settings import Settings

MOVIE_WATCHED = "meadow_api/movie.watched"

log = structlog.get_logger(__name__)

router = APIRouter(prefix="/v1", tags=["events"])

# What FastAPI would infer from dependencies and a body parameter, which this
# route does without (see headers.py): the body, the header and the bearer key.
_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": MovieWatched.model_json_schema()}},
    },
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "description": (
                "1 to 255 printable ASCII characters. A request repeating a key "
                "within 24 h answers the first request's event_id and sends "
                "nothing. The key is also the Inngest event id (prefixed with a "
                "fingerprint of the bearer key when keys are configured), so "
                "Inngest runs the function once per key."
            ),
            "schema": {"type": "string", "pattern": f"^{IDEMPOTENCY_KEY_PATTERN}$"},
        }
    ],
    "security": [{"HTTPBearer": []}],
}


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
    response_model=EventAccepted,
    response_description="Inngest holds the event.",
    summary="Record that a movie was watched",
    description=(
        "Sends the `meadow_api/movie.watched` event to Inngest, with "
        "`recipient_email` lower-cased. A 202 means Inngest holds the event; a 503 "
        "means it does NOT and the client should retry, ideally with the same "
        "Idempotency-Key. A request repeating a key answers the first one's "
        "event_id (for 24 h) without sending again."
    ),
    responses=error_responses(400, 401, 409, 413, 415, 422, 503),
    openapi_extra=_OPENAPI,
)
async def movie_watched(request: Request) -> Response:
    """
    Turn a movie-watched request into a `meadow_api/movie.watched` event.

    The outcome goes on the request's request_finished line: event_accepted
    or event_replayed with the event id, or event_rejected with the reason.
    """
    bind_contextvars(event_name=MOVIE_WATCHED)
    try:
        return await _accept(request)
    except ApiError as exc:
        fields = [problem.field for problem in exc.problems]
        bind_contextvars(outcome="event_rejected", reason=exc.error, fields=fields)
        raise


async def _accept(request: Request) -> Response:
    settings = cast(Settings, request.app.state.settings)
    resources = cast(Resources, request.app.state.resources)
    headers = request.headers
    # In this order, so a request is refused before the checks after its
    # fault cost anything: key, Content-Type, Idempotency-Key, then the body.
    api_key = authenticate(settings, bearer_key(headers.get("authorization")))
    check_json_content_type(headers.get("content-type"))
    idempotency_key = parse_idempotency_key(headers.get("idempotency-key"))
    payload = parse_movie_watched(await request.body())

    data = payload.model_dump(mode="json")
    sender = resources.event_sender
    outcome = "event_accepted"
    if idempotency_key is None:
        event_id = await _send(sender, settings, data, None)
    else:
        scoped_id = scoped_event_id(idempotency_key, api_key)
        send = partial(_send, sender, settings, data, scoped_id)
        sent = await _send_once(resources.idempotency, settings, scoped_id, send)
        event_id = sent.event_id
        if sent.replayed:
            outcome = "event_replayed"

    bind_contextvars(
        outcome=outcome,
        event_id=event_id,
        recipient_email=mask_email(payload.recipient_email),
    )
    accepted = EventAccepted(
        event_id=event_id, status_url=f"/v1/events/{quote(event_id, safe='')}"
    )
    # Serialised here: FastAPI would first validate the answer against
    # response_model, which only documents it.
    return Response(
        accepted.model_dump_json(), status_code=202, media_type="application/json"
    )


async def record_accepted_events(
    client: redis.Redis, sent: list[tuple[inngest.Event, str]]
) -> None:
    """
    Record the movie-watched events of a batch Inngest took, before their
    requests are answered, so the status route knows every id it answered.

    The events are accepted either way: without the record the status route
    answers 404 for them, which beats refusing events Inngest already holds.
    """
    event_ids = [event_id for event, event_id in sent if event.name == MOVIE_WATCHED]
    if not event_ids:
        return
    try:
        await record_accepted(client, event_ids)
    except RedisError as exc:
        log.warning(
            "event_record_failed",
            event_ids=event_ids,
            error=f"{type(exc).__name__}: {exc}",
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
        # Apart from the access line: a warning, since Inngest is failing.
        log.warning(
            "event_not_accepted",
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
