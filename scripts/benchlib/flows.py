"""
Events followed past the gateway: to the email (end to end), and to OMDb
(how many lookups a burst over a few uncached titles costs).
"""

import asyncio
from collections import Counter
from datetime import datetime
from functools import partial
from typing import Any

from . import load
from .context import TITLES, Bench
from .stack import ComposeError


async def end_to_end(bench: Bench) -> dict[str, Any]:
    """
    Time from each POST to its email in the sandbox, at a steady rate.
    """
    options = bench.options
    async with load.client(64) as client:
        sent = await load.steady_rate(
            partial(bench.post_gateway, client, "e2e", TITLES[0]),
            count=options.e2e_events,
            per_second=options.e2e_rate,
        )
    sent_at = {bench.recipient("e2e", item.index): item.sent_at for item in sent}
    accepted = sum(item.status == "202" for item in sent)
    bench.progress(
        f"sent {len(sent)} events at {options.e2e_rate:g}/s, {accepted} accepted; "
        "waiting for their emails"
    )

    arrived = await _arrivals(bench, set(sent_at), options.drain_timeout)
    latencies = sorted(
        round((received - sent_at[address]) * 1000, 1)
        for address, received in arrived.items()
    )
    return {
        "events": len(sent),
        "rate_per_second": options.e2e_rate,
        "accepted": accepted,
        "statuses": dict(Counter(item.status for item in sent)),
        "arrived": len(latencies),
        "lost": len(sent) - len(latencies),
        "latencies_ms": latencies,
        "gateway_latencies_ms": [round(item.latency_ms, 2) for item in sent],
    }


async def _arrivals(
    bench: Bench, wanted: set[str], limit_seconds: float
) -> dict[str, float]:
    """
    When each wanted recipient's email was captured (Unix time), polling until
    all have one or limit_seconds pass.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_seconds
    arrived: dict[str, float] = {}
    while True:
        for email in await bench.sandbox.emails():
            for address in email.get("to", []):
                if address in wanted and address not in arrived:
                    arrived[address] = _unix_time(email["received_at"])
        if len(arrived) == len(wanted) or loop.time() >= deadline:
            return arrived
        await asyncio.sleep(1.0)


def _unix_time(stamp: str) -> float:
    # The sandbox stamps "2026-01-31T12:00:00.123Z".
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


async def cache_burst(bench: Bench) -> dict[str, Any]:
    """
    OMDb lookups made by a burst of events over a few titles none has cached.
    """
    options = bench.options
    titles = TITLES[: options.cache_titles]
    try:
        flushed = await asyncio.to_thread(bench.compose.flush_plot_cache)
    except ComposeError as exc:
        bench.progress(f"cache section skipped: {exc}")
        return {"skipped": str(exc)}
    await bench.sandbox.clear_omdb_requests()
    baseline = len(await bench.sandbox.emails())
    bench.progress(
        f"flushed {flushed} cached plots; sending {options.cache_events} events "
        f"over {len(titles)} titles at once"
    )

    async with load.client(options.cache_events) as client:
        statuses = await asyncio.gather(
            *(
                bench.post_gateway(client, "c", titles[index % len(titles)], index)
                for index in range(options.cache_events)
            )
        )
    accepted = sum(status == 202 for status in statuses)
    what = f"the plot emails of the burst's {accepted} accepted events"
    drain = await bench.drain(baseline + accepted, what)

    lookups = await bench.sandbox.omdb_requests()
    per_title = Counter(str(lookup["params"].get("t")) for lookup in lookups)
    return {
        "events": options.cache_events,
        "titles": list(titles),
        "accepted": accepted,
        "plots_flushed": flushed,
        "omdb_requests": len(lookups),
        "omdb_requests_by_title": dict(per_title),
        "ideal": len(titles),
        "drain": drain,
    }
