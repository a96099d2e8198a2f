"""
An event's runs, read from Inngest's REST API, and what they say about the email.

`GET /v1/events/{event_id}/runs` answers `{"data": [run, ...], "metadata": ...}`;
each run has `run_id`, `run_started_at`, `status` (`Scheduled`, `Running`,
`Completed`, `Failed`, `Cancelled`, ...) and, once ended, the function's
`output`: its return value, or for a failure `{"name", "message", "code", ...}`.
"""

import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, urljoin

import httpx

from .models import EventStatus

MOVIE_NOT_FOUND_ERROR = "MovieNotFoundError"


class InngestUnavailable(Exception):
    """
    Inngest's REST API did not give a usable answer.
    """


class InngestRuns:
    """
    Reads runs through the gateway's shared HTTP client.
    """

    def __init__(
        self,
        http_client: httpx.AsyncClient,
        *,
        api_origin: str,
        signing_key: str | None,
        timeout_seconds: float,
    ) -> None:
        self._http = http_client
        self._api_origin = api_origin
        self._headers = (
            {"Authorization": f"Bearer {signing_key}"} if signing_key else {}
        )
        self._timeout = timeout_seconds

    async def runs(self, event_id: str) -> list[Mapping[str, Any]]:
        """
        The runs Inngest started for event_id (none yet is an empty list).
        """
        url = urljoin(self._api_origin, f"/v1/events/{quote(event_id, safe='')}/runs")
        # Inngest caches this answer for about 15 s per URL, so without a fresh
        # parameter an early empty answer would hide a run that has started.
        params = {"cache_bust": uuid.uuid4().hex}
        try:
            response = await self._http.get(
                url, params=params, headers=self._headers, timeout=self._timeout
            )
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            msg = f"GET {url} failed ({type(exc).__name__}: {exc})"
            raise InngestUnavailable(msg) from exc
        return _parse_runs(url, response)


def _parse_runs(url: str, response: httpx.Response) -> list[Mapping[str, Any]]:
    if response.status_code != 200:
        msg = f"GET {url} answered {response.status_code}"
        raise InngestUnavailable(msg)
    try:
        body = response.json()
    except ValueError as exc:
        msg = f"GET {url} answered with a body that is not JSON"
        raise InngestUnavailable(msg) from exc

    # An error comes back as 200 {"error": ..., "data": null, "status": 400}.
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        error = body.get("error") if isinstance(body, dict) else None
        msg = f"GET {url} answered without a list of runs ({error or 'no data'})"
        raise InngestUnavailable(msg)
    return [run for run in data if isinstance(run, dict)]


def summarise(event_id: str, runs: Sequence[Mapping[str, Any]]) -> EventStatus:
    """
    What the latest run of an event says about its email.
    """
    if not runs:
        return EventStatus(event_id=event_id, status="queued")
    run = max(runs, key=lambda run: str(run.get("run_started_at") or ""))
    run_id = str(run.get("run_id") or "") or None
    status = run.get("status")
    output = run.get("output")
    output = output if isinstance(output, dict) else {}

    if status == "Running":
        return EventStatus(event_id=event_id, status="running", run_id=run_id)
    if status == "Completed":
        return _completed(event_id, run_id, output)
    if status in ("Failed", "Overflowed"):
        return _failed(event_id, run_id, output)
    if status == "Cancelled":
        reason = "the run was cancelled before the email was sent"
        return EventStatus(
            event_id=event_id, status="failed", run_id=run_id, reason=reason
        )
    if status == "Skipped":
        reason = "Inngest skipped the run; check that the function is not paused"
        return EventStatus(
            event_id=event_id, status="failed", run_id=run_id, reason=reason
        )
    # Scheduled (waiting in the queue, e.g. behind the per-recipient throttle).
    return EventStatus(event_id=event_id, status="queued", run_id=run_id)


def _completed(
    event_id: str, run_id: str | None, output: Mapping[str, Any]
) -> EventStatus:
    if output.get("status") == "sent":
        email_id = output.get("email_id")
        return EventStatus(
            event_id=event_id,
            status="sent",
            run_id=run_id,
            email_id=str(email_id) if email_id is not None else None,
        )
    if output.get("status") == "skipped":
        return EventStatus(
            event_id=event_id,
            status="skipped",
            run_id=run_id,
            reason=str(output.get("reason") or "unknown"),
        )
    # Every Meadow run returns a status. The run API can report "Completed" a moment
    # before the output is stored (seen on dev server v1.44): still in progress.
    return EventStatus(event_id=event_id, status="running", run_id=run_id)


def _failed(
    event_id: str, run_id: str | None, output: Mapping[str, Any]
) -> EventStatus:
    message = str(output.get("message") or output.get("name") or "the run failed")
    if output.get("name") == MOVIE_NOT_FOUND_ERROR:
        return EventStatus(
            event_id=event_id,
            status="skipped",
            run_id=run_id,
            reason="movie_not_found",
            message=message,
        )
    return EventStatus(
        event_id=event_id, status="failed", run_id=run_id, reason=message
    )
