"""
What every measurement shares: its sizes, the stack, and how events are posted.

Every event a measurement gets accepted starts a real run that emails through
the sandbox, so each one ends by waiting for those emails (Bench.drain): the
next then starts on an idle stack instead of competing with earlier runs.
"""

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx

from .stack import Compose, CpuMeter, Progress, Sandbox, Urls

EVENT_NAME = "meadow_api/movie.watched"
# Titles the sandbox's OMDb catalogue knows, each matching one film only.
TITLES = (
    "The Matrix",
    "Spirited Away",
    "Casablanca",
    "Alien",
    "Parasite",
    "Arrival",
    "Toy Story",
    "Jaws",
    "Heat",
    "Up",
)
# More emails than one run leaves: the stack has run a lot before.
FRESH_STACK_EMAILS = 2000
# The dev server at rest uses a few percent of a core; settled means under this.
SETTLED_SHARE = 0.1
SETTLE_WINDOW_SECONDS = 0.25
SETTLE_LIMIT_SECONDS = 10.0


@dataclass(frozen=True)
class Options:
    """
    Sizes of the measurements (see `scripts/bench --help`).
    """

    concurrency: int
    requests: int
    rounds: int
    e2e_events: int
    e2e_rate: float
    cache_events: int
    cache_titles: int
    malformed_requests: int
    malformed_rounds: int
    malformed_rate: float
    drain_timeout: float


@dataclass(frozen=True)
class Bench:
    """
    The stack, its sandbox, the sizes, and where progress lines go.
    """

    urls: Urls
    compose: Compose
    cpu: CpuMeter | None
    sandbox: Sandbox
    options: Options
    run_id: str
    progress: Progress

    def recipient(self, tag: str, index: int) -> str:
        """
        An address no other request of any run uses, so no throttle holds it.
        """
        return f"bench-{self.run_id}-{tag}-{index}@example.com"

    async def post_gateway(
        self,
        client: httpx.AsyncClient,
        tag: str,
        title: str,
        index: int,
        *,
        gateway: str | None = None,
    ) -> int:
        """
        POST one movie-watched request to the stack's gateway, or to the one at
        the given URL; return the status.
        """
        body = {"movie_title": title, "recipient_email": self.recipient(tag, index)}
        url = f"{gateway or self.urls.gateway}/v1/movie-watched"
        response = await client.post(url, json=body)
        return response.status_code

    async def post_direct(
        self, client: httpx.AsyncClient, tag: str, title: str, index: int
    ) -> int:
        """
        POST the same event straight to Inngest's event API; return the status.
        """
        data = {"movie_title": title, "recipient_email": self.recipient(tag, index)}
        response = await client.post(
            self.urls.direct_events, json={"name": EVENT_NAME, "data": data}
        )
        return response.status_code

    async def canary(self) -> str:
        """
        Send one event and wait for its email: on a stack still busy with
        earlier work the wait is long, and the first section would pay for it.
        """
        held = len(await self.sandbox.emails())
        address = self.recipient("canary", 0)
        async with httpx.AsyncClient(timeout=30) as client:
            status = await self.post_gateway(client, "canary", TITLES[0], 0)
        started = time.monotonic()
        while not await self.sandbox.emails_to(address):
            if time.monotonic() - started > self.options.drain_timeout:
                break
            await asyncio.sleep(0.5)
        waited = time.monotonic() - started
        note = f"a canary event (gateway answered {status}) was emailed {waited:.1f} s"
        note += " after its POST"
        if held > FRESH_STACK_EMAILS:
            note += (
                f"; the sandbox already held {held} emails: every plot email leaves a "
                "follow-up run sleeping in the dev server, which slows it down, so "
                "compare figures from fresh stacks (docker compose down -v, then up)"
            )
        return note

    async def settle(self) -> float:
        """
        Wait until the dev server has worked through the events it took in,
        and return the seconds waited (0 without CPU readings).

        It answers an event at once and stores it in the background, a second
        or more behind a burst. Unsettled, that work lands in the next round,
        and events still queued when the functions are synced again start runs.
        Settled: under SETTLED_SHARE of a core over SETTLE_WINDOW_SECONDS.
        """
        before = self.cpu.read().get("inngest") if self.cpu else None
        if self.cpu is None or before is None:
            return 0.0
        started = time.monotonic()
        while time.monotonic() - started < SETTLE_LIMIT_SECONDS:
            await asyncio.sleep(SETTLE_WINDOW_SECONDS)
            now = self.cpu.read()["inngest"]
            if (now - before) / SETTLE_WINDOW_SECONDS < SETTLED_SHARE:
                break
            before = now
        return round(time.monotonic() - started, 2)

    async def drain(self, target: int, what: str) -> dict[str, Any]:
        """
        Wait until the sandbox holds target emails, that is until the runs are done.
        """
        count, waited = await self.sandbox.wait_for_emails(
            target, limit_seconds=self.options.drain_timeout
        )
        complete = count >= target
        outcome = "done" if complete else f"TIMED OUT at {count} of {target} emails"
        self.progress(f"waited {waited:.0f} s for {what} ({outcome})")
        return {
            "waited_for": what,
            "emails_expected": target,
            "emails_seen": count,
            "seconds": round(waited, 1),
            "complete": complete,
        }
