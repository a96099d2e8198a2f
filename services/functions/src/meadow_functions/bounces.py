"""
The Inngest function that stops mail to an address Resend reported as bounced
or complained about, by adding it to the suppression set every mailer checks.

Unlike the mailers' suppression check, this one does not shrug off a Redis
outage: a lost bounce would keep mail going to a dead address, so the step
fails and Inngest retries it.
"""

from typing import Any

import inngest
import redis.asyncio as redis
import structlog
from structlog.contextvars import bound_contextvars

from meadow_functions.cache import REDIS_ERRORS
from meadow_functions.events import EMAIL_BOUNCED, EMAIL_COMPLAINED, ResendWebhook
from meadow_functions.logs import mask_email
from meadow_functions.runs import log_failure, parse_event
from meadow_functions.suppression import normalise_address, suppress

FUNCTION_ID = "suppress-recipient"

log = structlog.get_logger(__name__)


class SuppressionUnavailableError(Exception):
    """
    Redis could not record the suppression this time; retrying may succeed.
    """


async def suppress_recipient(client: redis.Redis, address: str, reason: str) -> bool:
    """
    Add the address to the suppression set; True if it was not there yet.
    """
    with bound_contextvars(step_id="suppress_recipient"):
        try:
            added = await suppress(client, address)
        except REDIS_ERRORS as exc:
            error = f"{type(exc).__name__}: {exc}"
            log.warning(
                "suppression_failed", recipient=mask_email(address), error=error
            )
            msg = f"Redis did not record the suppression ({error}); will retry"
            raise SuppressionUnavailableError(msg) from None

        log.info(
            "recipient_suppressed",
            recipient=mask_email(address),
            reason=reason,
            already_suppressed=not added,
        )
        return added


def create_suppressor(
    client: inngest.Inngest, redis_client: redis.Redis
) -> inngest.Function[Any]:
    """
    The `suppress-recipient` function, triggered by bounces and complaints.
    """

    @client.create_function(
        fn_id=FUNCTION_ID,
        name="Suppress bounced or complaining recipient",
        trigger=[
            inngest.TriggerEvent(event=EMAIL_BOUNCED),
            inngest.TriggerEvent(event=EMAIL_COMPLAINED),
        ],
        on_failure=log_failure,
    )
    async def suppress_bounced(ctx: inngest.Context) -> dict[str, str]:
        with bound_contextvars(run_id=ctx.run_id, event_id=ctx.event.id):
            webhook = parse_event(ctx, ResendWebhook)
            address = normalise_address(webhook.recipient_email)
            await ctx.step.run(
                "suppress_recipient",
                suppress_recipient,
                redis_client,
                address,
                webhook.type,
            )
        return {
            "status": "suppressed",
            "recipient": mask_email(address),
            "reason": webhook.type,
        }

    return suppress_bounced
