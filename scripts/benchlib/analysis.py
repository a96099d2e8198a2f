"""
Statistics over the measurements: percentiles, each side's totals, ratios,
the gateway's CPU per reject, and the run's problems.
"""

import statistics
from collections.abc import Iterable, Sequence
from typing import Any

# Below this share of direct throughput the gateway misses its target.
TARGET_RATIO = 0.8
# The two sides of section 1; gateways given with --compare join them.
SIDES = ("gateway", "direct")


def percentile(ordered: Sequence[float], share: float) -> float:
    """
    The value below which `share` of the ordered values lie (linear interpolation).
    """
    if not ordered:
        return float("nan")
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(values: Iterable[float]) -> dict[str, float]:
    """
    Count, p50, p95, p99 and max of the values, rounded to 0.1.
    """
    ordered = sorted(values)
    stats = {
        "p50": percentile(ordered, 0.50),
        "p95": percentile(ordered, 0.95),
        "p99": percentile(ordered, 0.99),
        "max": ordered[-1] if ordered else float("nan"),
    }
    return {"count": len(ordered)} | {
        key: round(value, 1) for key, value in stats.items()
    }


def side_totals(rounds: list[dict[str, Any]], side: str) -> dict[str, Any]:
    """
    One side's rounds together: requests/s over their summed time, latency
    percentiles over every request, CPU ms per request by service.
    """
    mine = [entry for entry in rounds if entry["side"] == side]
    requests = sum(entry["requests"] for entry in mine)
    elapsed = sum(entry["elapsed_seconds"] for entry in mine)
    return {
        "requests": requests,
        "not_accepted": requests - sum(entry["accepted"] for entry in mine),
        "requests_per_second": round(requests / elapsed, 1) if elapsed else 0.0,
        "rounds_per_second": [entry["requests_per_second"] for entry in mine],
        "latency_ms": summary(
            value for entry in mine for value in entry["latencies_ms"]
        ),
        "cores_busy": round(
            sum(entry["cpu_seconds"].get("machine", 0.0) for entry in mine) / elapsed, 2
        )
        if elapsed
        else None,
        "cpu_ms_per_request": _cpu_per(mine, "cpu_seconds", requests),
    }


def _cpu_per(rounds: list[dict[str, Any]], key: str, requests: int) -> dict[str, float]:
    cpu: dict[str, float] = {}
    for entry in rounds:
        for service, seconds in entry.get(key, {}).items():
            cpu[service] = cpu.get(service, 0.0) + seconds
    return {name: round(seconds * 1000 / requests, 2) for name, seconds in cpu.items()}


def analyse(result: dict[str, Any]) -> None:
    """
    Add each section's totals and ratios, and the run's `problems`, to result.
    """
    sections = result["sections"]
    problems: list[str] = []
    if throughput := sections.get("gateway_vs_direct"):
        _compare(throughput, *SIDES)
        _compare_others(throughput, SIDES[1])
    if malformed := sections.get("malformed"):
        _compare(malformed, "with malformed", "valid only")
        malformed["malformed_totals"] = _flood_totals(malformed["rounds"])
        malformed["malformed_totals"] |= _reject_cost(malformed["rounds"])
        if malformed["malformed_totals"]["accepted"]:
            problems.append("a malformed body was accepted")
    if "aborted" in result:
        problems.append(result["aborted"])
    if (end_to_end := sections.get("end_to_end")) and end_to_end["lost"]:
        problems.append(f"{end_to_end['lost']} end-to-end events lost")
    for name, section in sections.items():
        if not section.get("drain", {"complete": True})["complete"]:
            problems.append(f"{name}: waiting for its emails timed out")
    result["problems"] = problems


def turn_ratios(section: dict[str, Any], measured: str, reference: str) -> list[float]:
    """
    measured's requests/s over reference's in each turn of the section's
    order, where a turn runs every side once, back to back (G D, then D G).

    The machine's speed drifts by a quarter and more within a run, and the
    two rounds of a turn are seconds apart, so their ratio is barely touched
    by the drift that the ratio of whole-run totals takes in. A turn cut
    short (an aborted run) counts for nothing.
    """
    sides = len(dict.fromkeys(section["order"]))
    rounds = section["rounds"]
    ratios = []
    for start in range(0, len(rounds) - sides + 1, sides):
        turn = {
            entry["side"]: entry["requests_per_second"]
            for entry in rounds[start : start + sides]
        }
        if turn.get(reference):
            ratios.append(turn.get(measured, 0.0) / turn[reference])
    return ratios


def _ratios(section: dict[str, Any], measured: str, reference: str) -> dict[str, Any]:
    """
    measured against reference: each turn's ratio, the ratio over summed
    time, and `ratio`, the median of the turns (one turn disturbed by
    something else on the machine moves it little), or the summed-time one
    when there is no whole turn. Needs section["totals"] for both sides.
    """
    totals = section["totals"]
    base = totals[reference]["requests_per_second"]
    rate = totals[measured]["requests_per_second"]
    summed = round(rate / base, 3) if base else 0.0
    turns = turn_ratios(section, measured, reference)
    return {
        "ratio": round(statistics.median(turns), 3) if turns else summed,
        "turn_ratios": [round(ratio, 3) for ratio in turns],
        "totals_ratio": summed,
    }


def _compare(section: dict[str, Any], measured: str, reference: str) -> None:
    section["totals"] = {
        side: side_totals(section["rounds"], side) for side in (measured, reference)
    }
    section |= _ratios(section, measured, reference)


def _compare_others(section: dict[str, Any], reference: str) -> None:
    """
    Totals and the ratio to the reference of each side beyond the two that
    _compare saw (gateways given with --compare), in the order they ran.
    """
    totals = section["totals"]
    ratios = {}
    for side in dict.fromkeys(section["order"]):
        if side not in totals:
            totals[side] = side_totals(section["rounds"], side)
            ratios[side] = _ratios(section, side, reference)["ratio"]
    if ratios:
        section["compared_ratios"] = ratios


def _flood_totals(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    floods = [entry["malformed"] for entry in rounds if "malformed" in entry]
    statuses: dict[str, int] = {}
    for flood in floods:
        for status, count in flood["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
    share = 1 / max(len(floods), 1)
    return {
        "requests": sum(flood["requests"] for flood in floods),
        "requests_per_second": round(
            sum(flood["requests_per_second"] for flood in floods) * share, 1
        ),
        "p50_ms": round(sum(flood["p50_ms"] for flood in floods) * share, 1),
        "p99_ms": round(sum(flood["p99_ms"] for flood in floods) * share, 1),
        "statuses": statuses,
        "accepted": sum(n for status, n in statuses.items() if status.startswith("2")),
    }


def _reject_cost(rounds: list[dict[str, Any]]) -> dict[str, float | None]:
    """
    Gateway CPU per reject: what flooded rounds used beyond their valid
    requests, at the valid-only rounds' cost per request.
    """
    alone = [entry for entry in rounds if "malformed" not in entry]
    flooded = [entry for entry in rounds if "malformed" in entry]
    gateway = "event-gateway"
    if not alone or not flooded or gateway not in alone[0]["cpu_seconds"]:
        return {"gateway_cpu_ms_per_reject": None}
    valid_cost = sum(e["cpu_seconds"][gateway] for e in alone) / sum(
        e["requests"] for e in alone
    )
    extra = sum(e["cpu_seconds"][gateway] - valid_cost * e["requests"] for e in flooded)
    rejects = sum(e["malformed"]["requests"] for e in flooded)
    busy = sum(e["cpu_seconds"][gateway] for e in flooded) / sum(
        e["elapsed_seconds"] for e in flooded
    )
    return {
        "gateway_cpu_ms_per_valid": round(valid_cost * 1000, 2),
        "gateway_cpu_ms_per_reject": round(extra * 1000 / rejects, 2)
        if rejects
        else None,
        "gateway_busy_share": round(busy, 2),
    }
