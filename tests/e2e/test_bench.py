"""
scripts/bench, run small against a stack of its own (project meadow-e2e-bench).

The figures are not checked against targets here (timed tests would be flaky
and prove nothing); what is checked is that a run measures every section,
loses nothing, leaves the functions synced, and writes its JSON and chart.
"""

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import ROOT, compose_stack, stack_clients, write_env_file
from stack import Stack, unique_recipient, wait_for

pytestmark = pytest.mark.e2e

SETTINGS = {
    "GATEWAY_PORT": "0",
    "SANDBOX_PORT": "0",
    "INNGEST_PORT": "0",
    "EMAIL_THROTTLE_PERIOD": "1",
}
SMALL = [
    "--concurrency", "4",
    "--requests", "24",
    "--rounds", "1",
    "--e2e-events", "6",
    "--e2e-rate", "6",
    "--cache-events", "9",
    "--cache-titles", "3",
    "--malformed-requests", "12",
    "--malformed-rounds", "1",
    "--malformed-rate", "100",
    "--drain-timeout", "90",
]  # fmt: skip


@pytest.fixture(scope="module")
def bench_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bench") / "bench.env"
    return write_env_file(path, "meadow-e2e-bench", SETTINGS)


@pytest.fixture(scope="module")
def bench_stack(bench_env: Path) -> Iterator[Stack]:
    with compose_stack(bench_env, "docker-compose.yml") as compose:
        with stack_clients(compose) as running:
            yield running


@pytest.fixture(scope="module")
def bench_run(
    bench_stack: Stack, bench_env: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any], Path]:
    output = tmp_path_factory.mktemp("bench-results") / "run.json"
    done = subprocess.run(
        [sys.executable, ROOT / "scripts" / "bench", "--env-file", bench_env]
        + ["--output", output, *SMALL],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    result = json.loads(output.read_text()) if output.exists() else {}
    return done, result, output


def test_bench_measures_every_section_and_loses_nothing(
    bench_run: tuple[subprocess.CompletedProcess[str], dict[str, Any], Path],
) -> None:
    done, result, _ = bench_run
    assert done.returncode == 0, done.stdout + done.stderr
    assert result["problems"] == []
    sections = result["sections"]

    throughput = sections["gateway_vs_direct"]
    assert throughput["functions"] == "unsynced"
    for side in ("gateway", "direct"):
        assert throughput["totals"][side]["requests"] == 24
        assert throughput["totals"][side]["not_accepted"] == 0
    assert throughput["ratio"] > 0

    end_to_end = sections["end_to_end"]
    assert (end_to_end["events"], end_to_end["arrived"], end_to_end["lost"]) == (
        6,
        6,
        0,
    )
    assert all(latency > 0 for latency in end_to_end["latencies_ms"])

    cache = sections["cache"]
    assert cache["accepted"] == 9
    assert cache["omdb_requests"] == cache["ideal"] == 3

    malformed = sections["malformed"]
    assert malformed["malformed_totals"]["requests"] > 0
    assert malformed["malformed_totals"]["accepted"] == 0

    assert "ratio gateway/direct requests/s" in done.stdout
    assert "NONE LOST" in done.stdout


def test_bench_writes_a_png_chart_next_to_its_json(
    bench_run: tuple[subprocess.CompletedProcess[str], dict[str, Any], Path],
) -> None:
    _, _, output = bench_run
    assert output.with_suffix(".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_functions_run_again_after_the_bench_but_not_for_its_rounds(
    bench_run: tuple[subprocess.CompletedProcess[str], dict[str, Any], Path],
    bench_stack: Stack,
) -> None:
    """
    The throughput rounds unsync the functions app; the bench syncs it again,
    so an event sent afterwards is emailed as usual. It first waits for the dev
    server to take in every event of the rounds, so none of those is matched
    to the function once it is back, and none is emailed.
    """
    _, result, _ = bench_run
    recipient = unique_recipient()
    bench_stack.accept("Alien", recipient)

    # Queued behind anything the dev server still held: by the time it is
    # emailed, any stray run of a round's event would have started too.
    wait_for(
        lambda: bench_stack.emails_to(recipient),
        timeout=60,
        what="a plot email for an event sent after the bench",
    )
    # Warm-ups (wg, wd), gateway and direct rounds (g1, d1), malformed rounds (m1).
    unsynced = re.compile(rf"bench-{result['run_id']}-(wg|wd|[gdm]\d+)-\d+@")
    emails = bench_stack.http.get(f"{bench_stack.sandbox_url}/api/emails").json()
    strays = [to for email in emails for to in email["to"] if unsynced.match(to)]
    assert strays == []
