"""
The send-movie-plot function, driven through /api/inngest the way the Inngest
server drives it: one request per step, memoised step results sent back each
time. Flow control (throttle) and retry timing need the real dev server and
are covered by the end-to-end suite.
"""

import httpx
import pytest
import structlog
from structlog.testing import capture_logs

from meadow_functions.app import create_app
from meadow_functions.cache import create_redis
from meadow_functions.suppression import suppress

RECIPIENT = "jane.doe@example.com"
FN_ID = "meadow-send-movie-plot"


def watched(movie_title="The Matrix", recipient=RECIPIENT, event_id="01EVENT"):
    """
    A movie.watched event as the Inngest server passes it on.
    """
    return {
        "id": event_id,
        "name": "meadow_api/movie.watched",
        "data": {"movie_title": movie_title, "recipient_email": recipient},
        "ts": 1_700_000_000_000,
    }


@pytest.fixture
def run_plot(run):
    """
    Runs send-movie-plot for an event.
    """
    return lambda event: run(event, fn_id=FN_ID)


class TestOutcomes:
    async def test_watched_movie_gets_its_plot_mailed(self, run_plot, apis):
        """
        The run fetches the plot, mails it and reports what was sent.
        """
        response = await run_plot(watched())

        assert response.status_code == 200
        assert response.json() == {
            "status": "sent",
            "email_id": "email-123",
            "movie_title": "The Matrix",
            "imdb_id": "tt0133093",
        }
        assert len(apis.omdb_requests) == 1
        (email,) = apis.resend_requests
        assert email.headers["Idempotency-Key"] == "movie-plot/01EVENT"

    async def test_suppressed_recipient_gets_nothing(
        self, run_plot, apis, redis_client
    ):
        """
        A suppressed address ends the run as skipped, without any email.
        """
        await suppress(redis_client, RECIPIENT.upper())

        response = await run_plot(watched())

        assert response.status_code == 200
        assert response.json() == {
            "status": "skipped",
            "reason": "recipient_suppressed",
        }
        assert apis.resend_requests == []

    async def test_unknown_movie_fails_at_once_without_email(self, run_plot, apis):
        """
        A title OMDb does not know ends the run with no retries and no email.
        """
        apis.omdb_fails("Movie not found!")

        response = await run_plot(watched("Teh Matrix"))

        assert response.status_code == 500
        assert response.headers["x-inngest-no-retry"] == "true"
        assert "Teh Matrix" in response.json()["message"]
        assert apis.resend_requests == []

    async def test_omdb_limit_schedules_a_later_retry(self, run_plot, apis):
        """
        OMDb's daily limit asks Inngest to retry later instead of failing.
        """
        apis.omdb_fails("Request limit reached!", status=401)

        response = await run_plot(watched())

        assert response.status_code == 500
        assert "retry-after" in response.headers
        assert "x-inngest-no-retry" not in response.headers

    async def test_invalid_event_data_fails_without_leaking_the_address(self, run_plot):
        """
        Event data missing the title is rejected for good, address kept out.
        """
        event = watched(movie_title="")

        with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
            response = await run_plot(event)

        assert response.status_code == 500
        assert response.headers["x-inngest-no-retry"] == "true"
        assert "movie_title" in response.json()["message"]
        assert RECIPIENT not in response.text
        (entry,) = logs
        assert entry["event"] == "event_invalid"
        assert entry["run_id"] == "01RUN"

    async def test_redis_outage_still_sends_the_email(
        self, make_settings, http, apis, closed_port, runner_for
    ):
        """
        With Redis down the plot comes from OMDb and the email still goes out.
        """
        settings = make_settings(redis_url=f"redis://127.0.0.1:{closed_port}/0")
        redis_client = create_redis(settings)
        app = create_app(settings, http=http, redis_client=redis_client)
        transport = httpx.ASGITransport(app)

        async with httpx.AsyncClient(transport=transport, base_url="http://fn") as c:
            with capture_logs() as logs:
                response = await runner_for(c)(watched(), fn_id=FN_ID)
        await redis_client.aclose()

        assert response.json()["status"] == "sent"
        events = [e["event"] for e in logs]
        assert "cache_unavailable" in events
        assert "suppression_unavailable" in events


class TestAnnouncement:
    async def test_sent_plot_is_announced_once_as_plot_emailed(
        self, run_plot, run, event_api
    ):
        """
        After the email, the announce_email step sends meadow_api/plot.emailed
        with the film, the email id and the address lower-cased, under an id
        derived from the watched event so a replay is deduplicated.
        """
        response = await run_plot(watched(recipient="Jane.Doe@Example.com"))

        assert response.status_code == 200
        (event,) = event_api.events
        assert event["name"] == "meadow_api/plot.emailed"
        assert event["id"] == "plot-emailed/01EVENT"
        assert event["data"] == {
            "recipient_email": RECIPIENT,
            "movie_title": "The Matrix",
            "imdb_id": "tt0133093",
            "email_id": "email-123",
        }
        step_ids = [op["displayName"] for op in run.ops]
        assert step_ids[-2:] == ["send_email", "announce_email"]

    async def test_skipped_email_is_not_announced(
        self, run_plot, redis_client, event_api
    ):
        """
        A suppressed recipient gets no email, so no follow-up is set off.
        """
        await suppress(redis_client, RECIPIENT)

        await run_plot(watched())

        assert event_api.events == []

    async def test_failed_email_is_not_announced(self, run_plot, apis, event_api):
        """
        An email Resend refused is not announced.
        """
        apis.resend_answers(
            422, {"statusCode": 422, "name": "validation_error", "message": "bad"}
        )

        response = await run_plot(watched())

        assert response.status_code == 500
        assert event_api.events == []


class TestLogging:
    async def test_each_outcome_is_logged_once_despite_replays(self, run_plot):
        """
        Steps replay on every request, yet each log line appears once.
        """
        with capture_logs() as logs:
            await run_plot(watched())

        events = [e["event"] for e in logs]
        assert events == ["plot_cache_miss", "plot_fetched", "email_sent"]

    async def test_lines_carry_run_event_and_step_ids(self, run_plot):
        """
        Every line inside the run is bound to run_id, event_id and step_id.
        """
        with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
            await run_plot(watched())

        assert logs
        for entry in logs:
            assert entry["run_id"] == "01RUN"
            assert entry["event_id"] == "01EVENT"
        steps = {e["event"]: e["step_id"] for e in logs}
        assert steps["plot_fetched"] == "fetch_plot"
        assert steps["email_sent"] == "send_email"

    async def test_full_address_never_reaches_the_logs(self, run_plot, apis):
        """
        Across a whole run, the recipient appears only masked.
        """
        with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
            await run_plot(watched())

        assert RECIPIENT not in str(logs)
        assert "j***@example.com" in str(logs)


def failed(error_name, message):
    """
    The inngest/function.failed event sent when a run gives up.
    """
    return {
        "id": "01FAILURE",
        "name": "inngest/function.failed",
        "data": {
            "error": {"name": error_name, "message": message},
            "event": watched(),
            "function_id": FN_ID,
            "run_id": "01FAILEDRUN",
        },
        "ts": 1_700_000_000_000,
    }


class TestFailureHandler:
    async def test_run_that_failed_for_good_is_logged_as_an_error(self, run):
        """
        A run that gave up logs run_failed with its run, event and cause.
        """
        event = failed("OmdbKeyInvalidError", "OMDb rejected the API key")

        with capture_logs() as logs:
            response = await run(event, fn_id=f"{FN_ID}-failure")

        assert response.status_code == 200
        (entry,) = logs
        assert entry["event"] == "run_failed"
        assert entry["log_level"] == "error"
        assert entry["run_id"] == "01FAILEDRUN"
        assert entry["event_id"] == "01EVENT"
        assert entry["error_name"] == "OmdbKeyInvalidError"
        assert entry["function_id"] == FN_ID
        assert entry["recipient"] == "j***@example.com"

    async def test_unknown_movie_is_not_logged_again(self, run):
        """
        A title OMDb does not know was logged as plot_not_found already.
        """
        event = failed("MovieNotFoundError", "OMDb has no plot for 'Teh Matrix'")

        with capture_logs() as logs:
            response = await run(event, fn_id=f"{FN_ID}-failure")

        assert response.status_code == 200
        assert logs == []


class TestRegistration:
    def test_emails_are_throttled_per_recipient_not_dropped(self, function_config):
        """
        The function queues runs past 1 per period per recipient (throttle,
        without burst), and registers no rate limit, which would drop them.
        """
        config = function_config(FN_ID, email_throttle_period=120)

        assert config["throttle"] == {
            "key": "event.data.recipient_email",
            "limit": 1,
            "period": "2m",
            "burst": 0,
        }
        assert config.get("rateLimit") is None
        assert [t["event"] for t in config["triggers"]] == ["meadow_api/movie.watched"]
        assert config["id"] == FN_ID
