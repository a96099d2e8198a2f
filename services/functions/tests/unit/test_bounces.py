"""
The suppress-recipient function, driven through /api/inngest with the
`resend/*` events the gateway forwards from Resend's webhooks.
"""

import httpx
import pytest
import structlog
from structlog.testing import capture_logs

from meadow_functions.app import create_app
from meadow_functions.cache import create_redis
from meadow_functions.suppression import SUPPRESSED_KEY, is_suppressed

FN_ID = "meadow-suppress-recipient"
RECIPIENT = "jane.doe@example.com"


def webhook_event(kind="email.bounced", recipient=RECIPIENT):
    """
    A resend/<type> event as the gateway sends it.
    """
    return {
        "id": "msg_2ZVDxv4FqA1bmDZVbYpNDXnPwsB",
        "name": f"resend/{kind}",
        "data": {
            "type": kind,
            "created_at": "2026-01-01T12:00:00.000Z",
            "email_id": "email-123",
            "recipient_email": recipient,
            "webhook": {"email_id": "email-123", "to": [recipient]},
        },
        "ts": 1_700_000_000_000,
    }


class TestSuppression:
    @pytest.mark.parametrize("kind", ["email.bounced", "email.complained"])
    async def test_reported_address_is_suppressed(self, run, redis_client, kind):
        """
        A bounce or a complaint adds the address to the set the mailers check,
        and the run reports it masked, with the webhook type as reason.
        """
        response = await run(webhook_event(kind), fn_id=FN_ID)

        assert response.status_code == 200
        assert response.json() == {
            "status": "suppressed",
            "recipient": "j***@example.com",
            "reason": kind,
        }
        assert await is_suppressed(redis_client, RECIPIENT)

    async def test_address_is_stored_normalised(self, run, redis_client):
        """
        Case and spaces are dropped, as the suppression helpers expect.
        """
        await run(webhook_event(recipient=" Jane.Doe@Example.COM"), fn_id=FN_ID)

        assert await redis_client.smembers(SUPPRESSED_KEY) == {RECIPIENT}

    async def test_suppression_is_logged_masked_once(self, run):
        """
        One recipient_suppressed line, inside the step, without the address.
        """
        with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
            await run(webhook_event(), fn_id=FN_ID)

        (entry,) = logs
        assert entry["event"] == "recipient_suppressed"
        assert entry["recipient"] == "j***@example.com"
        assert entry["reason"] == "email.bounced"
        assert entry["step_id"] == "suppress_recipient"
        assert entry["run_id"] == "01RUN"
        assert RECIPIENT not in str(logs)

    async def test_second_report_keeps_the_address_suppressed(self, run, redis_client):
        """
        A repeated webhook (Resend retries deliveries) succeeds again.
        """
        await run(webhook_event(), fn_id=FN_ID)

        with capture_logs() as logs:
            response = await run(webhook_event("email.complained"), fn_id=FN_ID)

        assert response.json()["status"] == "suppressed"
        assert logs[0]["already_suppressed"] is True
        assert await redis_client.scard(SUPPRESSED_KEY) == 1


class TestFailures:
    async def test_redis_outage_fails_the_run_for_a_retry(
        self, make_settings, http, closed_port, runner_for
    ):
        """
        With Redis down the step fails with an ordinary error, which Inngest
        retries, so the bounce is not lost.
        """
        settings = make_settings(redis_url=f"redis://127.0.0.1:{closed_port}/0")
        redis_client = create_redis(settings)
        app = create_app(settings, http=http, redis_client=redis_client)
        transport = httpx.ASGITransport(app)

        async with httpx.AsyncClient(transport=transport, base_url="http://fn") as c:
            with capture_logs() as logs:
                response = await runner_for(c)(webhook_event(), fn_id=FN_ID)
        await redis_client.aclose()

        assert response.status_code == 206
        (op,) = response.json()
        assert op["error"]["name"] == "SuppressionUnavailableError"
        assert "x-inngest-no-retry" not in response.headers
        assert [e["event"] for e in logs] == ["suppression_failed"]
        assert RECIPIENT not in str(logs) + response.text

    async def test_event_without_address_fails_for_good(self, run, redis_client):
        """
        Data missing the address cannot be fixed by a retry.
        """
        event = webhook_event()
        del event["data"]["recipient_email"]

        response = await run(event, fn_id=FN_ID)

        assert response.status_code == 500
        assert response.headers["x-inngest-no-retry"] == "true"
        assert "recipient_email" in response.json()["message"]
        assert await redis_client.scard(SUPPRESSED_KEY) == 0


class TestRegistration:
    def test_bounces_and_complaints_trigger_the_function(self, function_config):
        """
        Both Resend event names start the function, under the meadow app.
        """
        config = function_config(FN_ID)

        assert [t["event"] for t in config["triggers"]] == [
            "resend/email.bounced",
            "resend/email.complained",
        ]
