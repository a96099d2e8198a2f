"""
One Idempotency-Key, one event id.

Inngest's event API answers a new internal id for every send, even when the
event `id` repeats: it drops the duplicate run, not the id. So the gateway keeps
`meadow:idempotency:<sha256 of the key>` -> the id Inngest answered, for 24 h,
and answers a retried request with that id without sending again.

A request claims its key (SET NX of a `pending` marker) before sending, and a
concurrent request with the same key waits for the winner's id instead of
sending too: two sends would give two internal ids while the run lands on only
one of them, whichever Inngest takes first, and the other would never show a
run on the status route.

With Redis down the event is still sent (its `id` still makes Inngest run it
once), so only the stable id is lost.
"""

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import redis.asyncio as redis
import structlog
from redis.exceptions import RedisError

from .redis_store import get_text

KEY_PREFIX = "meadow:idempotency:"
KEY_TTL_SECONDS = 24 * 3600
PENDING = "pending"
# Longer than the SDK's worst case for one send (5 attempts and their backoff),
# so a claim outlives its sender but not a crashed gateway by much.
CLAIM_TTL_SECONDS = 60
_POLL_SECONDS = 0.05

log = structlog.get_logger(__name__)


def scoped_event_id(key: str, api_key: str | None) -> str:
    """
    The event id for an Idempotency-Key, scoped to the client's API key if any.

    Inngest de-duplicates runs by event id across all senders, so two clients
    that happen to pick the same key must not share an id.
    """
    if api_key is None:
        return key
    scope = hashlib.sha256(api_key.encode()).hexdigest()[:16]
    return f"{scope}:{key}"


def redis_key(event_id: str) -> str:
    """
    The Redis key holding the id Inngest answered for this event id.
    """
    return KEY_PREFIX + hashlib.sha256(event_id.encode()).hexdigest()


class KeyInUse(Exception):
    """
    Another request with the same key is still sending its event.
    """


@dataclass(frozen=True)
class Outcome:
    """
    The id to answer, and whether it was stored before (no event was sent).
    """

    event_id: str
    replayed: bool


class Idempotency:
    """
    Sends an event at most once per key while Redis remembers the key.
    """

    def __init__(self, client: redis.Redis, *, wait_seconds: float) -> None:
        self._client = client
        self._wait_seconds = wait_seconds

    async def send_once(
        self, event_id: str, send: Callable[[], Awaitable[str]]
    ) -> Outcome:
        """
        Answer the stored id for event_id, or send and store Inngest's answer.

        Raises KeyInUse when a concurrent request holds the key for longer than
        the wait; exceptions from send propagate and release the claim.
        """
        key = redis_key(event_id)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._wait_seconds
        while True:
            try:
                if await self._client.set(key, PENDING, nx=True, ex=CLAIM_TTL_SECONDS):
                    return Outcome(await self._send_and_store(key, send), False)
                stored = await get_text(self._client, key)
            except RedisError as exc:
                log.warning("idempotency_unavailable", error=_describe(exc))
                return Outcome(await send(), False)

            if stored is not None and stored != PENDING:
                return Outcome(stored, True)
            if loop.time() >= deadline:
                raise KeyInUse(event_id)
            await asyncio.sleep(_POLL_SECONDS)

    async def _send_and_store(
        self, key: str, send: Callable[[], Awaitable[str]]
    ) -> str:
        try:
            inngest_id = await send()
        except BaseException:
            await self._release(key)
            raise

        try:
            await self._client.set(key, inngest_id, ex=KEY_TTL_SECONDS)
        except RedisError as exc:
            log.warning("idempotency_store_failed", error=_describe(exc))
        return inngest_id

    async def _release(self, key: str) -> None:
        # Only our own marker: the key is not stored when the send failed.
        try:
            if await get_text(self._client, key) == PENDING:
                await self._client.delete(key)
        except RedisError as exc:
            log.warning("idempotency_release_failed", error=_describe(exc))


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"
