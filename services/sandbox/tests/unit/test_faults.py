"""Queued faults make the next requests fail the way the real APIs do."""

import time
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs


async def queue(client: httpx.AsyncClient, **fault: Any) -> httpx.Response:
    return await client.post("/api/faults", json=fault)


async def lookup(client: httpx.AsyncClient) -> httpx.Response:
    return await client.get("/omdb/", params={"apikey": "k", "t": "Jaws"})


async def send(
    client: httpx.AsyncClient, email: dict[str, Any], auth: dict[str, str]
) -> httpx.Response:
    return await client.post("/resend/emails", json=email, headers=auth)


class TestOmdbFaults:
    @pytest.mark.parametrize(
        ("fault", "error"),
        [("limit", "Request limit reached!"), ("invalid_key", "Invalid API key!")],
    )
    async def test_key_faults_answer_401_with_omdb_error(
        self, client: httpx.AsyncClient, fault: str, error: str
    ) -> None:
        """
        `limit` and `invalid_key` answer 401 with OMDb's own error text.
        """
        await queue(client, target="omdb", fault=fault)

        response = await lookup(client)

        assert response.status_code == 401
        assert response.json() == {"Response": "False", "Error": error}

    async def test_server_error_answers_503_html(
        self, client: httpx.AsyncClient
    ) -> None:
        """
        `server_error` answers 503 with an HTML page, as a proxy in front would.
        """
        await queue(client, target="omdb", fault="server_error")

        response = await lookup(client)

        assert response.status_code == 503
        assert response.headers["content-type"].startswith("text/html")
        assert "503" in response.text

    async def test_slow_answers_correctly_after_the_delay(
        self, client: httpx.AsyncClient
    ) -> None:
        """
        `slow` answers the real result, but only after `delay_seconds`.
        """
        await queue(client, target="omdb", fault="slow", delay_seconds=0.3)

        started = time.monotonic()
        response = await lookup(client)

        assert time.monotonic() - started >= 0.3
        assert response.status_code == 200
        assert response.json()["Title"] == "Jaws"

    async def test_slow_without_delay_uses_the_settings_default(
        self, client: httpx.AsyncClient
    ) -> None:
        """
        A `slow` fault queued without a delay takes the configured default.
        """
        queued = (await queue(client, target="omdb", fault="slow")).json()

        assert queued["delay_seconds"] == 0.2

    async def test_fault_is_consumed_after_count_requests(
        self, client: httpx.AsyncClient
    ) -> None:
        """
        With `count: 2`, two lookups fail and the third succeeds.
        """
        await queue(client, target="omdb", fault="limit", count=2)

        statuses = [(await lookup(client)).status_code for _ in range(3)]

        assert statuses == [401, 401, 200]
        assert (await client.get("/api/faults")).json() == []

    async def test_faulted_lookups_are_recorded(
        self, client: httpx.AsyncClient
    ) -> None:
        """
        The request log shows which lookups a fault answered, and how.
        """
        await queue(client, target="omdb", fault="invalid_key")
        await lookup(client)
        await lookup(client)

        records = (await client.get("/api/omdb/requests")).json()

        assert [(r["status_code"], r["fault"], r["error"]) for r in records] == [
            (401, "invalid_key", "Invalid API key!"),
            (200, None, None),
        ]


class TestResendFaults:
    async def test_server_error_answers_500_in_resend_shape(
        self, client: httpx.AsyncClient, email: dict[str, Any], auth: dict[str, str]
    ) -> None:
        """
        `server_error` answers 500 `internal_server_error` and stores nothing.
        """
        await queue(client, target="resend", fault="server_error")

        response = await send(client, email, auth)

        assert response.status_code == 500
        body = response.json()
        assert (body["statusCode"], body["name"]) == (500, "internal_server_error")
        assert body["message"]
        assert (await client.get("/api/emails")).json() == []

    async def test_rate_limit_answers_429_with_retry_after(
        self, client: httpx.AsyncClient, email: dict[str, Any], auth: dict[str, str]
    ) -> None:
        """
        `rate_limit` answers 429 `rate_limit_exceeded` with a `retry-after` header.
        """
        await queue(client, target="resend", fault="rate_limit", retry_after_seconds=7)

        response = await send(client, email, auth)

        assert response.status_code == 429
        assert response.json()["name"] == "rate_limit_exceeded"
        assert response.headers["retry-after"] == "7"

    async def test_rate_limit_defaults_retry_after_from_settings(
        self, client: httpx.AsyncClient, email: dict[str, Any], auth: dict[str, str]
    ) -> None:
        """
        Without its own value, `retry-after` comes from the settings.
        """
        await queue(client, target="resend", fault="rate_limit")

        response = await send(client, email, auth)

        assert response.headers["retry-after"] == "3"

    async def test_failed_attempt_then_success_are_both_recorded(
        self, client: httpx.AsyncClient, email: dict[str, Any], auth: dict[str, str]
    ) -> None:
        """
        A faulted send and the retry after it both show in the attempt log.
        """
        await queue(client, target="resend", fault="server_error", count=1)
        headers = auth | {"Idempotency-Key": "plot/retry"}

        failed = await client.post("/resend/emails", json=email, headers=headers)
        retried = await client.post("/resend/emails", json=email, headers=headers)

        assert (failed.status_code, retried.status_code) == (500, 200)
        attempts = (await client.get("/api/resend/requests")).json()
        assert [(a["status_code"], a["fault"]) for a in attempts] == [
            (500, "server_error"),
            (200, None),
        ]
        assert len((await client.get("/api/emails")).json()) == 1


class TestFaultQueue:
    async def test_faults_apply_in_the_order_queued(
        self, client: httpx.AsyncClient, email: dict[str, Any], auth: dict[str, str]
    ) -> None:
        """
        Faults for one target are used oldest first; other targets are untouched.
        """
        await queue(client, target="resend", fault="rate_limit")
        await queue(client, target="omdb", fault="limit")
        await queue(client, target="resend", fault="server_error")

        statuses = [(await send(client, email, auth)).status_code for _ in range(3)]

        assert statuses == [429, 500, 200]
        pending = (await client.get("/api/faults")).json()
        assert [(f["target"], f["fault"]) for f in pending] == [("omdb", "limit")]

    async def test_listing_shows_remaining_count_and_delete_clears(
        self, client: httpx.AsyncClient
    ) -> None:
        """
        `GET /api/faults` shows what is pending; `DELETE` empties the queue.
        """
        created = await queue(client, target="omdb", fault="server_error", count=3)
        await lookup(client)

        pending = (await client.get("/api/faults")).json()
        cleared = await client.delete("/api/faults")

        assert created.status_code == 201
        assert [f["remaining"] for f in pending] == [2]
        assert cleared.status_code == 204
        assert (await client.get("/api/faults")).json() == []
        assert (await lookup(client)).status_code == 200

    @pytest.mark.parametrize(
        ("body", "named"),
        [
            ({"target": "tmdb", "fault": "limit"}, "'omdb' or 'resend'"),
            ({"target": "omdb", "fault": "rate_limit"}, "server_error, slow"),
            ({"target": "resend", "fault": "slow"}, "server_error, rate_limit"),
        ],
    )
    async def test_unknown_target_or_fault_is_422_naming_allowed_values(
        self, client: httpx.AsyncClient, body: dict[str, str], named: str
    ) -> None:
        """
        An unknown target or fault is refused with the allowed values listed.
        """
        response = await client.post("/api/faults", json=body)

        assert response.status_code == 422
        assert named in response.text
        assert (await client.get("/api/faults")).json() == []

    async def test_count_below_one_is_422(self, client: httpx.AsyncClient) -> None:
        """
        A fault must apply to at least one request.
        """
        response = await queue(client, target="omdb", fault="limit", count=0)

        assert response.status_code == 422

    async def test_applied_fault_is_logged(self, client: httpx.AsyncClient) -> None:
        """
        Each use of a fault logs `fault_applied` with what is left.
        """
        await queue(client, target="omdb", fault="limit", count=2)

        with capture_logs() as logs:
            await lookup(client)

        [event] = [log for log in logs if log["event"] == "fault_applied"]
        assert (event["target"], event["fault"], event["remaining"]) == (
            "omdb",
            "limit",
            1,
        )
