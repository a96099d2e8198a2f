"""
BatchingEventSender: how concurrent events share requests to Inngest.

The batch function here is a recording stand-in that each test can hold open,
so a test decides exactly which events are queued while a send is in flight.
"""

import asyncio
from dataclasses import dataclass, field

import inngest
import pytest
from structlog.testing import capture_logs

from meadow_gateway.batching import BatchingEventSender, configured_sender
from meadow_gateway.sender import EventNotAccepted
from meadow_gateway.settings import Settings


@dataclass
class RecordingBatches:
    """
    Records each batch and when it started; answers an id per event
    (`id-<recipient>`), or fails with `failure`. Holds every call until `gate`
    is set, when one is given.
    """

    batches: list[list[inngest.Event]] = field(default_factory=list)
    failure: Exception | None = None
    gate: asyncio.Event | None = None
    wrong_count: bool = False
    active: int = 0
    most_active: int = 0
    started: list[float] = field(default_factory=list)

    async def __call__(self, events: list[inngest.Event]) -> list[str]:
        self.batches.append(events)
        self.started.append(asyncio.get_running_loop().time())
        self.active += 1
        self.most_active = max(self.most_active, self.active)
        try:
            if self.gate is not None:
                await self.gate.wait()
        finally:
            self.active -= 1
        if self.failure is not None:
            raise self.failure
        ids = [f"id-{event.data['to']}" for event in events]
        return ids[1:] if self.wrong_count else ids

    def sizes(self) -> list[int]:
        return [len(batch) for batch in self.batches]


async def send(sender: BatchingEventSender, to: str, event_id: str = "") -> str:
    return await sender.send(
        event_name="test/event", data={"to": to}, event_id=event_id or None
    )


async def settle() -> None:
    # Enough loop turns for queued sends to start and finished ones to answer.
    for _ in range(5):
        await asyncio.sleep(0)


async def test_single_event_leaves_at_once_with_its_id() -> None:
    """
    An idle sender sends one event alone, with its name, data and id.
    """
    batches = RecordingBatches()
    sender = BatchingEventSender(batches)

    assert await send(sender, "a", event_id="key-1") == "id-a"

    [[event]] = batches.batches
    assert (event.name, event.data, event.id) == ("test/event", {"to": "a"}, "key-1")


async def test_events_queued_during_a_send_leave_together_in_order() -> None:
    """
    By default one send is in flight: events arriving while it is held share
    the next request, and each request gets the id of its own event.
    """
    batches = RecordingBatches(gate=asyncio.Event())
    sender = configured_sender(Settings(), batches)

    first = asyncio.create_task(send(sender, "first"))
    await settle()
    rest = [asyncio.create_task(send(sender, f"r{n}")) for n in range(5)]
    await settle()
    assert batches.sizes() == [1]

    batches.gate.set()
    answers = await asyncio.gather(first, *rest)

    assert answers == ["id-first"] + [f"id-r{n}" for n in range(5)]
    assert batches.sizes() == [1, 5]
    assert [event.data["to"] for event in batches.batches[1]] == [
        f"r{n}" for n in range(5)
    ]


async def test_sends_in_flight_are_capped_and_batches_are_capped() -> None:
    """
    No more than max_in_flight requests run at once, none with more than
    max_batch events, and every event is sent exactly once.
    """
    batches = RecordingBatches(gate=asyncio.Event())
    sender = BatchingEventSender(batches, max_batch=3, max_in_flight=2)

    tasks = [asyncio.create_task(send(sender, str(n))) for n in range(10)]
    await settle()
    assert batches.sizes() == [1, 1]

    batches.gate.set()
    answers = await asyncio.gather(*tasks)

    assert answers == [f"id-{n}" for n in range(10)]
    assert batches.sizes() == [1, 1, 3, 3, 2]
    assert batches.most_active == 2


async def test_events_within_the_interval_wait_and_leave_together() -> None:
    """
    Events arriving less than an interval after a send started wait for the
    interval to end, then leave in one request.
    """
    batches = RecordingBatches()
    sender = BatchingEventSender(batches, interval=0.05)

    first = await send(sender, "first")
    rest = await asyncio.gather(*(send(sender, f"r{n}") for n in range(4)))

    assert (first, rest) == ("id-first", [f"id-r{n}" for n in range(4)])
    assert batches.sizes() == [1, 4]
    assert batches.started[1] - batches.started[0] >= 0.045


async def test_event_after_a_quiet_spell_leaves_at_once() -> None:
    """
    The interval delays nothing at low load: an event that finds no send
    started within it is sent straight away.
    """
    batches = RecordingBatches()
    sender = BatchingEventSender(batches, interval=0.05)
    await send(sender, "early")
    await asyncio.sleep(0.06)

    queued_at = asyncio.get_running_loop().time()
    await send(sender, "late")

    assert batches.started[1] - queued_at < 0.01


async def test_client_waiting_for_each_answer_is_never_held_by_default() -> None:
    """
    With the default settings, an event sent right after the previous one was
    answered leaves at once: a client that waits for each answer pays nothing.
    """
    batches = RecordingBatches()
    sender = configured_sender(Settings(), batches)
    loop = asyncio.get_running_loop()

    delays = []
    for n in range(5):
        queued_at = loop.time()
        await send(sender, str(n))
        delays.append(batches.started[-1] - queued_at)

    assert batches.sizes() == [1] * 5
    assert max(delays) < 0.005


async def test_full_batch_leaves_without_waiting_for_the_interval() -> None:
    """
    A full batch goes at once, however long the interval.
    """
    batches = RecordingBatches()
    sender = BatchingEventSender(batches, max_batch=3, interval=60)
    await send(sender, "first")

    answers = await asyncio.wait_for(
        asyncio.gather(*(send(sender, str(n)) for n in range(3))), timeout=1
    )

    assert answers == ["id-0", "id-1", "id-2"]
    assert batches.sizes() == [1, 3]


async def test_on_sent_sees_each_event_with_its_id_before_any_answer() -> None:
    """
    The hook gets a batch's events paired with their ids while the requests
    in it are still waiting, so what it records is there when they are answered.
    """
    batches = RecordingBatches(gate=asyncio.Event())
    seen: list[list[tuple[str, str, bool]]] = []
    tasks: dict[str, asyncio.Task[str]] = {}

    async def on_sent(sent: list[tuple[inngest.Event, str]]) -> None:
        seen.append(
            [
                (event.data["to"], event_id, tasks[event.data["to"]].done())
                for event, event_id in sent
            ]
        )

    sender = BatchingEventSender(batches, max_in_flight=1, on_sent=on_sent)
    tasks.update((to, asyncio.create_task(send(sender, to))) for to in ("a", "b", "c"))
    await settle()
    batches.gate.set()
    await asyncio.gather(*tasks.values())

    assert seen == [
        [("a", "id-a", False)],
        [("b", "id-b", False), ("c", "id-c", False)],
    ]


async def test_failing_on_sent_still_accepts_the_events() -> None:
    """
    Inngest holds the events whatever the hook does, so a hook that raises
    cannot turn them into refusals or leave their requests waiting.
    """

    async def on_sent(sent: list[tuple[inngest.Event, str]]) -> None:
        raise RuntimeError("bug in the hook")

    sender = BatchingEventSender(RecordingBatches(), on_sent=on_sent)

    with capture_logs() as logs:
        assert await send(sender, "a") == "id-a"

    assert [e["event"] for e in logs] == ["on_sent_failed"]


async def test_failed_batch_fails_every_request_in_it_and_no_other() -> None:
    """
    When a request to Inngest fails, each event in it is refused with its own
    EventNotAccepted; the next batch is sent as usual.
    """
    batches = RecordingBatches(gate=asyncio.Event())
    sender = BatchingEventSender(batches, max_in_flight=1)
    batches.failure = EventNotAccepted("send_failed", "HTTP 500")

    doomed = [asyncio.create_task(send(sender, f"d{n}")) for n in range(3)]
    await settle()
    batches.gate.set()
    outcomes = await asyncio.gather(*doomed, return_exceptions=True)
    batches.failure = None
    fine = await send(sender, "fine")

    assert all(isinstance(outcome, EventNotAccepted) for outcome in outcomes)
    assert {outcome.detail for outcome in outcomes} == {"HTTP 500"}  # type: ignore[union-attr]
    assert len({id(outcome) for outcome in outcomes}) == 3
    assert fine == "id-fine"


async def test_unexpected_error_still_answers_every_request() -> None:
    """
    A batch function that raises something other than EventNotAccepted must not
    leave requests waiting forever: they are refused as send_failed.
    """
    batches = RecordingBatches(failure=RuntimeError("boom"))
    sender = BatchingEventSender(batches)

    with pytest.raises(EventNotAccepted) as caught:
        await send(sender, "a")

    assert caught.value.reason == "send_failed"


async def test_answer_with_too_few_ids_accepts_none() -> None:
    """
    If Inngest names fewer ids than events, no request can tell which is its
    own, so none is reported accepted.
    """
    batches = RecordingBatches(gate=asyncio.Event(), wrong_count=True)
    sender = BatchingEventSender(batches, max_in_flight=1)

    tasks = [asyncio.create_task(send(sender, str(n))) for n in range(2)]
    await settle()
    batches.gate.set()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)

    assert [type(outcome) for outcome in outcomes] == [EventNotAccepted] * 2


async def test_cancelled_request_waiting_in_the_queue_is_not_sent() -> None:
    """
    A request cancelled (its client gone) before its event left never sends it:
    nobody was told that event was accepted.
    """
    batches = RecordingBatches(gate=asyncio.Event())
    sender = BatchingEventSender(batches, max_in_flight=1)

    first = asyncio.create_task(send(sender, "first"))
    await settle()
    gone = asyncio.create_task(send(sender, "gone"))
    kept = asyncio.create_task(send(sender, "kept"))
    await settle()
    gone.cancel()
    batches.gate.set()

    assert await asyncio.gather(first, kept) == ["id-first", "id-kept"]
    assert [[e.data["to"] for e in batch] for batch in batches.batches] == [
        ["first"],
        ["kept"],
    ]


async def test_close_sends_what_is_queued_then_refuses_new_events() -> None:
    """
    Closing waits until queued events have been sent; events after it are
    refused, not silently dropped.
    """
    batches = RecordingBatches(gate=asyncio.Event())
    sender = BatchingEventSender(batches, max_in_flight=1)
    tasks = [asyncio.create_task(send(sender, str(n))) for n in range(3)]
    await settle()

    closing = asyncio.create_task(sender.aclose())
    await settle()
    assert not closing.done()
    batches.gate.set()
    await closing

    assert await asyncio.gather(*tasks) == ["id-0", "id-1", "id-2"]
    with pytest.raises(EventNotAccepted) as caught:
        await send(sender, "late")
    assert caught.value.reason == "shutting_down"


async def test_close_sends_events_waiting_for_the_interval_at_once() -> None:
    """
    Closing does not sit out the interval: nothing more will come to join them.
    """
    batches = RecordingBatches()
    sender = BatchingEventSender(batches, interval=60)
    await send(sender, "first")
    waiting = [asyncio.create_task(send(sender, str(n))) for n in range(2)]
    await settle()
    assert batches.sizes() == [1]

    await asyncio.wait_for(sender.aclose(), timeout=1)

    assert await asyncio.gather(*waiting) == ["id-0", "id-1"]
    assert batches.sizes() == [1, 2]


def test_limits_below_one_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        BatchingEventSender(RecordingBatches(), max_in_flight=0)
    with pytest.raises(ValueError, match="negative"):
        BatchingEventSender(RecordingBatches(), interval=-1)
