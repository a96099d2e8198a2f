"""Fault injection: queue failures that the next API requests answer with."""

from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Body, status
from pydantic import BaseModel, Field, model_validator

from meadow_sandbox.deps import SettingsDep, StateDep
from meadow_sandbox.state import Fault, Target

FAULTS: dict[str, tuple[str, ...]] = {
    "omdb": ("limit", "invalid_key", "server_error", "slow"),
    "resend": ("server_error", "rate_limit"),
}

router = APIRouter(prefix="/api/faults", tags=["inspection"])
logger = structlog.get_logger(__name__)


class FaultRequest(BaseModel):
    """
    The body of `POST /api/faults`.
    """

    target: Target
    fault: str
    count: int = Field(default=1, ge=1)
    # Only for OMDb `slow`; the settings give the default.
    delay_seconds: float | None = Field(default=None, ge=0, le=600)
    # Only for Resend `rate_limit`; the settings give the default.
    retry_after_seconds: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _fault_fits_target(self) -> "FaultRequest":
        allowed = FAULTS[self.target]
        if self.fault not in allowed:
            msg = (
                f"unknown fault {self.fault!r} for target {self.target!r}; "
                f"allowed: {', '.join(allowed)}"
            )
            raise ValueError(msg)
        return self


def log_fault_applied(fault: Fault) -> None:
    """
    Log that a queued fault answered a request.
    """
    logger.info(
        "fault_applied",
        target=fault.target,
        fault=fault.fault,
        remaining=fault.remaining,
    )


@router.post("", status_code=status.HTTP_201_CREATED)
async def queue_fault(
    body: Annotated[FaultRequest, Body()], state: StateDep, settings: SettingsDep
) -> dict[str, Any]:
    """
    Make the next `count` requests to `target` fail with `fault`.
    """
    fault = Fault(target=body.target, fault=body.fault, remaining=body.count)
    if fault.fault == "slow":
        fault.delay_seconds = (
            body.delay_seconds
            if body.delay_seconds is not None
            else settings.slow_fault_default_seconds
        )
    if fault.fault == "rate_limit":
        fault.retry_after_seconds = (
            body.retry_after_seconds
            if body.retry_after_seconds is not None
            else settings.rate_limit_retry_after_seconds
        )

    async with state.lock:
        state.faults.append(fault)
    logger.info("fault_queued", **fault.as_dict())
    return fault.as_dict()


@router.get("")
async def list_faults(state: StateDep) -> list[dict[str, Any]]:
    """
    List the faults still pending, oldest first.
    """
    return [fault.as_dict() for fault in state.faults]


@router.delete("", status_code=status.HTTP_204_NO_CONTENT)
async def clear_faults(state: StateDep) -> None:
    """
    Drop every pending fault.
    """
    async with state.lock:
        state.faults.clear()
