"""DELETE /v1/suppressions/{email}, against the real Redis set meadow:suppressed."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis.asyncio as redis
from structlog.testing import capture_logs

SUPPRESSED = "meadow:suppressed"


class TestRemoval:
    async def test_suppressed_address_is_removed_with_204(
        self, client: httpx.AsyncClient, redis_client: redis.Redis
    ) -> None:
        """
        An address on the list is taken off it; other addresses stay.
        """
        await redis_client.sadd(SUPPRESSED, "jane@example.com", "joe@example.com")

        response = await client.delete("/v1/suppressions/jane@example.com")

        assert response.status_code == 204
        assert response.content == b""
        assert await redis_client.smembers(SUPPRESSED) == {"joe@example.com"}

    async def test_address_case_does_not_matter(
        self, client: httpx.AsyncClient, redis_client: redis.Redis
    ) -> None:
        """
        The set holds lower-cased addresses, so any casing removes the entry.
        """
        await redis_client.sadd(SUPPRESSED, "jane.doe@example.com")

        response = await client.delete("/v1/suppressions/Jane.Doe@EXAMPLE.com")

        assert response.status_code == 204
        assert await redis_client.scard(SUPPRESSED) == 0

    async def test_address_not_on_the_list_is_404(
        self, client: httpx.AsyncClient, redis_client: redis.Redis
    ) -> None:
        """
        Removing an address that is not suppressed answers 404, changing nothing.
        """
        await redis_client.sadd(SUPPRESSED, "joe@example.com")

        response = await client.delete("/v1/suppressions/jane@example.com")

        assert response.status_code == 404
        assert response.json()["error"] == "not_suppressed"
        assert "jane@example.com" not in response.text
        assert await redis_client.smembers(SUPPRESSED) == {"joe@example.com"}

    async def test_removal_is_logged_with_a_masked_address(
        self, client: httpx.AsyncClient, redis_client: redis.Redis
    ) -> None:
        """
        suppression_removed names the address masked, never in full.
        """
        await redis_client.sadd(SUPPRESSED, "jane@example.com")

        with capture_logs() as logs:
            await client.delete("/v1/suppressions/jane@example.com")

        removed = [e for e in logs if e["event"] == "suppression_removed"]
        assert [e["recipient_email"] for e in removed] == ["j***@example.com"]
        assert "jane@example.com" not in repr(logs)


class TestRefused:
    @pytest.mark.parametrize("email", ["not-an-address", "jane@", "@example.com"])
    async def test_invalid_address_is_422(
        self, client: httpx.AsyncClient, email: str
    ) -> None:
        """
        A path that does not end in an email address is refused with 422.
        """
        response = await client.delete(f"/v1/suppressions/{email}")

        assert response.status_code == 422
        assert response.json()["problems"][0]["field"] == "email"

    async def test_missing_or_wrong_bearer_key_is_401(
        self, make_client: Callable[..., Any], redis_client: redis.Redis
    ) -> None:
        """
        With keys configured, removal needs one; a refused request changes nothing.
        """
        await redis_client.sadd(SUPPRESSED, "jane@example.com")
        client = await make_client(gateway_api_keys="k-1")
        url = "/v1/suppressions/jane@example.com"

        missing = await client.delete(url)
        wrong = await client.delete(url, headers={"Authorization": "Bearer k-2"})
        still_there = await redis_client.sismember(SUPPRESSED, "jane@example.com")
        allowed = await client.delete(url, headers={"Authorization": "Bearer k-1"})

        assert (missing.status_code, wrong.status_code) == (401, 401)
        assert still_there
        assert allowed.status_code == 204

    async def test_redis_down_is_503_with_retry_after(
        self, make_client: Callable[..., Any], unreachable_redis_url: str
    ) -> None:
        """
        Without Redis nothing can change: 503, retry later.
        """
        client = await make_client(redis_url=unreachable_redis_url)

        response = await client.delete("/v1/suppressions/jane@example.com")

        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
