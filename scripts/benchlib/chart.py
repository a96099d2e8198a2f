"""
The PNG chart of a run: latency distributions and throughput by round.
"""

from pathlib import Path
from typing import Any

import matplotlib

# No display on a server: render straight to a file.
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def chart(result: dict[str, Any], path: Path) -> None:
    """
    Latency distributions (gateway vs direct, end to end) and throughput by round.
    """
    sections = result["sections"]
    figure, axes = plt.subplots(2, 2, figsize=(13, 9))
    figure.suptitle(
        f"Meadow benchmark, run {result['run_id']} ({result['started_at']})"
    )

    throughput = sections.get("gateway_vs_direct")
    if throughput:
        _cdf(
            axes[0][0], throughput["rounds"], tuple(dict.fromkeys(throughput["order"]))
        )
        axes[0][0].set_title("1. Request latency, gateway vs direct (CDF)")
        _bars(axes[0][1], throughput["rounds"], "1. Requests/s by round")
    malformed = sections.get("malformed")
    if malformed:
        _cdf(axes[1][1], malformed["rounds"], ("valid only", "with malformed"))
        rejects = sorted(
            value
            for entry in malformed["rounds"]
            for value in entry.get("malformed", {}).get("latencies_ms", [])
        )
        if rejects:
            shares = [(index + 1) / len(rejects) for index in range(len(rejects))]
            axes[1][1].plot(rejects, shares, label="malformed (rejected)", ls="--")
            axes[1][1].legend()
        axes[1][1].set_title("4. Valid request latency, alone vs under malformed flood")
    end_to_end = sections.get("end_to_end")
    if end_to_end and end_to_end["latencies_ms"]:
        seconds = [value / 1000 for value in end_to_end["latencies_ms"]]
        axes[1][0].hist(seconds, bins=20, color="tab:green")
        axes[1][0].set_xlabel("POST to email captured (s)")
        axes[1][0].set_ylabel("events")
        axes[1][0].set_title(
            f"2. End to end, {end_to_end['events']} events at "
            f"{end_to_end['rate_per_second']:g}/s"
        )
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _cdf(axis: Any, rounds: list[dict[str, Any]], sides: tuple[str, str]) -> None:
    for side in sides:
        values = sorted(
            v
            for entry in rounds
            if entry["side"] == side
            for v in entry["latencies_ms"]
        )
        if values:
            shares = [(index + 1) / len(values) for index in range(len(values))]
            axis.plot(values, shares, label=side)
    axis.set_xscale("log")
    axis.set_xlabel("latency (ms, log scale)")
    axis.set_ylabel("share of requests")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend()


def _bars(axis: Any, rounds: list[dict[str, Any]], title: str) -> None:
    colours = {"gateway": "tab:blue", "direct": "tab:orange"}
    labels = [f"{entry['round']}{entry['side'][0].upper()}" for entry in rounds]
    values = [entry["requests_per_second"] for entry in rounds]
    axis.bar(labels, values, color=[colours.get(e["side"], "grey") for e in rounds])
    axis.set_ylabel("requests/s")
    axis.set_title(title)
