"""
GET /v1/events/{event_id}: runs read from a fake Inngest REST API.

The run shapes below are copied from a real Inngest dev server's answers to
GET /v1/events/{id}/runs (ids shortened, tracebacks cut).
"""

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis.asyncio as redis

EVENT_ID = "01M8YC0WTZE4FMRD3XSWXADRFK"
URL = f"/v1/events/{EVENT_ID}"


def run(
    status: str, output: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    """
    One run as Inngest lists it; `output` appears once the run has ended.
    """
    answer: dict[str, Any] = {
        "run_id": "01M8YC0X22GYY9G9MGTFW3NJ8Z",
        "run_started_at": "2026-12-03T16:32:55.362Z",
        "function_id": "9c36280e-a7c2-5db6-83c9-0cfcf9dcf5a0",
        "function_version": 0,
        "environment_id": "00000000-0000-0000-0000-000000000000",
        "event_id": EVENT_ID,
        "status": status,
        "ended_at": None if output is None else "2026-12-03T16:32:55.438Z",
    }
    if output is not None:
        answer["output"] = output
    return answer | extra


NOT_FOUND_MESSAGE = (
    "OMDb has no plot for a movie titled 'Zzqx'; no email was sent. Check the "
    "title's spelling."
)

RUN_CASES = [
    pytest.param([], {"status": "queued"}, id="no-run-yet"),
    pytest.param([run("Scheduled")], {"status": "queued"}, id="run-queued"),
    pytest.param([run("Running")], {"status": "running"}, id="running"),
    pytest.param(
        [run("Completed", {"email_id": "e5ac8468", "imdb_id": "tt0113277",
                           "movie_title": "Heat", "status": "sent"})],
        {"status": "sent", "email_id": "e5ac8468"},
        id="sent",
    ),
    pytest.param(
        [run("Completed", {"status": "skipped", "reason": "recipient_suppressed"})],
        {"status": "skipped", "reason": "recipient_suppressed"},
        id="skipped-suppressed",
    ),
    pytest.param(
        [run("Failed", {"code": "non_retriable_error", "name": "MovieNotFoundError",
                        "message": NOT_FOUND_MESSAGE, "stack": "Traceback ..."})],
        {"status": "skipped", "reason": "movie_not_found",
         "message": NOT_FOUND_MESSAGE},
        id="movie-not-found",
    ),
    pytest.param(
        [run("Failed", {"code": "non_retriable_error", "name": "EmailRejected",
                        "message": "Resend refused the email (422)",
                        "stack": "Traceback ..."})],
        {"status": "failed", "reason": "Resend refused the email (422)"},
        id="failed",
    ),
    pytest.param(
        [run("Cancelled", {})],
        {"status": "failed",
         "reason": "the run was cancelled before the email was sent"},
        id="cancelled",
    ),
    pytest.param(
        [run("Completed", None)],
        {"status": "running"},
        id="completed-before-its-output-is-stored",
    ),
]  # fmt: skip


@pytest.fixture
async def status_client(
    make_client: Callable[..., Any], inngest_api: Any, redis_client: redis.Redis
) -> httpx.AsyncClient:
    """
    A gateway on the fake Inngest API that has accepted EVENT_ID.
    """
    await redis_client.set(f"meadow:event:{EVENT_ID}", "2026-12-03T16:32:55+00:00")
    client: httpx.AsyncClient = await make_client(http_transport=inngest_api.transport)
    return client


class TestStatusMapping:
    @pytest.mark.parametrize(("runs", "expected"), RUN_CASES)
    async def test_run_maps_to_the_email_status(
        self,
        status_client: httpx.AsyncClient,
        inngest_api: Any,
        runs: list[dict[str, Any]],
        expected: dict[str, str],
    ) -> None:
        """
        Each run state answers its documented status, with its details and
        the acceptance time, and no field that does not apply.
        """
        inngest_api.runs[EVENT_ID] = runs

        response = await status_client.get(URL)

        assert response.status_code == 200
        run_id = {"run_id": runs[0]["run_id"]} if runs else {}
        assert response.json() == {
            "event_id": EVENT_ID,
            "accepted_at": "2026-12-03T16:32:55+00:00",
            **run_id,
            **expected,
        }

    async def test_latest_run_wins(
        self, status_client: httpx.AsyncClient, inngest_api: Any
    ) -> None:
        """
        With several runs, the one started last decides the status.
        """
        inngest_api.runs[EVENT_ID] = [
            run("Completed", {"status": "sent", "email_id": "new"}, run_id="B",
                run_started_at="2026-12-03T16:40:00.000Z"),
            run("Failed", {"name": "X", "message": "old"}, run_id="A",
                run_started_at="2026-12-03T16:30:00.000Z"),
        ]  # fmt: skip

        response = await status_client.get(URL)

        assert (response.json()["status"], response.json()["run_id"]) == ("sent", "B")

    async def test_stack_traces_are_not_exposed(
        self, status_client: httpx.AsyncClient, inngest_api: Any
    ) -> None:
        """
        A failed run's traceback stays inside Inngest.
        """
        inngest_api.runs[EVENT_ID] = [
            run("Failed", {"name": "Boom", "message": "bad", "stack": "Traceback x"})
        ]

        response = await status_client.get(URL)

        assert "Traceback" not in response.text


class TestInngestRequest:
    async def test_each_read_carries_a_fresh_cache_busting_parameter(
        self, status_client: httpx.AsyncClient, inngest_api: Any
    ) -> None:
        """
        Inngest caches an event's runs for ~15 s per URL, so every read asks
        a URL it has not seen: an early empty answer must not stick.
        """
        await status_client.get(URL)
        await status_client.get(URL)

        reads = [r for r in inngest_api.requests if r.url.path != "/health"]
        assert [r.url.path for r in reads] == [f"/v1/events/{EVENT_ID}/runs"] * 2
        busters = [r.url.params.get("cache_bust") for r in reads]
        assert all(busters)
        assert busters[0] != busters[1]

    async def test_signing_key_is_sent_as_bearer(
        self,
        make_client: Callable[..., Any],
        inngest_api: Any,
        redis_client: redis.Redis,
    ) -> None:
        """
        With INNGEST_SIGNING_KEY set (Inngest Cloud), reads authenticate with it.
        """
        await redis_client.set(f"meadow:event:{EVENT_ID}", "2026-12-03T16:32:55+00:00")
        client = await make_client(
            http_transport=inngest_api.transport,
            inngest_signing_key="signkey-test-0123abcd",
        )

        await client.get(URL)

        [read] = inngest_api.requests
        assert read.headers["Authorization"] == "Bearer signkey-test-0123abcd"

    async def test_no_signing_key_sends_no_authorization(
        self, status_client: httpx.AsyncClient, inngest_api: Any
    ) -> None:
        """
        Against a dev server (no signing key) no Authorization header is sent.
        """
        await status_client.get(URL)

        [read] = inngest_api.requests
        assert "Authorization" not in read.headers

    async def test_rest_api_base_url_is_used_when_set(
        self,
        make_client: Callable[..., Any],
        inngest_api: Any,
        redis_client: redis.Redis,
    ) -> None:
        """
        INNGEST_API_BASE_URL, when set, is where runs are read from.
        """
        await redis_client.set(f"meadow:event:{EVENT_ID}", "2026-12-03T16:32:55+00:00")
        client = await make_client(
            http_transport=inngest_api.transport,
            inngest_api_base_url="http://inngest-api.test:9999",
        )

        await client.get(URL)

        [read] = inngest_api.requests
        assert (read.url.host, read.url.port) == ("inngest-api.test", 9999)


class TestUnknownAndUnavailable:
    async def test_unknown_event_is_404_without_asking_inngest(
        self,
        make_client: Callable[..., Any],
        inngest_api: Any,
        redis_client: redis.Redis,
    ) -> None:
        """
        An id the gateway never accepted answers 404 in the error shape.
        """
        client = await make_client(http_transport=inngest_api.transport)

        response = await client.get("/v1/events/01NEVERACCEPTED")

        assert response.status_code == 404
        assert response.json()["error"] == "event_not_found"
        assert inngest_api.requests == []

    @pytest.mark.parametrize(
        "failure",
        [
            lambda request: httpx.Response(500, text="oops"),
            lambda request: httpx.Response(200, text="<html>"),
            lambda request: httpx.Response(
                200, json={"error": "Invalid event ID", "data": None, "status": 400}
            ),
        ],
        ids=["500", "not-json", "error-in-a-200"],
    )
    async def test_bad_inngest_answer_is_503_with_retry_after(
        self,
        status_client: httpx.AsyncClient,
        inngest_api: Any,
        failure: Callable[[httpx.Request], httpx.Response],
    ) -> None:
        """
        An answer that is not a list of runs means the status is unknown: 503.
        """
        inngest_api.failure = failure

        response = await status_client.get(URL)

        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert [p["field"] for p in response.json()["problems"]] == ["inngest"]

    async def test_unreachable_inngest_is_503(
        self, make_client: Callable[..., Any], redis_client: redis.Redis
    ) -> None:
        """
        With nothing listening on Inngest's port, the answer is 503, not 500.
        """
        await redis_client.set(f"meadow:event:{EVENT_ID}", "2026-12-03T16:32:55+00:00")
        client = await make_client()

        response = await client.get(URL)

        assert response.status_code == 503
        assert response.json()["error"] == "status_unavailable"

    async def test_redis_down_is_503_naming_redis(
        self, make_client: Callable[..., Any], unreachable_redis_url: str
    ) -> None:
        """
        Without Redis the gateway cannot tell a known id from an unknown one.
        """
        client = await make_client(redis_url=unreachable_redis_url)

        response = await client.get(URL)

        assert response.status_code == 503
        assert [p["field"] for p in response.json()["problems"]] == ["redis"]

    async def test_status_needs_the_bearer_key_when_keys_are_set(
        self, make_client: Callable[..., Any], inngest_api: Any
    ) -> None:
        """
        The status route is behind the same bearer key as the other /v1 routes.
        """
        client = await make_client(
            http_transport=inngest_api.transport, gateway_api_keys="k-1"
        )

        refused = await client.get(URL)
        allowed = await client.get(URL, headers={"Authorization": "Bearer k-1"})

        assert refused.status_code == 401
        assert allowed.status_code == 404


class TestStatusUrl:
    async def test_status_url_of_an_accepted_event_answers_queued(
        self, make_client: Callable[..., Any], inngest_api: Any
    ) -> None:
        """
        The status_url a 202 names works at once and says queued.
        """
        client = await make_client(http_transport=inngest_api.transport)
        accepted = await client.post(
            "/v1/movie-watched",
            json={"movie_title": "Heat", "recipient_email": "x@example.com"},
        )

        response = await client.get(accepted.json()["status_url"])

        assert response.status_code == 200
        assert response.json()["status"] == "queued"
