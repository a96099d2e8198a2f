"""
`scripts/bench`: options, the order of the sections, the result files.
"""

import argparse
import asyncio
import dataclasses
import json
import secrets
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from .about import machine, versions
from .analysis import SIDES, analyse
from .chart import chart
from .context import Bench, Options
from .flows import cache_burst, end_to_end
from .report import print_report
from .stack import (
    ROOT,
    Compose,
    ComposeError,
    CpuMeter,
    Sandbox,
    Urls,
    cpu_used,
)
from .throughput import gateway_vs_direct, malformed_bodies

AT_REST_SECONDS = 3.0
Section = Callable[[Bench], Awaitable[dict[str, Any]]]
SECTIONS: dict[str, tuple[str, str, Section]] = {
    "throughput": ("gateway_vs_direct", "1. gateway vs direct", gateway_vs_direct),
    "e2e": ("end_to_end", "2. end to end", end_to_end),
    "cache": ("cache", "3. cache", cache_burst),
    "malformed": ("malformed", "4. malformed bodies", malformed_bodies),
}

DESCRIPTION = """\
Measure a running Meadow stack: gateway against direct-to-Inngest throughput,
end-to-end latency to the email, OMDb lookups under a burst, and throughput
under malformed bodies. The throughput rounds (sections 1 and 4) unsync the
functions app from the dev server while they run, so the executor's work on
earlier events does not land in whichever round is being measured; the app is
synced again from the same URL afterwards. The other sections run the
functions and wait for every email.

Exit status: 0, or 1 when an event was lost or a wait timed out, 2 when the
stack does not answer.
"""

EPILOG = """\
A stack of its own, on random ports (from the repository root):
  { echo COMPOSE_PROJECT_NAME=meadow-bench; cat local-images.env 2>/dev/null
    printf 'GATEWAY_PORT=0\\nSANDBOX_PORT=0\\nINNGEST_PORT=0\\n'
    echo EMAIL_THROTTLE_PERIOD=1; } > /tmp/bench.env
  docker compose --env-file /tmp/bench.env -f docker-compose.yml up -d --build --wait
  scripts/bench --env-file /tmp/bench.env
  docker compose --env-file /tmp/bench.env -f docker-compose.yml down -v

Compare figures from fresh stacks on an otherwise idle machine. Every plot
email leaves a follow-up run sleeping in the dev server; after a few thousand
the dev server was seen using a whole core at rest. The report's CPU at rest
and "whole machine" CPU show such load. If the bench is killed during a
throughput round, `docker compose restart inngest` syncs the functions again.
"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """
    The command line, with the defaults the published figures use.
    """
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    stack = parser.add_argument_group("the stack")
    stack.add_argument(
        "--env-file",
        type=Path,
        help="Compose env file of the project "
        "(its COMPOSE_PROJECT_NAME and ports); default: the default project",
    )
    stack.add_argument(
        "--gateway-url", help="default: the published port, else http://127.0.0.1:8080"
    )
    stack.add_argument(
        "--inngest-url", help="default: the published port, else http://127.0.0.1:8288"
    )
    stack.add_argument(
        "--sandbox-url", help="default: the published port, else http://127.0.0.1:8025"
    )
    stack.add_argument(
        "--compare",
        action="append",
        default=[],
        type=_compared,
        metavar="NAME=URL",
        help="another gateway (say, one started with other settings) to measure "
        "in section 1 beside the stack's, in the same alternating rounds; "
        "repeatable",
    )
    stack.add_argument(
        "--event-key",
        default="bench",
        help="Inngest event key for "
        "direct posts to /e/<key> (a dev server takes any); default: bench",
    )
    sizes = parser.add_argument_group("sizes")
    sizes.add_argument("--concurrency", type=int, default=16)
    sizes.add_argument(
        "--requests", type=int, default=500, help="requests a round (section 1)"
    )
    sizes.add_argument(
        "--rounds", type=int, default=8, help="rounds a side (section 1)"
    )
    sizes.add_argument("--e2e-events", type=int, default=50)
    sizes.add_argument("--e2e-rate", type=float, default=5.0, help="events a second")
    sizes.add_argument("--cache-events", type=int, default=60)
    sizes.add_argument("--cache-titles", type=int, default=6, choices=range(1, 11))
    sizes.add_argument(
        "--malformed-requests",
        type=int,
        default=200,
        help="valid requests a round (section 4)",
    )
    sizes.add_argument(
        "--malformed-rounds", type=int, default=2, help="rounds a side (section 4)"
    )
    sizes.add_argument(
        "--malformed-rate",
        type=float,
        default=200,
        help="malformed bodies a second in all (section 4); 0: back to back, "
        "which lets the flood take whatever CPU cheaper rejects free up",
    )
    sizes.add_argument(
        "--drain-timeout",
        type=float,
        default=150,
        help="longest wait, in seconds, for a round's emails",
    )
    parser.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help=f"comma-separated, from {', '.join(SECTIONS)}",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="JSON result file; default bench-results/bench-<UTC time>.json",
    )
    args = parser.parse_args(argv)
    unknown = set(args.sections.split(",")) - set(SECTIONS)
    if unknown:
        parser.error(
            f"unknown sections {sorted(unknown)}; choose from {list(SECTIONS)}"
        )
    return args


def main(argv: list[str] | None = None) -> int:
    """
    Run the benchmark; return the exit status.
    """
    args = parse_args(argv)
    return asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> int:
    started, started_at = time.monotonic(), datetime.now(UTC)
    progress = _progress(started)
    compose = Compose(args.env_file)
    urls = _urls(args, compose)
    cpu = _cpu_meter(compose, progress)
    result: dict[str, Any] = {
        "run_id": started_at.strftime("%H%M%S") + secrets.token_hex(2),
        "started_at": started_at.strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "versions": await asyncio.to_thread(versions, compose),
        "urls": dataclasses.asdict(urls),
        "options": {},
        "sections": {},
    }
    async with httpx.AsyncClient(timeout=30) as http:
        problem = await _unreachable(http, urls)
        if problem:
            print(f"scripts/bench: {problem}", file=sys.stderr)
            return 2
        sandbox = Sandbox(http, urls.sandbox)
        bench = Bench(
            urls, compose, cpu, sandbox, _options(args), result["run_id"], progress
        )
        result["at_rest"] = await _at_rest(cpu)
        if result["at_rest"]:
            progress(f"at rest: {_shares(result['at_rest'])}")
        result["start_wait"] = await bench.canary()
        progress(f"before starting: {result['start_wait']}")
        result["options"] = dataclasses.asdict(bench.options)
        for name in args.sections.split(","):
            key, title, measure = SECTIONS[name]
            try:
                result["sections"][key] = await measure(
                    dataclasses.replace(bench, progress=_prefixed(progress, title))
                )
            except httpx.HTTPError as exc:
                # Say so and keep what was measured, rather than a traceback.
                result["aborted"] = (
                    f"{title}: the stack stopped answering ({type(exc).__name__}: "
                    f"{exc}); later sections were not run"
                )
                progress(result["aborted"])
                break

    result["total_seconds"] = round(time.monotonic() - started, 1)
    _write(result, args.output or _default_output(started_at))
    print_report(result, sys.stdout)
    if "aborted" in result:
        return 2
    return 1 if result["problems"] else 0


def _options(args: argparse.Namespace) -> Options:
    names = [field.name for field in dataclasses.fields(Options)]
    return Options(**{name: getattr(args, name) for name in names})


def _urls(args: argparse.Namespace, compose: Compose) -> Urls:
    def pick(given: str | None, service: str, port: int) -> str:
        if given:
            return given.rstrip("/")
        published = compose.published_url(service, port) if args.env_file else None
        return published or f"http://127.0.0.1:{port}"

    return Urls(
        gateway=pick(args.gateway_url, "event-gateway", 8080),
        inngest=pick(args.inngest_url, "inngest", 8288),
        sandbox=pick(args.sandbox_url, "sandbox", 8025),
        event_key=args.event_key,
        compared=tuple(args.compare),
    )


def _compared(value: str) -> tuple[str, str]:
    name, _, url = value.partition("=")
    if not name or name in SIDES or not url.startswith(("http://", "https://")):
        msg = (
            f"expected NAME=URL with a NAME other than {' or '.join(SIDES)}, "
            f"such as four=http://127.0.0.1:8081; got {value!r}"
        )
        raise argparse.ArgumentTypeError(msg)
    return name, url.rstrip("/")


def _cpu_meter(compose: Compose, progress: Callable[[str], None]) -> CpuMeter | None:
    try:
        meter = CpuMeter(compose.container_ids()) if compose.available else None
    except ComposeError as exc:
        progress(f"CPU per container not measured: {exc}")
        return None
    if meter is None or not meter.available:
        progress("CPU per container not measured: no readable container cgroups")
        return None
    return meter


async def _unreachable(http: httpx.AsyncClient, urls: Urls) -> str | None:
    probes = {
        "gateway": f"{urls.gateway}/healthz",
        "inngest": f"{urls.inngest}/health",
        "sandbox": f"{urls.sandbox}/healthz",
    }
    for name, url in probes.items():
        try:
            response = await http.get(url, timeout=5)
        except httpx.HTTPError as exc:
            return (
                f"the {name} does not answer at {url} ({type(exc).__name__}); start "
                "the stack, or pass --env-file / --{name}-url"
            )
        if response.status_code != 200:
            status = response.status_code
            return f"the {name} answered {status} at {url}; is the stack healthy?"
    return None


async def _at_rest(cpu: CpuMeter | None) -> dict[str, float]:
    """
    Share of a core each container uses before any load: a dev server busy
    with earlier work shows here.
    """
    if cpu is None:
        return {}
    before = cpu.read()
    await asyncio.sleep(AT_REST_SECONDS)
    used = cpu_used(before, cpu.read())
    used.pop("bench", None)
    return {name: round(seconds / AT_REST_SECONDS, 2) for name, seconds in used.items()}


def _shares(shares: dict[str, float]) -> str:
    cores = ", ".join(f"{name} {share:.0%}" for name, share in sorted(shares.items()))
    return f"{cores} of a core over {AT_REST_SECONDS:g} s"


def _progress(started: float) -> Callable[[str], None]:
    def say(line: str) -> None:
        print(
            f"[{time.monotonic() - started:6.1f} s] {line}", file=sys.stderr, flush=True
        )

    return say


def _prefixed(progress: Callable[[str], None], title: str) -> Callable[[str], None]:
    return lambda line: progress(f"{title}: {line}")


def _default_output(started_at: datetime) -> Path:
    return (
        ROOT / "bench-results" / f"bench-{started_at.strftime('%Y%m%dT%H%M%SZ')}.json"
    )


def _write(result: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    png = path.with_suffix(".png")
    result["files"] = {"json": _shown(path), "chart": _shown(png)}
    analyse(result)
    path.write_text(json.dumps(result, indent=1) + "\n")
    chart(result, png)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)
