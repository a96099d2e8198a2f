"""
The Inngest function that sends a short follow-up some days after a plot email.

Steps: wait_before_follow_up (FOLLOW_UP_DELAY), check_suppression,
send_follow_up. The run is cancelled while it waits if the same recipient
watches another film (that film's plot email brings its own follow-up), or
if Resend reports a bounce or complaint for the address.
"""

from typing import Any

import inngest
import redis.asyncio as redis
from structlog.contextvars import bound_contextvars

from meadow_functions.events import (
    EMAIL_BOUNCED,
    EMAIL_COMPLAINED,
    MOVIE_WATCHED,
    PLOT_EMAILED,
    PlotEmailed,
)
from meadow_functions.mailer import Mailer
from meadow_functions.runs import log_failure, parse_event
from meadow_functions.settings import Settings
from meadow_functions.suppression import check_suppression

FUNCTION_ID = "send-follow-up"

# In cancel expressions `event` is the triggering plot.emailed event and
# `async` the incoming one. Every event compared here carries the address
# lower-cased (the gateway's, and ours from the plot mailer).
SAME_RECIPIENT = "async.data.recipient_email == event.data.recipient_email"

CANCEL_ON = [
    inngest.Cancel(event=MOVIE_WATCHED, if_exp=SAME_RECIPIENT),
    inngest.Cancel(event=EMAIL_BOUNCED, if_exp=SAME_RECIPIENT),
    inngest.Cancel(event=EMAIL_COMPLAINED, if_exp=SAME_RECIPIENT),
    # A film watched while this run was still queued (throttle, OMDb retries)
    # sent its movie.watched too early to cancel it; its plot email does.
    inngest.Cancel(
        event=PLOT_EMAILED,
        if_exp=f"{SAME_RECIPIENT} && async.data.email_id != event.data.email_id",
    ),
]


class FollowUpSteps:
    """
    The work inside each step; runs once per successful attempt, never on replay.
    """

    def __init__(self, client: redis.Redis, mailer: Mailer) -> None:
        self._redis = client
        self._mailer = mailer

    async def check_suppression(self, recipient: str) -> bool:
        """
        Whether the recipient is suppressed; a Redis outage must not stop mail.
        """
        with bound_contextvars(step_id="check_suppression"):
            return await check_suppression(self._redis, recipient)

    async def send_follow_up(self, emailed: PlotEmailed, event_id: str) -> str:
        """
        Send the follow-up; the key makes a retried step send at most once.
        """
        with bound_contextvars(step_id="send_follow_up"):
            return await self._mailer.send_follow_up(
                emailed.movie_title,
                emailed.imdb_id,
                emailed.recipient_email,
                idempotency_key=f"follow-up/{event_id}",
            )


def create_follow_up(
    client: inngest.Inngest, settings: Settings, steps: FollowUpSteps
) -> inngest.Function[Any]:
    """
    The `send-follow-up` function; its delay comes from settings.
    """
    wait = settings.follow_up_wait

    @client.create_function(
        fn_id=FUNCTION_ID,
        name="Send follow-up",
        trigger=inngest.TriggerEvent(event=PLOT_EMAILED),
        cancel=CANCEL_ON,
        on_failure=log_failure,
    )
    async def send_follow_up(ctx: inngest.Context) -> dict[str, str]:
        with bound_contextvars(run_id=ctx.run_id, event_id=ctx.event.id):
            # Checked before the wait, so bad data fails now, not days later.
            emailed = parse_event(ctx, PlotEmailed)
            await ctx.step.sleep("wait_before_follow_up", wait)

            recipient = emailed.recipient_email
            if await ctx.step.run(
                "check_suppression", steps.check_suppression, recipient
            ):
                return {"status": "skipped", "reason": "recipient_suppressed"}

            email_id = await ctx.step.run(
                "send_follow_up", steps.send_follow_up, emailed, ctx.event.id
            )
        return {"status": "sent", "email_id": email_id}

    return send_follow_up
