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

from meadow_functions.app import create_app, create_inngest_client
from meadow_functions.cache import create_redis
from meadow_functions.plot_mailer import create_functions
from meadow_functions.suppression import suppress

RECIPIENT = "jane.doe@example.com"
FN_ID = "meadow-send-movie-plot"


@pytest.fixture(autouse=True)
def dev_mode(monkeypatch):
    """
    Dev Server mode: no signing key needed, as in Compose.
    """
    monkeypatch.setenv("INNGEST_DEV", "1")


def make_client(settings, http, redis_client):
    """
    An HTTP client on a freshly built app.
    """
    app = create_app(settings, http=http, redis_client=redis_client)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://fn")


@pytest.fixture
async def client(settings, http, redis_client):
    """
    A client on the app wired to the test Redis and the fake APIs.
    """
    async with make_client(settings, http, redis_client) as client:
        yield client


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


async def run(client, event, *, fn_id=FN_ID, max_requests=10):
    """
    Call the function until it finishes or fails; return the last response.
    """
    steps: dict[str, dict[str, object]] = {}
    for _ in range(max_requests):
        body = {
            "ctx": {
                "attempt": 0,
                "disable_immediate_execution": False,
                "run_id": "01RUN",
                "stack": {"stack": list(steps)},
            },
            "event": event,
            "events": [event],
            "steps": steps,
            "use_api": False,
        }
        response = await client.post(
            "/api/inngest", params={"fnId": fn_id, "stepId": "step"}, json=body
        )
        if response.status_code != 206:
            return response
        for op in response.json():
            if "error" in op:
                return response
            steps[op["id"]] = {"data": op.get("data")}
    raise AssertionError(f"no result after {max_requests} requests")


class TestOutcomes:
    async def test_watched_movie_gets_its_plot_mailed(self, client, apis):
        """
        The run fetches the plot, mails it and reports what was sent.
        """
        response = await run(client, watched())

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

    async def test_suppressed_recipient_gets_nothing(self, client, apis, redis_client):
        """
        A suppressed address ends the run as skipped, without any email.
        """
        await suppress(redis_client, RECIPIENT.upper())

        response = await run(client, watched())

        assert response.status_code == 200
        assert response.json() == {
            "status": "skipped",
            "reason": "recipient_suppressed",
        }
        assert apis.resend_requests == []

    async def test_unknown_movie_fails_at_once_without_email(self, client, apis):
        """
        A title OMDb does not know ends the run with no retries and no email.
        """
        apis.omdb_fails("Movie not found!")

        response = await run(client, watched("Teh Matrix"))

        assert response.status_code == 500
        assert response.headers["x-inngest-no-retry"] == "true"
        assert "Teh Matrix" in response.json()["message"]
        assert apis.resend_requests == []

    async def test_omdb_limit_schedules_a_later_retry(self, client, apis):
        """
        OMDb's daily limit asks Inngest to retry later instead of failing.
        """
        apis.omdb_fails("Request limit reached!", status=401)

        response = await run(client, watched())

        assert response.status_code == 500
        assert "retry-after" in response.headers
        assert "x-inngest-no-retry" not in response.headers

    async def test_invalid_event_data_fails_without_leaking_the_address(self, client):
        """
        Event data missing the title is rejected for good, address kept out.
        """
        event = watched(movie_title="")

        with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
            response = await run(client, event)

        assert response.status_code == 500
        assert response.headers["x-inngest-no-retry"] == "true"
        assert "movie_title" in response.json()["message"]
        assert RECIPIENT not in response.text
        (entry,) = logs
        assert entry["event"] == "event_invalid"
        assert entry["run_id"] == "01RUN"

    async def test_redis_outage_still_sends_the_email(
        self, make_settings, http, apis, closed_port
    ):
        """
        With Redis down the plot comes from OMDb and the email still goes out.
        """
        settings = make_settings(redis_url=f"redis://127.0.0.1:{closed_port}/0")
        redis_client = create_redis(settings)

        async with make_client(settings, http, redis_client) as client:
            with capture_logs() as logs:
                response = await run(client, watched())
        await redis_client.aclose()

        assert response.json()["status"] == "sent"
        events = [e["event"] for e in logs]
        assert "cache_unavailable" in events
        assert "suppression_unavailable" in events


class TestLogging:
    async def test_each_outcome_is_logged_once_despite_replays(self, client):
        """
        Steps replay on every request, yet each log line appears once.
        """
        with capture_logs() as logs:
            await run(client, watched())

        events = [e["event"] for e in logs]
        assert events == ["plot_cache_miss", "plot_fetched", "email_sent"]

    async def test_lines_carry_run_event_and_step_ids(self, client):
        """
        Every line inside the run is bound to run_id, event_id and step_id.
        """
        with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
            await run(client, watched())

        assert logs
        for entry in logs:
            assert entry["run_id"] == "01RUN"
            assert entry["event_id"] == "01EVENT"
        steps = {e["event"]: e["step_id"] for e in logs}
        assert steps["plot_fetched"] == "fetch_plot"
        assert steps["email_sent"] == "send_email"

    async def test_full_address_never_reaches_the_logs(self, client, apis):
        """
        Across a whole run, the recipient appears only masked.
        """
        with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
            await run(client, watched())

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
    async def test_run_that_failed_for_good_is_logged_as_an_error(self, client):
        """
        A run that gave up logs run_failed with its run, event and cause.
        """
        event = failed("OmdbKeyInvalidError", "OMDb rejected the API key")

        with capture_logs() as logs:
            response = await run(client, event, fn_id=f"{FN_ID}-failure")

        assert response.status_code == 200
        (entry,) = logs
        assert entry["event"] == "run_failed"
        assert entry["log_level"] == "error"
        assert entry["run_id"] == "01FAILEDRUN"
        assert entry["event_id"] == "01EVENT"
        assert entry["error_name"] == "OmdbKeyInvalidError"
        assert entry["recipient"] == "j***@example.com"

    async def test_unknown_movie_is_not_logged_again(self, client):
        """
        A title OMDb does not know was logged as plot_not_found already.
        """
        event = failed("MovieNotFoundError", "OMDb has no plot for 'Teh Matrix'")

        with capture_logs() as logs:
            response = await run(client, event, fn_id=f"{FN_ID}-failure")

        assert response.status_code == 200
        assert logs == []


class TestRegistration:
    def test_emails_are_throttled_per_recipient_not_dropped(self, make_settings, http):
        """
        The function queues runs past 1 per period per recipient (throttle,
        without burst), and registers no rate limit, which would drop them.
        """
        settings = make_settings(email_throttle_period=120)
        functions = create_functions(
            settings,
            client=create_inngest_client(),
            redis_client=create_redis(settings),
            http=http,
        )

        config = functions[0].get_config("http://fn/api/inngest").main.to_dict()

        assert config["throttle"] == {
            "key": "event.data.recipient_email",
            "limit": 1,
            "period": "2m",
            "burst": 0,
        }
        assert config.get("rateLimit") is None
        assert [t["event"] for t in config["triggers"]] == ["meadow_api/movie.watched"]
        assert config["id"] == FN_ID
