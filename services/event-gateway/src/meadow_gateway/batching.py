"""
Sending the events of concurrent requests to Inngest together.

Each `Inngest.send` costs the gateway 0.6 to 1 ms of CPU whether it carries
one event or three (the SDK and its HTTP request, sender.py), and the Redis
record of a batch 0.2 to 0.3 ms more, on the 2-core machine scripts/bench
runs on. The dev server is no cheaper per event in a batch: it answers sooner
but stores each event later. So an event that finds `max_in_flight` sends under
way (one, by default) waits for one to end, and the next send takes every event
queued meanwhile: the busier the gateway, the larger the batches, and nothing
waits at low load.

An `interval` can also space the starts of sends while events keep coming. It
is off by default: a client that waits for each answer would wait for it on
every request. A full batch leaves at once either way.
"""

import asyncio
import math
from collections import deque
from collections.abc import Awaitable, Callable

import inngest
import structlog

from .sender import EventNotAccepted, JsonData
from .settings import Settings

SendBatch = Callable[[list[inngest.Event]], Awaitable[list[str]]]
# Called with each batch Inngest took, paired with the ids it answered, before
# any request in it is answered.
OnSent = Callable[[list[tuple[inngest.Event, str]]], Awaitable[None]]
# An event waiting to leave, and the future its request awaits.
Pending = tuple[inngest.Event, asyncio.Future[str]]

# Inngest Cloud refuses event requests over 256 KB (its free plan's limit); a
# movie-watched event is at most about 2 KB, so 50 stay well under it.
MAX_BATCH = 50

log = structlog.get_logger(__name__)


class BatchingEventSender:
    """
    EventSender that groups events into `send_batch` calls, in arrival order.

    Calls start at least `interval` seconds apart unless `max_batch` events are
    waiting, with up to `max_batch` events each and at most `max_in_flight`
    under way. If a call fails, every request whose event was in it gets the
    same EventNotAccepted, so none of them reports an event as accepted.
    """

    def __init__(
        self,
        send_batch: SendBatch,
        *,
        max_batch: int = MAX_BATCH,
        max_in_flight: int = 1,
        interval: float = 0.0,
        on_sent: OnSent | None = None,
    ) -> None:
        if max_batch < 1 or max_in_flight < 1:
            msg = "max_batch and max_in_flight must be at least 1"
            raise ValueError(msg)
        if interval < 0:
            msg = "interval must not be negative"
            raise ValueError(msg)
        self._send_batch = send_batch
        self._max_batch = max_batch
        self._max_in_flight = max_in_flight
        self._interval = interval
        self._on_sent = on_sent
        self._queue: deque[Pending] = deque()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._last_start = -math.inf
        self._timer: asyncio.TimerHandle | None = None
        self._closed = False

    async def send(
        self, *, event_name: str, data: JsonData, event_id: str | None
    ) -> str:
        """
        Queue one event and wait for its batch; return the id Inngest gave it.
        """
        if self._closed:
            raise EventNotAccepted("shutting_down", "the gateway is shutting down")
        event = inngest.Event(name=event_name, data=data, id=event_id or "")
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._queue.append((event, future))
        self._start_sends()
        # A cancelled request cancels its future, and a cancelled event that
        # has not left yet is dropped: its client was never told it was taken.
        return await future

    async def aclose(self) -> None:
        """
        Refuse new events, and return once every queued event has been sent.
        """
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._start_sends()
        while self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)

    def _start_sends(self) -> None:
        loop = asyncio.get_running_loop()
        while self._queue and len(self._in_flight) < self._max_in_flight:
            wait = self._last_start + self._interval - loop.time()
            # Closing sends at once: nothing is left to come for a batch.
            if wait > 0 and len(self._queue) < self._max_batch and not self._closed:
                if self._timer is None:
                    self._timer = loop.call_later(wait, self._interval_over)
                return
            batch = self._take_batch()
            if not batch:
                return
            self._last_start = loop.time()
            task = asyncio.create_task(self._send(batch))
            self._in_flight.add(task)
            task.add_done_callback(self._sent)

    def _interval_over(self) -> None:
        self._timer = None
        self._start_sends()

    def _take_batch(self) -> list[Pending]:
        batch: list[Pending] = []
        while self._queue and len(batch) < self._max_batch:
            event, future = self._queue.popleft()
            if not future.done():
                batch.append((event, future))
        return batch

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._start_sends()

    async def _send(self, batch: list[Pending]) -> None:
        try:
            ids = await self._send_batch([event for event, _ in batch])
        except EventNotAccepted as exc:
            _settle(batch, exc)
            return
        except Exception as exc:  # noqa: BLE001 - every request must get an answer
            _settle(batch, EventNotAccepted("send_failed", f"{type(exc).__name__}"))
            return
        if len(ids) != len(batch):
            detail = f"Inngest answered {len(ids)} ids for {len(batch)} events"
            _settle(batch, EventNotAccepted("no_event_id", detail))
            return
        if self._on_sent is not None:
            sent = [(event, id_) for (event, _), id_ in zip(batch, ids, strict=True)]
            try:
                await self._on_sent(sent)
            except Exception:
                # Inngest holds the events, so their requests are still accepted.
                log.exception("on_sent_failed", events=len(sent))
        for (_, future), event_id in zip(batch, ids, strict=True):
            if not future.done():
                future.set_result(event_id)


def configured_sender(
    settings: Settings, send_batch: SendBatch, *, on_sent: OnSent | None = None
) -> BatchingEventSender:
    """
    A BatchingEventSender with the sends in flight and interval the settings give.
    """
    return BatchingEventSender(
        send_batch,
        max_in_flight=settings.event_sends_in_flight,
        interval=settings.event_send_interval_ms / 1000,
        on_sent=on_sent,
    )


def _settle(batch: list[Pending], error: EventNotAccepted) -> None:
    for _, future in batch:
        if not future.done():
            # One instance each: a shared one would gather every request's traceback.
            future.set_exception(EventNotAccepted(error.reason, error.detail))
