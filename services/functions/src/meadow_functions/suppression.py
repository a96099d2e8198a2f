"""
Addresses that must get no more emails (bounces, complaints, opt-outs).

They live in the Redis set `meadow:suppressed`, lower-cased and trimmed, so
every service that shares the Redis instance agrees on who is suppressed.
"""

import redis.asyncio as redis
import structlog

from meadow_functions.cache import REDIS_ERRORS
from meadow_functions.logs import mask_email

SUPPRESSED_KEY = "meadow:suppressed"

log = structlog.get_logger(__name__)


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


async def check_suppression(client: redis.Redis, address: str) -> bool:
    """
    Whether mail to this address must be skipped, logging a skip; a Redis
    outage counts as not suppressed, so it does not stop the mail.
    """
    try:
        suppressed = await is_suppressed(client, address)
    except REDIS_ERRORS as exc:
        log.warning(
            "suppression_unavailable",
            recipient=mask_email(address),
            error=f"{type(exc).__name__}: {exc}",
        )
        return False

    if suppressed:
        log.info("email_skipped", recipient=mask_email(address))
    return suppressed
