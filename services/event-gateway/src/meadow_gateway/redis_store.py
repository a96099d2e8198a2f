"""
What the gateway keeps in Redis, besides idempotency keys (see idempotency.py).

- `meadow:event:<event_id>`: accepted_at (ISO 8601, UTC) of every event
  accepted by POST /v1/movie-watched, kept 7 days, so the status route can tell
  an id it never accepted (404) from one whose run has not started yet.
- `meadow:suppressed`: the set of lower-cased addresses that get no more plot
  emails, shared with the function service.
"""

import datetime
from collections.abc import Sequence

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from .settings import Settings

EVENT_KEY_PREFIX = "meadow:event:"
EVENT_RECORD_TTL_SECONDS = 7 * 24 * 3600
SUPPRESSED_KEY = "meadow:suppressed"

# A Redis that is down must cost a request seconds at most, not a long backoff.
_REDIS_TIMEOUT_SECONDS = 2.0


def create_redis(settings: Settings) -> redis.Redis:
    """
    The process's Redis client; it connects lazily, on the first command.
    """
    return redis.Redis.from_url(
        settings.redis_url,
        decode_responses=True,
        socket_connect_timeout=_REDIS_TIMEOUT_SECONDS,
        socket_timeout=_REDIS_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), retries=1),
    )


def event_key(event_id: str) -> str:
    """
    The Redis key recording that the gateway accepted event_id.
    """
    return f"{EVENT_KEY_PREFIX}{event_id}"


async def record_accepted(client: redis.Redis, event_ids: Sequence[str]) -> None:
    """
    Remember for 7 days that each of event_ids was accepted, and when, in one
    round trip.
    """
    accepted_at = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    async with client.pipeline(transaction=False) as pipe:
        for event_id in event_ids:
            pipe.set(event_key(event_id), accepted_at, ex=EVENT_RECORD_TTL_SECONDS)
        await pipe.execute()


async def get_text(client: redis.Redis, key: str) -> str | None:
    """
    GET key as text (the client decodes responses; bytes are decoded anyway).
    """
    value = await client.get(key)
    return value.decode() if isinstance(value, bytes) else value


async def accepted_at(client: redis.Redis, event_id: str) -> str | None:
    """
    When event_id was accepted, or None if the gateway does not know it.
    """
    return await get_text(client, event_key(event_id))


async def unsuppress(client: redis.Redis, address: str) -> bool:
    """
    Take an address (already normalised) off the suppression set; True if it was on.
    """
    removed: int = await client.srem(SUPPRESSED_KEY, address)
    return removed == 1
