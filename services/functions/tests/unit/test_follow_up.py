"""
The send-follow-up function. Its steps are driven through /api/inngest; the
sleep itself and cancellation happen in the Inngest server, so here they are
checked as what the function asks of the server: the Sleep operation and the
cancel rules it registers.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest
import structlog
from structlog.testing import capture_logs

from meadow_functions.suppression import suppress

FN_ID = "meadow-send-follow-up"
RECIPIENT = "jane.doe@example.com"
DELAY_SECONDS = 90


@pytest.fixture
def settings(make_settings):
    """
    Settings with a follow-up delay unlike the default, to see it used.
    """
    return make_settings(follow_up_delay=DELAY_SECONDS)


def plot_emailed(recipient=RECIPIENT, event_id="plot-emailed/01EVENT"):
    """
    The plot.emailed event the plot mailer sends after an email.
    """
    return {
        "id": event_id,
        "name": "meadow_api/plot.emailed",
        "data": {
            "recipient_email": recipient,
            "movie_title": "The Matrix",
            "imdb_id": "tt0133093",
            "email_id": "email-123",
        },
        "ts": 1_700_000_000_000,
    }


class TestOutcomes:
    async def test_follow_up_is_sent_after_the_wait(self, run, apis):
        """
        The run sleeps, then mails the follow-up under its own idempotency key.
        """
        response = await run(plot_emailed(), fn_id=FN_ID)

        assert response.status_code == 200
        assert response.json() == {"status": "sent", "email_id": "email-123"}
        assert [op["displayName"] for op in run.ops] == [
            "wait_before_follow_up",
            "check_suppression",
            "send_follow_up",
        ]
        (request,) = apis.resend_requests
        assert request.headers["Idempotency-Key"] == "follow-up/plot-emailed/01EVENT"
        sent = json.loads(request.content)
        assert sent["to"] == [RECIPIENT]
        assert sent["subject"] == "More about The Matrix?"

    async def test_wait_lasts_the_configured_delay(self, run):
        """
        The Sleep operation asks the server to wake the run FOLLOW_UP_DELAY
        seconds from now.
        """
        before = datetime.now(UTC)
        await run(plot_emailed(), fn_id=FN_ID)

        sleep = run.ops[0]
        assert sleep["op"] == "Sleep"
        wake_at = datetime.fromisoformat(sleep["name"].replace("Z", "+00:00"))
        expected = before + timedelta(seconds=DELAY_SECONDS)
        assert (
            expected - timedelta(seconds=1)
            <= wake_at
            <= expected + timedelta(seconds=5)
        )

    async def test_suppressed_recipient_gets_no_follow_up(
        self, run, apis, redis_client
    ):
        """
        An address suppressed during the wait ends the run as skipped.
        """
        await suppress(redis_client, RECIPIENT)

        response = await run(plot_emailed(), fn_id=FN_ID)

        assert response.json() == {
            "status": "skipped",
            "reason": "recipient_suppressed",
        }
        assert apis.resend_requests == []

    async def test_invalid_event_fails_before_the_wait(self, run):
        """
        Data without the address fails for good at once, not days later.
        """
        event = plot_emailed()
        del event["data"]["recipient_email"]

        response = await run(event, fn_id=FN_ID)

        assert response.status_code == 500
        assert response.headers["x-inngest-no-retry"] == "true"
        assert run.ops == []

    async def test_sent_follow_up_is_logged_masked(self, run):
        """
        email_sent comes from the send_follow_up step, address masked.
        """
        with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
            await run(plot_emailed(), fn_id=FN_ID)

        (entry,) = logs
        assert entry["event"] == "email_sent"
        assert entry["step_id"] == "send_follow_up"
        assert entry["recipient"] == "j***@example.com"
        assert RECIPIENT not in str(logs)


SAME_RECIPIENT = "async.data.recipient_email == event.data.recipient_email"


class TestRegistration:
    def test_plot_emailed_triggers_the_function(self, function_config):
        """
        The follow-up starts from the plot mailer's announcement.
        """
        config = function_config(FN_ID)

        assert [t["event"] for t in config["triggers"]] == ["meadow_api/plot.emailed"]

    def test_run_is_cancelled_by_news_about_the_same_recipient(self, function_config):
        """
        Another film watched, a bounce or a complaint for the same address
        cancels the waiting run; so does a later plot email to that address.
        """
        config = function_config(FN_ID)

        cancel = {rule["event"]: rule["if"] for rule in config["cancel"]}
        assert cancel == {
            "meadow_api/movie.watched": SAME_RECIPIENT,
            "resend/email.bounced": SAME_RECIPIENT,
            "resend/email.complained": SAME_RECIPIENT,
            "meadow_api/plot.emailed": (
                f"{SAME_RECIPIENT} && async.data.email_id != event.data.email_id"
            ),
        }
