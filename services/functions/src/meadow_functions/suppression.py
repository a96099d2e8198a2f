"""
Addresses that must get no more plot emails (bounces, complaints, opt-outs).

They live in the Redis set `meadow:suppressed`, lower-cased and trimmed, so
every service that shares the Redis instance agrees on who is suppressed.
"""

import redis.asyncio as redis

SUPPRESSED_KEY = "meadow:suppressed"


def normalise_address(address: str) -> str:
    """
    The form an address takes in the suppression set.
    """
    return address.strip().lower()


async def suppress(client: redis.Redis, address: str) -> bool:
    """
    Add an address to the set; True if it was not there yet.
    """
    added: int = await client.sadd(SUPPRESSED_KEY, normalise_address(address))
    return added == 1


async def unsuppress(client: redis.Redis, address: str) -> bool:
    """
    Remove an address from the set; True if it was there.
    """
    removed: int = await client.srem(SUPPRESSED_KEY, normalise_address(address))
    return removed == 1


async def is_suppressed(client: redis.Redis, address: str) -> bool:
    """
    Whether mail to this address must be skipped.
    """
    found: int = await client.sismember(SUPPRESSED_KEY, normalise_address(address))
    return found == 1
