"""
What every function does with its runs: read the event's data, and log a run
that failed for good.
"""

from typing import Any, TypeVar, cast

import inngest
import structlog
from pydantic import BaseModel, ValidationError

from meadow_functions.logs import mask_email
from meadow_functions.omdb import MovieNotFoundError

log = structlog.get_logger(__name__)

DataT = TypeVar("DataT", bound=BaseModel)


def parse_event(ctx: inngest.Context, model: type[DataT]) -> DataT:
    """
    The event's data as `model`; invalid data fails the run without retries.
    """
    try:
        return model.model_validate(ctx.event.data)
    except ValidationError as exc:
        # Listing fields and reasons only: the input values hold the address.
        problems = "; ".join(
            f"{'.'.join(map(str, error['loc']))}: {error['msg']}"
            for error in exc.errors()
        )
        run_log = cast(structlog.typing.FilteringBoundLogger, ctx.logger)
        run_log.error("event_invalid", event_name=ctx.event.name, problems=problems)
        msg = f"{ctx.event.name} event data is invalid ({problems}); fix the sender"
        raise inngest.NonRetriableError(msg) from None


class _FailedRun(BaseModel):
    run_id: str = ""
    function_id: str = ""
    error: dict[str, Any] = {}
    event: dict[str, Any] = {}


async def log_failure(ctx: inngest.Context) -> None:
    """
    Log a run that failed for good, unless the film was simply not found.
    """
    failed = _FailedRun.model_validate(dict(ctx.event.data))
    error_name = failed.error.get("name", "")
    if error_name == MovieNotFoundError.__name__:
        return

    data = failed.event.get("data") or {}
    recipient = data.get("recipient_email") if isinstance(data, dict) else None
    log.error(
        "run_failed",
        run_id=failed.run_id,
        function_id=failed.function_id,
        event_id=failed.event.get("id"),
        error_name=error_name,
        error=failed.error.get("message", ""),
        recipient=mask_email(recipient) if isinstance(recipient, str) else None,
    )
