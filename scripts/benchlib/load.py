"""
Load generators: a closed loop at a fixed concurrency, and a steady rate.

Latencies are measured around the whole request (connect, send, full answer)
with a monotonic clock; `sent_at` is wall-clock time, comparable with the
sandbox's `received_at` stamps because containers share the host's clock.
"""

import asyncio
import itertools
import time
import urllib.parse
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import httpx

# One request: given its index, send it and return the HTTP status.
Request = Callable[[int], Awaitable[int]]


@dataclass
class Round:
    """
    What one batch of requests did.
    """

    label: str
    requests: int
    elapsed_seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)

    @property
    def per_second(self) -> float:
        """
        Completed requests per second of the round's wall time.
        """
        return (
            len(self.latencies_ms) / self.elapsed_seconds if self.elapsed_seconds else 0
        )

    def count(self, *statuses: int) -> int:
        """
        How many requests were answered with one of the given statuses.
        """
        return sum(self.statuses[str(status)] for status in statuses)


async def closed_loop(
    label: str, request: Request, *, count: int, concurrency: int
) -> Round:
    """
    Send count requests from `concurrency` workers, each starting its next
    request as soon as its previous one is answered.
    """
    result = Round(label, count)
    indexes = iter(range(count))

    async def worker() -> None:
        # The iterator is shared: each index is taken by exactly one worker.
        for index in indexes:
            await _timed(request, index, result)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.elapsed_seconds = time.perf_counter() - started
    return result


async def raw_flood(
    label: str,
    url: str,
    bodies: Sequence[tuple[bytes, str]],
    *,
    concurrency: int,
    per_second: float | None,
    stop: asyncio.Event,
) -> Round:
    """
    POST the bodies in turn over `concurrency` keep-alive connections until
    stop is set: back to back, or at most per_second in all when given.

    Raw HTTP/1.1 over asyncio streams costs the sender a fraction of what an
    HTTP client does, so the flood loads the server, not this process.
    """
    target = urllib.parse.urlsplit(url)
    host, port = target.hostname or "127.0.0.1", target.port or 80
    wires = [_wire(target.path, host, body, kind) for body, kind in bodies]
    result = Round(label, 0)
    counter = itertools.count()
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while not stop.is_set():
                index = next(counter)
                if per_second:
                    await asyncio.sleep(
                        max(0.0, start + index / per_second - loop.time())
                    )
                began = time.perf_counter()
                writer.write(wires[index % len(wires)])
                status = await _read_answer(reader)
                result.latencies_ms.append((time.perf_counter() - began) * 1000)
                result.statuses[status] += 1
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.elapsed_seconds = time.perf_counter() - began
    result.requests = len(result.latencies_ms)
    return result


def _wire(path: str, host: str, body: bytes, content_type: str) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _read_answer(reader: asyncio.StreamReader) -> str:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return lines[0].split(" ", 2)[1]


@dataclass(frozen=True)
class Sent:
    """
    One request of a steady-rate run: when it left, how it was answered.
    """

    index: int
    sent_at: float
    status: str
    latency_ms: float


async def steady_rate(request: Request, *, count: int, per_second: float) -> list[Sent]:
    """
    Start count requests at a steady rate, not waiting for earlier answers.
    """
    loop = asyncio.get_running_loop()
    start = loop.time()
    tasks = []
    for index in range(count):
        delay = start + index / per_second - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(_sent(request, index)))
    return list(await asyncio.gather(*tasks))


async def _timed(request: Request, index: int, result: Round) -> None:
    started = time.perf_counter()
    status = await _status(request, index)
    result.latencies_ms.append((time.perf_counter() - started) * 1000)
    result.statuses[status] += 1


async def _sent(request: Request, index: int) -> Sent:
    sent_at = time.time()
    started = time.perf_counter()
    status = await _status(request, index)
    return Sent(index, sent_at, status, (time.perf_counter() - started) * 1000)


async def _status(request: Request, index: int) -> str:
    try:
        return str(await request(index))
    except httpx.HTTPError as exc:
        # A failed request is counted under its error's name, not raised:
        # one refused connection must not end a whole measurement.
        return type(exc).__name__


def client(concurrency: int, *, timeout: float = 30.0) -> httpx.AsyncClient:
    """
    One keep-alive client, with a pool as large as the concurrency it serves.
    """
    limits = httpx.Limits(
        max_connections=concurrency, max_keepalive_connections=concurrency
    )
    return httpx.AsyncClient(limits=limits, timeout=timeout)
