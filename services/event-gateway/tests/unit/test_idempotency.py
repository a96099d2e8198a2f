"""Idempotency-Key: one key, one send, one event id, kept in a real Redis."""

import asyncio
import hashlib
from collections.abc import Callable
from typing import Any

import pytest
import redis.asyncio as redis
from structlog.contextvars import merge_contextvars
from structlog.testing import capture_logs

from meadow_gateway.idempotency import scoped_event_id
from meadow_gateway.sender import EventNotAccepted

URL = "/v1/movie-watched"
VALID = {"movie_title": "Alien", "recipient_email": "jane@example.com"}


def idempotency_key(event_id: str) -> str:
    """
    The Redis key the gateway keeps for an event id (the brief's format).
    """
    return "meadow:idempotency:" + hashlib.sha256(event_id.encode()).hexdigest()


async def wait_for_calls(sender: Any, count: int) -> None:
    """
    Let other tasks run until the sender has been called count times.
    """
    for _ in range(200):
        if len(sender.calls) >= count:
            return
        await asyncio.sleep(0.01)
    msg = f"the sender was called {len(sender.calls)} times, not {count}"
    raise AssertionError(msg)


@pytest.fixture(autouse=True)
def _new_id_per_send(sender: Any) -> None:
    """
    Like Inngest, answer a new id for every send, repeated event id or not.
    """
    sender.unique_ids = True


class TestRepeatedKey:
    async def test_repeated_key_answers_the_first_id_without_sending(
        self, client: Any, sender: Any
    ) -> None:
        """
        A second request with the same key gets the first id; nothing is sent.
        """
        headers = {"Idempotency-Key": "order-42"}

        first = await client.post(URL, json=VALID, headers=headers)
        second = await client.post(URL, json=VALID, headers=headers)

        assert (first.status_code, second.status_code) == (202, 202)
        assert second.json() == first.json()
        assert [call.event_id for call in sender.calls] == ["order-42"]

    async def test_different_keys_send_different_events(
        self, client: Any, sender: Any
    ) -> None:
        """
        Keys are independent: each new key sends its own event.
        """
        one = await client.post(URL, json=VALID, headers={"Idempotency-Key": "a"})
        two = await client.post(URL, json=VALID, headers={"Idempotency-Key": "b"})

        assert one.json()["event_id"] != two.json()["event_id"]
        assert [call.event_id for call in sender.calls] == ["a", "b"]

    async def test_requests_without_a_key_always_send(
        self, client: Any, sender: Any
    ) -> None:
        """
        Without Idempotency-Key every request is a new event.
        """
        await client.post(URL, json=VALID)
        await client.post(URL, json=VALID)

        assert len(sender.calls) == 2

    async def test_key_is_stored_hashed_for_24_hours(
        self, client: Any, redis_client: redis.Redis
    ) -> None:
        """
        Redis holds sha256(key) -> Inngest's id, expiring after a day.
        """
        response = await client.post(
            URL, json=VALID, headers={"Idempotency-Key": "order-42"}
        )

        stored_key = idempotency_key("order-42")
        assert await redis_client.get(stored_key) == response.json()["event_id"]
        assert 86390 < await redis_client.ttl(stored_key) <= 86400
        assert await redis_client.keys("*order-42*") == []

    async def test_replay_is_logged_as_such(self, client: Any) -> None:
        """
        The first request's access line says event_accepted, a replay's
        event_replayed, both with the same event id.
        """
        headers = {"Idempotency-Key": "order-42"}

        with capture_logs(processors=[merge_contextvars]) as logs:
            await client.post(URL, json=VALID, headers=headers)
            await client.post(URL, json=VALID, headers=headers)

        first, replay = [e for e in logs if e["event"] == "request_finished"]
        assert (first["outcome"], replay["outcome"]) == (
            "event_accepted",
            "event_replayed",
        )
        assert replay["event_id"] == first["event_id"]


class TestConcurrentRequests:
    async def test_concurrent_same_key_requests_share_one_send_and_one_id(
        self, client: Any, sender: Any
    ) -> None:
        """
        While the first request is sending, a second with the same key waits
        and answers the first one's id instead of sending a second event.
        """
        sender.gate = asyncio.Event()
        headers = {"Idempotency-Key": "order-42"}

        async def open_gate_once_both_wait() -> None:
            await wait_for_calls(sender, 1)
            await asyncio.sleep(0.2)
            assert sender.gate is not None
            sender.gate.set()

        first, second, _ = await asyncio.gather(
            client.post(URL, json=VALID, headers=headers),
            client.post(URL, json=VALID, headers=headers),
            open_gate_once_both_wait(),
        )

        assert (first.status_code, second.status_code) == (202, 202)
        assert first.json()["event_id"] == second.json()["event_id"]
        assert len(sender.calls) == 1

    async def test_key_held_past_the_wait_is_409_with_retry_after(
        self, make_client: Callable[..., Any], sender: Any
    ) -> None:
        """
        A same-key request that cannot get the first one's id in time is told to
        retry (409, Retry-After) and sends nothing; the first still succeeds.
        """
        client = await make_client(idempotency_wait_seconds=0.2, retry_after_seconds=3)
        sender.gate = asyncio.Event()
        headers = {"Idempotency-Key": "order-42"}

        first = asyncio.create_task(client.post(URL, json=VALID, headers=headers))
        await wait_for_calls(sender, 1)
        second = await client.post(URL, json=VALID, headers=headers)
        sender.gate.set()

        assert second.status_code == 409
        assert second.headers["Retry-After"] == "3"
        assert second.json()["error"] == "idempotency_key_in_use"
        assert (await first).status_code == 202
        assert len(sender.calls) == 1


class TestFailures:
    async def test_failed_send_frees_the_key_for_a_retry(
        self, client: Any, sender: Any
    ) -> None:
        """
        When Inngest refuses the event, a retry with the same key sends again
        and its id becomes the key's id.
        """
        headers = {"Idempotency-Key": "order-42"}
        sender.failure = EventNotAccepted("send_failed", "ConnectError")
        refused = await client.post(URL, json=VALID, headers=headers)
        sender.failure = None

        retried = await client.post(URL, json=VALID, headers=headers)
        repeated = await client.post(URL, json=VALID, headers=headers)

        assert (refused.status_code, retried.status_code) == (503, 202)
        assert repeated.json()["event_id"] == retried.json()["event_id"]
        assert len(sender.calls) == 2

    async def test_redis_down_still_sends_with_the_key_as_id(
        self, make_client: Callable[..., Any], sender: Any, unreachable_redis_url: str
    ) -> None:
        """
        Without Redis the event is still sent, with the key as its id so that
        Inngest runs it once, and the lost idempotency store is a warning.
        """
        client = await make_client(redis_url=unreachable_redis_url)

        with capture_logs() as logs:
            response = await client.post(
                URL, json=VALID, headers={"Idempotency-Key": "order-42"}
            )

        assert response.status_code == 202
        assert [call.event_id for call in sender.calls] == ["order-42"]
        warnings = {e["event"] for e in logs if e["log_level"] == "warning"}
        assert {"idempotency_unavailable", "event_record_failed"} <= warnings


class TestScopedByApiKey:
    KEYS = "client-a-key,client-b-key"

    async def test_two_clients_with_the_same_key_do_not_collide(
        self, make_client: Callable[..., Any], sender: Any
    ) -> None:
        """
        With bearer keys on, the same Idempotency-Key from two clients makes two
        events with distinct ids, so neither is dropped as the other's repeat.
        """
        client = await make_client(gateway_api_keys=self.KEYS)

        answers = [
            await client.post(
                URL,
                json=VALID,
                headers={"Idempotency-Key": "order-1", "Authorization": f"Bearer {k}"},
            )
            for k in ("client-a-key", "client-b-key", "client-a-key")
        ]

        assert [a.status_code for a in answers] == [202, 202, 202]
        ids = [a.json()["event_id"] for a in answers]
        assert ids[0] != ids[1]
        assert ids[2] == ids[0]
        sent_ids = [call.event_id for call in sender.calls]
        assert sent_ids == [
            scoped_event_id("order-1", "client-a-key"),
            scoped_event_id("order-1", "client-b-key"),
        ]
        assert len(set(sent_ids)) == 2
        assert all(
            sent.endswith(":order-1") and "client" not in sent for sent in sent_ids
        )

    def test_without_auth_the_key_is_the_event_id(self) -> None:
        """
        An open gateway sends the key unchanged.
        """
        assert scoped_event_id("order-1", None) == "order-1"


class TestAcceptedRecord:
    async def test_accepted_event_is_recorded_for_seven_days(
        self, client: Any, redis_client: redis.Redis
    ) -> None:
        """
        meadow:event:<id> holds the ISO acceptance time for 7 days.
        """
        response = await client.post(URL, json=VALID)

        key = f"meadow:event:{response.json()['event_id']}"
        accepted_at = await redis_client.get(key)
        assert isinstance(accepted_at, str)
        assert accepted_at.endswith("+00:00")
        assert 7 * 86400 - 10 < await redis_client.ttl(key) <= 7 * 86400

    async def test_refused_event_is_not_recorded(
        self, client: Any, sender: Any, redis_client: redis.Redis
    ) -> None:
        """
        An event Inngest did not take leaves no record behind.
        """
        sender.failure = EventNotAccepted("send_failed", "ConnectError")

        assert (await client.post(URL, json=VALID)).status_code == 503
        assert await redis_client.keys("meadow:event:*") == []
