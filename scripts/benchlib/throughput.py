"""
Closed-loop throughput: gateway against direct, and valid requests under a
flood of malformed ones. Both alternate their two sides round by round, and
each round starts once the dev server has stored the events of the one before
(Bench.settle).
"""

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from functools import partial
from typing import Any

import httpx

from . import load
from .analysis import SIDES, summary
from .context import TITLES, Bench
from .devserver import DevServerApps, DevServerError
from .stack import cpu_used

# Bodies the gateway must refuse (422, or 415 for the wrong type) unsent.
MALFORMED = (
    (b'{"movie_title": "Alien", "recipient_email": ', "application/json"),
    (b"", "application/json"),
    (b'{"movie_title": "Alien"}', "application/json"),
    (b'{"movie_title": "Alien", "recipient_email": "nobody"}', "application/json"),
    (b"[1, 2, 3]", "application/json"),
    (b'{"movie_title": "Alien", "recipient_email": "a@example.com"}', "text/plain"),
)


class Drains:
    """
    Waits after each round for its plot emails, so every round starts on an
    idle stack instead of sharing the CPU with the runs of the round before.
    """

    def __init__(self, bench: Bench, emails: int) -> None:
        self._bench = bench
        self._expected = emails
        self._waits: list[dict[str, Any]] = []

    async def wait(self, accepted: int, whose: str) -> float:
        """
        Wait for accepted more emails; return the seconds waited.
        """
        self._expected += accepted
        what = f"{whose} {accepted} plot emails"
        drain = await self._bench.drain(self._expected, what)
        self._waits.append(drain)
        return float(drain["seconds"])

    def summary(self) -> dict[str, Any]:
        """
        All the waits as one: what was waited for, how long in all, complete or not.
        """
        return {
            "waited_for": "each round's plot emails before the next round",
            "emails_expected": self._expected,
            "emails_seen": self._waits[-1]["emails_seen"] if self._waits else None,
            "seconds": round(sum(wait["seconds"] for wait in self._waits), 1),
            "complete": all(wait["complete"] for wait in self._waits),
        }


def alternating(rounds: int, *sides: str) -> list[str]:
    """
    The sides in turn, then in reverse, and so on (G D D G G D for two): each
    side is as often early as late, so whatever drifts through a section (the
    dev server's growing store, the machine's speed) weighs on all alike.
    """
    turns = [sides if n % 2 == 0 else sides[::-1] for n in range(rounds)]
    return [side for turn in turns for side in turn]


Rounds = Callable[[Bench, Drains | None], Awaitable[dict[str, Any]]]


async def gateway_vs_direct(bench: Bench) -> dict[str, Any]:
    """
    Requests/s and latency through the gateway and straight to Inngest.
    """
    return await _without_runs(bench, _gateway_vs_direct)


async def malformed_bodies(bench: Bench) -> dict[str, Any]:
    """
    Valid requests/s through the gateway alone, and while malformed bodies
    arrive over as many other connections, at --malformed-rate or back to back.
    """
    return await _without_runs(bench, _malformed_bodies)


async def _without_runs(bench: Bench, rounds: Rounds) -> dict[str, Any]:
    """
    The rounds with the functions unsynced (see devserver.py); where the
    server refuses, with them running and each round's emails waited for.
    """
    async with httpx.AsyncClient(timeout=30) as http:
        apps = DevServerApps(http, bench.urls.inngest)
        try:
            unsynced = await apps.unsync_all()
        except DevServerError as exc:
            bench.progress(
                f"functions left synced ({exc}): each round's runs are waited for"
            )
            drains = Drains(bench, len(await bench.sandbox.emails()))
            section = await rounds(bench, drains)
            return section | {"functions": "running", "drain": drains.summary()}
        bench.progress(f"unsynced {', '.join(unsynced)}: events are stored, none runs")
        try:
            section = await rounds(bench, None)
        finally:
            # Events still queued in the dev server would run once synced.
            await bench.settle()
            for url in unsynced:
                await apps.sync(url)
            bench.progress(f"synced {', '.join(unsynced)} again")
    return section | {"functions": "unsynced"}


async def _gateway_vs_direct(bench: Bench, drains: Drains | None) -> dict[str, Any]:
    options = bench.options
    compared = dict(bench.urls.compared)
    gateway, direct = SIDES
    order = alternating(options.rounds, gateway, *compared, direct)
    # Recipient tags: g1, d2, ... for the two sides, c<k>1, ... for compared ones.
    tags = {gateway: "g", direct: "d"} | {
        name: f"c{number}" for number, name in enumerate(compared, start=1)
    }
    rounds: list[dict[str, Any]] = []
    async with AsyncExitStack() as stack:
        clients = {
            side: await stack.enter_async_context(load.client(options.concurrency))
            for side in tags
        }
        senders = {
            gateway: (partial(bench.post_gateway, clients[gateway]), 202),
            direct: (partial(bench.post_direct, clients[direct]), 200),
        } | {
            name: (partial(bench.post_gateway, clients[name], gateway=url), 202)
            for name, url in compared.items()
        }
        for side, (send, ok) in senders.items():
            # Opens the pool's connections, so no round pays for connecting.
            warm = await load.closed_loop(
                "warm-up",
                partial(send, f"w{tags[side]}", TITLES[0]),
                count=options.concurrency,
                concurrency=options.concurrency,
            )
            if drains is not None:
                await drains.wait(warm.count(ok), f"the {side} warm-up's")

        for number, side in enumerate(order, start=1):
            send, ok = senders[side]
            settled = await bench.settle()
            run = load.closed_loop(
                side,
                partial(send, f"{tags[side]}{number}", TITLES[0]),
                count=options.requests,
                concurrency=options.concurrency,
            )
            result, cpu = await _with_cpu(bench, run)
            _progress_round(bench, number, len(order), result, ok)
            record = _record(number, result, ok, cpu) | {"settle_seconds": settled}
            if drains is not None:
                record["drain_seconds"] = await drains.wait(
                    result.count(ok), f"round {number}'s"
                )
            rounds.append(record)

    return {"order": order, "rounds": rounds}


async def _malformed_bodies(bench: Bench, drains: Drains | None) -> dict[str, Any]:
    options = bench.options
    order = alternating(options.malformed_rounds, "valid only", "with malformed")
    rounds: list[dict[str, Any]] = []
    async with load.client(options.concurrency) as valid:
        for number, side in enumerate(order, start=1):
            settled = await bench.settle()
            send = partial(bench.post_gateway, valid, f"m{number}", TITLES[0])
            run = load.closed_loop(
                side,
                send,
                count=options.malformed_requests,
                concurrency=options.concurrency,
            )
            if side == "valid only":
                result, cpu = await _with_cpu(bench, run)
                flood = None
            else:
                result, flood, cpu = await _flooded(bench, run)
            _progress_round(bench, number, len(order), result, 202, flood)
            record = _record(number, result, 202, cpu) | {"settle_seconds": settled}
            if flood is not None:
                record["malformed"] = _flood_record(flood)
            if drains is not None:
                record["drain_seconds"] = await drains.wait(
                    result.count(202), f"round {number}'s"
                )
            rounds.append(record)

    return {"order": order, "rounds": rounds}


async def _flooded(
    bench: Bench, run: Awaitable[load.Round]
) -> tuple[load.Round, load.Round, dict[str, float]]:
    stop = asyncio.Event()
    rate = bench.options.malformed_rate
    flood_task = asyncio.create_task(
        load.raw_flood(
            "malformed",
            f"{bench.urls.gateway}/v1/movie-watched",
            MALFORMED,
            concurrency=bench.options.concurrency,
            per_second=rate or None,
            stop=stop,
        )
    )
    try:
        result, cpu = await _with_cpu(bench, run)
    finally:
        stop.set()
    return result, await flood_task, cpu


async def _with_cpu(
    bench: Bench, run: Awaitable[load.Round]
) -> tuple[load.Round, dict[str, float]]:
    before = bench.cpu.read() if bench.cpu else None
    result = await run
    if bench.cpu is None or before is None:
        return result, {}
    return result, cpu_used(before, bench.cpu.read())


def _record(
    number: int, result: load.Round, ok: int, cpu: dict[str, float]
) -> dict[str, Any]:
    return {
        "round": number,
        "side": result.label,
        "requests": result.requests,
        "accepted": result.count(ok),
        "statuses": dict(result.statuses),
        "elapsed_seconds": round(result.elapsed_seconds, 3),
        "requests_per_second": round(result.per_second, 1),
        "latencies_ms": [round(value, 2) for value in result.latencies_ms],
        "cpu_seconds": cpu,
    }


def _flood_record(flood: load.Round) -> dict[str, Any]:
    stats = summary(flood.latencies_ms)
    return {
        "requests": flood.requests,
        "requests_per_second": round(flood.per_second, 1),
        "statuses": dict(flood.statuses),
        "p50_ms": stats["p50"],
        "p99_ms": stats["p99"],
        "latencies_ms": [round(value, 2) for value in flood.latencies_ms],
    }


def _progress_round(
    bench: Bench,
    number: int,
    total: int,
    result: load.Round,
    ok: int,
    flood: load.Round | None = None,
) -> None:
    line = (
        f"round {number}/{total} {result.label}: {result.per_second:.1f} req/s, "
        f"p50 {summary(result.latencies_ms)['p50']:.0f} ms, "
        f"{result.requests - result.count(ok)} not accepted"
    )
    if flood is not None:
        line += f"; malformed {flood.per_second:.1f} req/s alongside"
    bench.progress(line)
