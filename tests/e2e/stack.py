"""
Clients for a running Meadow stack, as the end-to-end tests see it from the host.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

T = TypeVar("T")

RUNS_OF_EVENT = """
query ($eventId: ID!) {
  event(query: {eventId: $eventId}) { functionRuns { id status output functionID } }
}
"""
FUNCTIONS = "query { functions { slug } }"


def wait_for(
    check: Callable[[], T | None], *, timeout: float, what: str, interval: float = 0.25
) -> T:
    """
    Poll `check` until it returns a truthy value, or fail naming what never happened.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            msg = f"timed out after {timeout:.0f} s waiting for {what}"
            raise AssertionError(msg)
        time.sleep(interval)


@dataclass
class Stack:
    """
    Base URLs of the published services, with helpers for what the tests ask of them.
    """

    gateway_url: str
    sandbox_url: str
    inngest_url: str

    def __post_init__(self) -> None:
        self.http = httpx.Client(timeout=10)

    def post_movie_watched(
        self, movie_title: str, recipient_email: str, **headers: str
    ) -> httpx.Response:
        """
        POST a watched movie to the gateway, as a client of Meadow would.
        """
        return self.http.post(
            f"{self.gateway_url}/v1/movie-watched",
            json={"movie_title": movie_title, "recipient_email": recipient_email},
            headers=headers,
        )

    def emails_to(self, recipient: str) -> list[dict[str, Any]]:
        """
        Emails the sandbox captured for one recipient.
        """
        response = self.http.get(
            f"{self.sandbox_url}/api/emails", params={"to": recipient}
        )
        response.raise_for_status()
        emails: list[dict[str, Any]] = response.json()
        return emails

    def omdb_requests(self) -> list[dict[str, Any]]:
        """
        OMDb lookups the sandbox answered.
        """
        response = self.http.get(f"{self.sandbox_url}/api/omdb/requests")
        response.raise_for_status()
        requests: list[dict[str, Any]] = response.json()
        return requests

    def graphql(self, query: str, **variables: Any) -> dict[str, Any]:
        """
        Ask the Inngest server's GraphQL API, which, unlike its REST run API, is not
        cached, so a run's status is read fresh on every poll.
        """
        response = self.http.post(
            f"{self.inngest_url}/v0/gql",
            json={"query": query, "variables": variables},
        )
        response.raise_for_status()
        body = response.json()
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    def runs_of(self, event_id: str) -> list[dict[str, Any]]:
        """
        Function runs that one event started, with status and decoded output.
        """
        event = self.graphql(RUNS_OF_EVENT, eventId=event_id)["event"]
        runs: list[dict[str, Any]] = (event or {}).get("functionRuns") or []
        for run in runs:
            run["output"] = json.loads(run["output"]) if run.get("output") else None
        return runs

    def wait_for_run_end(self, event_id: str, timeout: float = 30) -> dict[str, Any]:
        """
        Wait until the event's single run has finished, and return it.
        """

        def finished() -> dict[str, Any] | None:
            runs = self.runs_of(event_id)
            done = [r for r in runs if r["status"] not in ("QUEUED", "RUNNING")]
            return done[0] if done else None

        return wait_for(finished, timeout=timeout, what=f"the run of event {event_id}")

    def wait_for_function_sync(self, slug: str, timeout: float = 60) -> None:
        """
        Wait until the dev server has synced the function app and lists `slug`.
        """

        def synced() -> bool:
            functions = self.graphql(FUNCTIONS)["functions"] or []
            return any(f["slug"] == slug for f in functions)

        wait_for(synced, timeout=timeout, what=f"Inngest to sync function {slug}")
