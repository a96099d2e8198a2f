"""
POST /v1/webhooks/resend: Resend's email webhooks in, `resend/<type>` events out.

Resend cannot send our bearer key, so this route is authenticated by its
Svix-style signature alone, checked over the raw body before anything is read.
"""

from typing import Annotated

import pydantic
import structlog
from fastapi import APIRouter, Header, Request

from ..deps import EventSenderDep, SettingsDep
from ..errors import ApiError, Problem, error_responses, validation_failed
from ..logs import mask_email
from ..models import WebhookAccepted
from ..resend_webhooks import (
    ResendEmailData,
    ResendWebhook,
    SignatureRejected,
    UnreadablePayload,
    documented_schema,
    verify_signature,
)
from ..sender import EventNotAccepted, EventSender, JsonData
from ..settings import Settings

log = structlog.get_logger(__name__)

router = APIRouter(prefix="/v1", tags=["webhooks"])

_RESPONSES = error_responses(
    401,
    413,
    422,
    503,
    described={
        401: "The signature is missing, wrong or too old; nothing was sent.",
        422: "Signed, but not an email.* webhook Meadow can use.",
        503: (
            "RESEND_WEBHOOK_SECRET is not set, or Inngest did not take the event; "
            "nothing was sent. Resend retries."
        ),
    },
)
# No bearer challenge: Resend's signature is the only credential here.
del _RESPONSES[401]["headers"]


@router.post(
    "/webhooks/resend",
    status_code=202,
    summary="Receive a Resend email webhook",
    description=(
        "Verifies the Svix signature (svix-id, svix-timestamp, svix-signature; "
        "at most 5 minutes old) over the raw body with RESEND_WEBHOOK_SECRET, then "
        "sends the Inngest event `resend/<type>` (only `email.*` types) with the "
        "svix-id as its event id, so a webhook Resend retries runs once. Needs no "
        "bearer key."
    ),
    responses=_RESPONSES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": documented_schema()}},
        }
    },
)
async def resend_webhook(
    request: Request,
    settings: SettingsDep,
    sender: EventSenderDep,
    svix_id: Annotated[str | None, Header(alias="svix-id")] = None,
    svix_timestamp: Annotated[str | None, Header(alias="svix-timestamp")] = None,
    svix_signature: Annotated[str | None, Header(alias="svix-signature")] = None,
) -> WebhookAccepted:
    """
    Verify a Resend webhook and hand it to Inngest as `resend/<type>`.
    """
    secret = settings.resend_webhook_secret
    if secret is None:
        raise _rejected(_not_configured(settings), "not_configured")

    try:
        payload = verify_signature(
            await request.body(),
            svix_id=svix_id,
            svix_timestamp=svix_timestamp,
            svix_signature=svix_signature,
            secret=secret.get_secret_value(),
        )
    except SignatureRejected as exc:
        raise _rejected(_unauthorized(exc), exc.reason) from None
    except UnreadablePayload as exc:
        raise _rejected(_not_json(exc), "invalid_payload") from None

    webhook, email = _parse(payload)
    event_name = f"resend/{webhook.type}"
    recipient = email.to[0].lower()
    data: JsonData = {
        "type": webhook.type,
        "created_at": webhook.created_at,
        "email_id": email.email_id,
        "recipient_email": recipient,
        "webhook": webhook.data,
    }
    # verify_signature has checked svix-id is present.
    event_id = await _send(sender, settings, event_name, data, str(svix_id))

    log.info(
        "webhook_accepted",
        event_name=event_name,
        event_id=event_id,
        email_id=email.email_id,
        recipient_email=mask_email(recipient),
    )
    return WebhookAccepted(event_id=event_id)


def _parse(payload: object) -> tuple[ResendWebhook, ResendEmailData]:
    try:
        webhook = ResendWebhook.model_validate(payload)
    except pydantic.ValidationError as exc:
        raise _rejected(
            validation_failed(exc.errors(include_input=False)), "invalid_payload"
        ) from None

    if not webhook.type.startswith("email."):
        error = ApiError(
            422,
            "unsupported_event_type",
            f"Meadow only takes email.* webhooks, not {webhook.type!r}; subscribe "
            "the Resend webhook to email events only.",
            problems=[Problem(field="type", problem="must start with 'email.'")],
        )
        raise _rejected(error, "unsupported_event_type")

    try:
        email = ResendEmailData.model_validate(webhook.data)
    except pydantic.ValidationError as exc:
        errors = [
            {**error, "loc": ("data", *error["loc"])}
            for error in exc.errors(include_input=False)
        ]
        raise _rejected(validation_failed(errors), "invalid_payload") from None
    return webhook, email


async def _send(
    sender: EventSender,
    settings: Settings,
    event_name: str,
    data: JsonData,
    event_id: str,
) -> str:
    try:
        return await sender.send(event_name=event_name, data=data, event_id=event_id)
    except EventNotAccepted as exc:
        retry_after = settings.retry_after_seconds
        error = ApiError(
            503,
            "event_not_accepted",
            "Inngest could not take the webhook's event, so it was NOT accepted; "
            f"retry in {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
        )
        log.warning(
            "webhook_rejected",
            reason=exc.reason,
            detail=exc.detail,
            event_name=event_name,
        )
        raise error from exc


def _rejected(error: ApiError, reason: str) -> ApiError:
    level = log.warning if error.status_code >= 500 else log.info
    level("webhook_rejected", reason=reason, status_code=error.status_code)
    return error


def _not_configured(settings: Settings) -> ApiError:
    retry_after = settings.retry_after_seconds
    return ApiError(
        503,
        "webhook_not_configured",
        "The Resend webhook is not configured on this gateway: set "
        "RESEND_WEBHOOK_SECRET to the webhook's signing secret (whsec_...).",
        headers={"Retry-After": str(retry_after)},
    )


def _not_json(exc: UnreadablePayload) -> ApiError:
    return ApiError(
        422,
        "validation_failed",
        "The webhook is signed but its body is not JSON.",
        problems=[Problem(field="body", problem=f"is not valid JSON ({exc})")],
    )


def _unauthorized(exc: SignatureRejected) -> ApiError:
    return ApiError(
        401,
        "invalid_signature",
        f"The webhook cannot be verified: {exc.header} {exc.problem}. Nothing was "
        "forwarded; Resend signs the raw body with the webhook's secret.",
        problems=[Problem(field=exc.header, problem=exc.problem)],
    )
