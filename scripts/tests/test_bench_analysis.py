"""
scripts/bench's arithmetic, verdicts and options, on results built by hand.

The measurements themselves run against a real stack in
tests/e2e/test_bench.py; these pin down what is computed from them.
"""

import io
import math
from typing import Any

import pytest
from benchlib.analysis import analyse, percentile, summary
from benchlib.cli import parse_args
from benchlib.report import print_report
from benchlib.throughput import alternating


def test_percentile_interpolates_between_ranks() -> None:
    ordered = [10.0, 20.0, 30.0, 40.0, 50.0]

    assert percentile(ordered, 0.5) == 30.0
    assert percentile(ordered, 0.0) == 10.0
    assert percentile(ordered, 1.0) == 50.0
    assert percentile(ordered, 0.9) == pytest.approx(46.0)
    assert math.isnan(percentile([], 0.5))


def test_summary_sorts_and_rounds() -> None:
    stats = summary([3.0, 1.0, 2.0, 100.04])

    assert stats == {"count": 4, "p50": 2.5, "p95": 85.5, "p99": 97.1, "max": 100.0}


def test_alternating_lets_each_side_open_every_other_pair() -> None:
    assert alternating(3, "g", "d") == ["g", "d", "d", "g", "g", "d"]


def test_alternating_three_sides_puts_each_first_and_last_alike() -> None:
    order = alternating(2, "g", "c", "d")

    assert order == ["g", "c", "d", "d", "c", "g"]


def _round(side: str, requests: int, seconds: float, accepted: int) -> dict[str, Any]:
    return {
        "side": side,
        "requests": requests,
        "accepted": accepted,
        "elapsed_seconds": seconds,
        "requests_per_second": requests / seconds,
        "latencies_ms": [5.0] * requests,
        "cpu_seconds": {"event-gateway": 0.1, "machine": seconds * 2},
    }


def _result(**sections: dict[str, Any]) -> dict[str, Any]:
    return {"sections": sections}


def test_ratio_is_the_median_of_the_turns_and_totals_are_summed() -> None:
    """
    Rounds of 100 requests in three turns G D, D G, G D. The gateway's second
    round ran while the machine was slow (3 s): the turns' ratios are 1.0,
    0.333 and 0.8, their median 0.8. Over summed time the gateway did 300 in
    5.25 s (57.1/s, not the mean of its rounds) against direct's 300 in 3 s.
    """
    section = {
        "order": ["gateway", "direct", "direct", "gateway", "gateway", "direct"],
        "functions": "unsynced",
        "rounds": [
            _round("gateway", 100, 1.0, 100),
            _round("direct", 100, 1.0, 100),
            _round("direct", 100, 1.0, 100),
            _round("gateway", 100, 3.0, 98),
            _round("gateway", 100, 1.25, 100),
            _round("direct", 100, 1.0, 100),
        ],
    }
    result = _result(gateway_vs_direct=section)

    analyse(result)

    assert section["turn_ratios"] == [1.0, 0.333, 0.8]
    assert section["ratio"] == 0.8
    assert section["totals_ratio"] == 0.571
    gateway = section["totals"]["gateway"]
    assert gateway["requests_per_second"] == 57.1
    assert gateway["not_accepted"] == 2
    assert gateway["cores_busy"] == 2.0
    assert gateway["cpu_ms_per_request"]["event-gateway"] == pytest.approx(1.0)
    assert result["problems"] == []


def test_a_turn_cut_short_is_left_out() -> None:
    section = {
        "order": ["gateway", "direct", "direct", "gateway"],
        "functions": "unsynced",
        "rounds": [
            _round("gateway", 100, 1.25, 100),
            _round("direct", 100, 1.0, 100),
            _round("direct", 100, 1.0, 100),
        ],
    }

    analyse(_result(gateway_vs_direct=section))

    assert section["turn_ratios"] == [0.8]
    assert section["ratio"] == 0.8


def _end_to_end(events: int, arrived: int) -> dict[str, Any]:
    return {
        "events": events,
        "rate_per_second": 5.0,
        "accepted": events,
        "statuses": {"202": events},
        "arrived": arrived,
        "lost": events - arrived,
        "latencies_ms": [500.0] * arrived,
        "gateway_latencies_ms": [20.0] * events,
    }


def test_a_lost_event_is_a_problem() -> None:
    result = _result(end_to_end=_end_to_end(10, 9))

    analyse(result)

    assert result["problems"] == ["1 end-to-end events lost"]


def test_a_timed_out_wait_and_an_abort_are_problems() -> None:
    cache = {"drain": {"complete": False}}
    result = _result(cache=cache) | {"aborted": "2. end to end: gone"}

    analyse(result)

    assert result["problems"] == [
        "2. end to end: gone",
        "cache: waiting for its emails timed out",
    ]


def _report(section: dict[str, Any]) -> str:
    return _report_of(
        {"gateway_vs_direct": section, "end_to_end": _end_to_end(4, 4)},
        {"concurrency": 16, "rounds": 1, "requests": 100},
    )


def _report_of(sections: dict[str, Any], options: dict[str, Any]) -> str:
    result = {
        "run_id": "r1",
        "started_at": "2026-12-03 12:00 UTC",
        "machine": {
            "nproc": 2,
            "cpu_model": "test",
            "memory_gib": 24,
            "kernel": "6",
            "load_average": [0.1, 0.1, 0.1],
        },
        "versions": {
            "gateway_packages": {},
            "python_bench": "3.11",
            "httpx_bench": "0.28",
        },
        "urls": {"gateway": "g", "inngest": "i", "sandbox": "s"},
        "options": options,
        "sections": sections,
        "total_seconds": 10,
        "files": {"json": "r.json", "chart": "r.png"},
    }
    analyse(result)
    out = io.StringIO()
    print_report(result, out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("gateway_seconds", "verdict"),
    [
        (1.2, "0.833 (meets"),
        (2.0, "0.500 (is BELOW"),
        # Just under the target: two places would print it as 0.80.
        (1.2547, "0.797 (is BELOW"),
    ],
)
def test_report_states_the_ratio_against_the_target(
    gateway_seconds: float, verdict: str
) -> None:
    """
    The report gives the ratio to three places, and whether it meets the target.
    """
    section = {
        "order": ["gateway", "direct"],
        "functions": "unsynced",
        "rounds": [
            _round("gateway", 100, gateway_seconds, 100),
            _round("direct", 100, 1.0, 100),
        ],
    }

    report = _report(section)

    assert f"ratio gateway/direct requests/s: {verdict} the 0.8 target" in report
    assert "arrived 4 of 4: NONE LOST" in report
    assert "problems: none" in report


def test_a_compared_gateway_gets_its_own_row_and_ratio_to_direct() -> None:
    """
    A gateway given with --compare is totalled like the others and compared
    with direct; the target verdict stays the stack's gateway's.
    """
    seconds = {"gateway": 1.25, "four": 2.0, "direct": 1.0}
    order = alternating(2, "gateway", "four", "direct")
    section = {
        "order": order,
        "functions": "unsynced",
        "rounds": [_round(side, 100, seconds[side], 100) for side in order],
    }

    report = _report(section)

    assert section["ratio"] == 0.8
    assert section["compared_ratios"] == {"four": 0.5}
    assert section["totals"]["four"]["requests_per_second"] == 50.0
    assert "in the order G four D D four G" in report
    assert "ratio four/direct requests/s: 0.50" in report
    assert "ratio gateway/direct requests/s: 0.800 (meets the 0.8 target)" in report


def test_compare_takes_a_name_and_url_but_not_a_name_already_taken(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = parse_args(["--compare", "four=http://127.0.0.1:8081/"])
    assert args.compare == [("four", "http://127.0.0.1:8081")]

    for bad in ("direct=http://127.0.0.1:8081", "four", "four=127.0.0.1:8081"):
        with pytest.raises(SystemExit):
            parse_args(["--compare", bad])
    assert "expected NAME=URL" in capsys.readouterr().err


MALFORMED_OPTIONS = {
    "concurrency": 16,
    "malformed_rounds": 2,
    "malformed_requests": 100,
    "malformed_rate": 80.0,
}


def _flooded(
    side: str, seconds: float, gateway_cpu: float, rejects: int
) -> dict[str, Any]:
    entry = _round(side, 100, seconds, 100)
    entry["cpu_seconds"] = {"event-gateway": gateway_cpu}
    if side == "with malformed":
        entry["malformed"] = {
            "requests": rejects,
            "requests_per_second": rejects / seconds,
            "statuses": {"422": rejects},
            "p50_ms": 2.0,
            "p99_ms": 9.0,
        }
    return entry


@pytest.mark.parametrize(
    ("flooded_cpu", "reject_text"),
    [
        (0.15, "a reject 0.50 ms;"),
        (0.09, "a reject lost in the noise (estimated at -0.10 ms);"),
    ],
)
def test_the_malformed_section_reports_turns_and_a_reject_cost(
    flooded_cpu: float, reject_text: str
) -> None:
    """
    Valid-only rounds cost 0.1 s of gateway CPU for 100 requests (1 ms each);
    a flooded round with 100 rejects that took 0.15 s leaves 0.5 ms a reject.
    One taking less than the valid requests alone leaves a negative estimate,
    which is reported as noise, not as a cost.
    """
    section = {
        "order": ["valid only", "with malformed", "with malformed", "valid only"],
        "functions": "unsynced",
        "rounds": [
            _flooded("valid only", 1.0, 0.1, 0),
            _flooded("with malformed", 1.25, flooded_cpu, 100),
            _flooded("with malformed", 1.25, flooded_cpu, 100),
            _flooded("valid only", 1.0, 0.1, 0),
        ],
    }
    report = " ".join(_report_of({"malformed": section}, MALFORMED_OPTIONS).split())

    assert section["turn_ratios"] == [0.8, 0.8]
    assert "valid throughput kept under the flood: 0.80 (the median of 2 turns)" in (
        report
    )
    assert f"a valid request 1.00 ms, {reject_text}" in report


def test_a_malformed_section_without_a_whole_turn_names_its_basis() -> None:
    """
    A run aborted after the first round has no turn: the ratio printed is the
    summed-time one (here 0: nothing flooded was measured), and the report says so.
    """
    section = {
        "order": ["valid only", "with malformed", "with malformed", "valid only"],
        "functions": "unsynced",
        "rounds": [_flooded("valid only", 1.0, 0.1, 0)],
    }
    report = " ".join(_report_of({"malformed": section}, MALFORMED_OPTIONS).split())

    assert section["turn_ratios"] == []
    assert "kept under the flood: 0.00 (over the summed time);" in report
    assert "the median of 0 turns" not in report
