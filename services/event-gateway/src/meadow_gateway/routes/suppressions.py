"""DELETE /v1/suppressions/{email}: let a suppressed address get plot emails again."""

from typing import Annotated

import pydantic
import structlog
from fastapi import APIRouter, Depends, Path, Response
from redis.exceptions import RedisError

from ..auth import require_api_key
from ..deps import RedisDep, SettingsDep
from ..errors import ApiError, Problem, error_responses
from ..logs import mask_email
from ..models import Recipient
from ..redis_store import unsuppress

log = structlog.get_logger(__name__)

router = APIRouter(
    prefix="/v1",
    tags=["suppressions"],
    dependencies=[Depends(require_api_key)],
)

_RECIPIENT: pydantic.TypeAdapter[str] = pydantic.TypeAdapter(Recipient)


def normalise_address(email: str) -> str:
    """
    The address as the gateway sends it (validated, lower-cased), or a 422.
    """
    try:
        return _RECIPIENT.validate_python(email)
    except pydantic.ValidationError:
        raise ApiError(
            422,
            "validation_failed",
            "The path does not end in a valid email address; send "
            "/v1/suppressions/<address>.",
            problems=[Problem(field="email", problem="is not a valid email address")],
        ) from None


@router.delete(
    "/suppressions/{email}",
    status_code=204,
    summary="Remove an address from the suppression list",
    description=(
        "Takes the lower-cased address off the Redis set `meadow:suppressed`, so "
        "plot emails to it are sent again."
    ),
    responses={
        204: {"description": "The address was suppressed and no longer is."},
        **error_responses(
            401,
            404,
            422,
            503,
            described={
                404: "The address is not on the suppression list.",
                422: "The path does not end in a valid email address.",
                503: "Redis did not answer; nothing changed. Retry.",
            },
        ),
    },
)
async def delete_suppression(
    email: Annotated[
        str,
        Path(
            description="The address; case does not matter.",
            examples=["jane@example.com"],
            json_schema_extra={"format": "email"},
        ),
    ],
    redis_client: RedisDep,
    settings: SettingsDep,
) -> Response:
    """
    Remove an address from `meadow:suppressed`: 204 if it was there, else 404.
    """
    address = normalise_address(email)
    try:
        removed = await unsuppress(redis_client, address)
    except RedisError as exc:
        log.warning("suppression_unavailable", detail=f"{type(exc).__name__}: {exc}")
        retry_after = settings.retry_after_seconds
        raise ApiError(
            503,
            "suppressions_unavailable",
            f"Redis did not answer, so nothing changed. Retry in {retry_after} "
            "seconds.",
            problems=[Problem(field="redis", problem="did not answer")],
            headers={"Retry-After": str(retry_after)},
        ) from exc

    if not removed:
        raise ApiError(
            404,
            "not_suppressed",
            f"{mask_email(address)} is not on the suppression list; nothing changed.",
        )
    log.info("suppression_removed", recipient_email=mask_email(address))
    return Response(status_code=204)
