"""
Bounces and complaints on demand: the webhooks Resend would send about a
captured email, signed as Resend signs them and posted to the gateway.

`POST /api/emails/{id}/bounce` and `.../complain` answer 202 with the webhook's
`svix-id` and the status the gateway answered, whatever it was, so a test can
see a rejected signature as well as an accepted one.
"""

import json
from typing import Any

import httpx
import structlog
from fastapi import APIRouter, HTTPException, status

from meadow_sandbox.deps import HttpDep, SettingsDep, StateDep
from meadow_sandbox.logs import bare_address, mask_email
from meadow_sandbox.settings import Settings
from meadow_sandbox.signing import signed_headers
from meadow_sandbox.state import SandboxState, utc_now_iso

router = APIRouter(prefix="/api/emails", tags=["webhooks"])
logger = structlog.get_logger(__name__)

BOUNCED = "email.bounced"
COMPLAINED = "email.complained"

_BOUNCE = {
    "message": (
        "The recipient's mail server permanently rejected the email (sandbox bounce)."
    ),
    "subType": "General",
    "type": "Permanent",
}


@router.post("/{email_id}/bounce", status_code=status.HTTP_202_ACCEPTED)
async def bounce(
    email_id: str, state: StateDep, settings: SettingsDep, http: HttpDep
) -> dict[str, Any]:
    """
    Send the gateway Resend's `email.bounced` webhook for a captured email.
    """
    return await _send(BOUNCED, email_id, state, settings, http)


@router.post("/{email_id}/complain", status_code=status.HTTP_202_ACCEPTED)
async def complain(
    email_id: str, state: StateDep, settings: SettingsDep, http: HttpDep
) -> dict[str, Any]:
    """
    Send the gateway Resend's `email.complained` webhook for a captured email.
    """
    return await _send(COMPLAINED, email_id, state, settings, http)


def webhook_payload(kind: str, email: dict[str, Any]) -> dict[str, Any]:
    """
    The body Resend posts for a webhook of this type about this email.
    """
    data: dict[str, Any] = {
        "created_at": email["received_at"],
        "email_id": email["id"],
        "from": email["from"],
        # The addresses alone, as Resend lists the recipients a webhook is about.
        "to": [bare_address(address) for address in email["to"]],
        "subject": email["subject"],
        "message_id": f"<{email['id']}@sandbox.meadow.local>",
    }
    if kind == BOUNCED:
        data["bounce"] = dict(_BOUNCE)
    return {"type": kind, "created_at": utc_now_iso(), "data": data}


async def _send(
    kind: str,
    email_id: str,
    state: SandboxState,
    settings: Settings,
    http: httpx.AsyncClient,
) -> dict[str, Any]:
    if settings.resend_webhook_secret is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "RESEND_WEBHOOK_SECRET is not set, so the sandbox cannot sign "
            "webhooks; give it the secret the gateway checks them with",
        )
    email = _find(state, email_id)

    body = json.dumps(webhook_payload(kind, email))
    headers = signed_headers(settings.resend_webhook_secret.get_secret_value(), body)
    url = settings.gateway_webhook_url
    try:
        response = await http.post(url, content=body.encode(), headers=headers)
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
        logger.warning("webhook_failed", webhook_type=kind, url=url, error=error)
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY,
            f"could not reach the gateway at {url} ({error}); check "
            "GATEWAY_WEBHOOK_URL and that the gateway is up",
        ) from None

    webhook_id = headers["svix-id"]
    logger.info(
        "webhook_sent",
        webhook_type=kind,
        email_id=email_id,
        webhook_id=webhook_id,
        gateway_status=response.status_code,
        recipients=[mask_email(address) for address in email["to"]],
    )
    return {
        "email_id": email_id,
        "webhook_id": webhook_id,
        "gateway_status": response.status_code,
    }


def _find(state: SandboxState, email_id: str) -> dict[str, Any]:
    for email in state.emails:
        if email["id"] == email_id:
            return email
    raise HTTPException(
        status.HTTP_404_NOT_FOUND,
        f"no captured email has id {email_id!r}; GET /api/emails lists them",
    )
