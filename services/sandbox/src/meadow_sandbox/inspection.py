"""Inspection API: what the stand-ins received, for tests and people."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from meadow_sandbox.deps import StateDep
from meadow_sandbox.logs import bare_address

router = APIRouter(prefix="/api", tags=["inspection"])


@router.get("/emails")
async def list_emails(
    state: StateDep,
    to: Annotated[str | None, Query(description="Only emails to this address")] = None,
) -> list[dict[str, Any]]:
    """
    List captured emails, oldest first, optionally only those sent to `to`.
    """
    if to is None:
        return list(state.emails)
    wanted = bare_address(to).casefold()
    return [
        email
        for email in state.emails
        if any(bare_address(address).casefold() == wanted for address in email["to"])
    ]


@router.delete("/emails", status_code=status.HTTP_204_NO_CONTENT)
async def clear_emails(state: StateDep) -> None:
    """
    Forget captured emails; idempotency keys stay, as they do at Resend.
    """
    state.emails.clear()


@router.get("/omdb/requests")
async def list_omdb_requests(state: StateDep) -> list[dict[str, Any]]:
    """
    List the OMDb lookups answered, oldest first, API keys masked.
    """
    return list(state.omdb_requests)


@router.delete("/omdb/requests", status_code=status.HTTP_204_NO_CONTENT)
async def clear_omdb_requests(state: StateDep) -> None:
    """
    Forget the recorded OMDb lookups.
    """
    state.omdb_requests.clear()


@router.get("/resend/requests")
async def list_resend_requests(state: StateDep) -> list[dict[str, Any]]:
    """
    List every `POST /resend/emails` attempt, oldest first, with its status.
    """
    return list(state.resend_requests)


@router.delete("/resend/requests", status_code=status.HTTP_204_NO_CONTENT)
async def clear_resend_requests(state: StateDep) -> None:
    """
    Forget the recorded Resend attempts.
    """
    state.resend_requests.clear()
