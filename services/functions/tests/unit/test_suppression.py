from meadow_functions.suppression import (
    SUPPRESSED_KEY,
    is_suppressed,
    suppress,
    unsuppress,
)


class TestSuppression:
    async def test_suppressed_address_is_reported(self, redis_client):
        """
        An address added to the set is suppressed; others are not.
        """
        await suppress(redis_client, "jane@example.com")

        assert await is_suppressed(redis_client, "jane@example.com")
        assert not await is_suppressed(redis_client, "john@example.com")

    async def test_addresses_are_stored_lower_cased_and_trimmed(self, redis_client):
        """
        Case and surrounding spaces do not matter, in the set or in a check.
        """
        await suppress(redis_client, "  Jane@Example.COM ")

        assert await redis_client.smembers(SUPPRESSED_KEY) == {"jane@example.com"}
        assert await is_suppressed(redis_client, "JANE@example.com")

    async def test_add_and_remove_report_whether_anything_changed(self, redis_client):
        """
        Adding twice or removing an absent address returns False.
        """
        assert await suppress(redis_client, "jane@example.com")
        assert not await suppress(redis_client, "JANE@example.com")

        assert await unsuppress(redis_client, "Jane@example.com")
        assert not await unsuppress(redis_client, "jane@example.com")
        assert not await is_suppressed(redis_client, "jane@example.com")
