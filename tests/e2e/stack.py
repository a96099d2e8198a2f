"""
Clients for a running Meadow stack, as the end-to-end tests see it from the host.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import httpx
from testcontainers.compose import DockerCompose

T = TypeVar("T")

# Settings for the stack under test: random loopback ports, so a development stack can
# run beside it, and short retry and throttle periods: tests wait seconds, not minutes.
TEST_SETTINGS = {
    "GATEWAY_PORT": "0",
    "SANDBOX_PORT": "0",
    "INNGEST_PORT": "0",
    # Long enough that Inngest's 4 retries outlast a restart of the function service.
    "INNGEST_RETRY_INTERVAL": "5",
    "EMAIL_THROTTLE_PERIOD": "5",
    "OMDB_LIMIT_RETRY_AFTER": "8",
    "FOLLOW_UP_DELAY": "6",
}

RUNS_OF_EVENT = """
query ($eventId: ID!) {
  event(query: {eventId: $eventId}) { functionRuns { id status output functionID } }
}
"""
RUN_TRACE = """
fragment span on RunTraceSpan { name status }
query ($runId: String!) { run(runID: $runId) { trace { ...span childrenSpans {
  ...span childrenSpans { ...span childrenSpans { ...span } } } } } }
"""
FUNCTIONS = "query { functions { slug } }"


def unique_recipient() -> str:
    """
    A fresh address, so no test sees another test's emails or throttle.
    """
    return f"viewer-{uuid.uuid4().hex[:12]}@example.com"


def received_at(email: dict[str, Any]) -> datetime:
    """
    When the sandbox captured an email.
    """
    return datetime.fromisoformat(email["received_at"].replace("Z", "+00:00"))


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

    compose: DockerCompose
    gateway_url: str
    sandbox_url: str
    inngest_url: str

    def __post_init__(self) -> None:
        self.http = httpx.Client(timeout=10)

    @classmethod
    def of(cls, compose: DockerCompose) -> Stack:
        """
        Clients for a running Compose stack, at the ports Docker published.
        """
        stack = cls(compose=compose, gateway_url="", sandbox_url="", inngest_url="")
        stack.find_ports()
        return stack

    def find_ports(self) -> None:
        """
        Read the published ports again: a restarted container gets new ones.
        """

        def url(service: str, port: int) -> str:
            published = self.compose.get_service_port(service, port)
            return f"http://127.0.0.1:{published}"

        self.gateway_url = url("event-gateway", 8080)
        self.sandbox_url = url("sandbox", 8025)
        self.inngest_url = url("inngest", 8288)

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

    def accept(self, movie_title: str, recipient_email: str, **headers: str) -> str:
        """
        POST a watched movie, check the gateway accepted it, and return its event_id.
        """
        response = self.post_movie_watched(movie_title, recipient_email, **headers)
        assert response.status_code == 202, response.text
        event_id: str = response.json()["event_id"]
        return event_id

    def emails_to(
        self, recipient: str, kind: str = "movie-plot"
    ) -> list[dict[str, Any]]:
        """
        Emails of one kind the sandbox captured for one recipient: plot emails by
        default, or "follow-up". The kind is the prefix of their idempotency keys.
        """
        response = self.http.get(
            f"{self.sandbox_url}/api/emails", params={"to": recipient}
        )
        response.raise_for_status()
        emails: list[dict[str, Any]] = response.json()
        return [e for e in emails if e["idempotency_key"].startswith(f"{kind}/")]

    def omdb_requests(self) -> list[dict[str, Any]]:
        """
        OMDb lookups the sandbox answered.
        """
        response = self.http.get(f"{self.sandbox_url}/api/omdb/requests")
        response.raise_for_status()
        requests: list[dict[str, Any]] = response.json()
        return requests

    def status_of(self, event_id: str) -> dict[str, Any]:
        """
        The delivery status the gateway reports for an event.
        """
        response = self.http.get(f"{self.gateway_url}/v1/events/{event_id}")
        response.raise_for_status()
        status: dict[str, Any] = response.json()
        return status

    def bounce(self, email_id: str) -> dict[str, Any]:
        """
        Have the sandbox send the gateway a signed `email.bounced` webhook.
        """
        response = self.http.post(f"{self.sandbox_url}/api/emails/{email_id}/bounce")
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        return answer

    def is_suppressed(self, recipient: str) -> bool:
        """
        Whether the recipient is on the suppression list in Redis.
        """
        return self.redis("SISMEMBER", "meadow:suppressed", recipient) == "1"

    def resend_requests(self) -> list[dict[str, Any]]:
        """
        Every email request the Resend stand-in answered, failed ones included.
        """
        response = self.http.get(f"{self.sandbox_url}/api/resend/requests")
        response.raise_for_status()
        requests: list[dict[str, Any]] = response.json()
        return requests

    def omdb_lookups_of(self, movie_title: str) -> list[dict[str, Any]]:
        """
        OMDb lookups the sandbox answered for one title.
        """
        return [r for r in self.omdb_requests() if r["params"].get("t") == movie_title]

    def add_fault(self, target: str, fault: str, count: int = 1, **extra: Any) -> None:
        """
        Make the sandbox fail the next `count` requests to OMDb or Resend.
        """
        if target == "resend":
            self.wait_for_resend_quiet()
        body = {"target": target, "fault": fault, "count": count, **extra}
        self.http.post(f"{self.sandbox_url}/api/faults", json=body).raise_for_status()

    def wait_for_resend_quiet(self) -> None:
        """
        Wait until earlier tests' follow-up emails, due FOLLOW_UP_DELAY after their
        plot emails, have gone out, so a Resend fault meets the test's own request.
        """
        quiet = float(TEST_SETTINGS["FOLLOW_UP_DELAY"]) + 1

        def settled() -> bool:
            requests = self.resend_requests()
            if not requests:
                return True
            last = max(received_at(r) for r in requests)
            return (datetime.now(last.tzinfo) - last).total_seconds() > quiet

        wait_for(settled, timeout=60, what="Resend requests to stop", interval=1)

    def redis(self, *command: str) -> str:
        """
        Run a redis-cli command in the stack's Redis container.
        """
        stdout, stderr, code = self.compose.exec_in_container(
            ["redis-cli", *command], service_name="redis"
        )
        assert code == 0, stderr
        return stdout.strip()

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
        errors = body.get("errors") or []
        # The event API answers before the event is stored, and a run can end
        # before its trace is written; until then both are unknown, not errors.
        if any(
            transient in e.get("message", "")
            for e in errors
            for transient in ("no rows", "no function run span found")
        ):
            return {}
        assert not errors, errors
        data: dict[str, Any] = body["data"]
        return data

    def runs_of(self, event_id: str) -> list[dict[str, Any]]:
        """
        Function runs that one event started, with status and decoded output.
        """
        event = self.graphql(RUNS_OF_EVENT, eventId=event_id).get("event")
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

    def failed_attempts(self, run_id: str) -> int:
        """
        How many attempts of a run failed, counted from the spans of its trace.
        """

        def attempts(span: dict[str, Any]) -> list[str]:
            own = [span["status"]] if span["name"].startswith("Attempt ") else []
            return own + [
                s for c in span.get("childrenSpans") or [] for s in attempts(c)
            ]

        def settled() -> list[str] | None:
            # The trace is written behind the run: it may be missing, or show an
            # attempt still RUNNING, for a while after the run has ended. (A
            # failed run's trace keeps one never-started attempt QUEUED.)
            run = self.graphql(RUN_TRACE, runId=run_id).get("run") or {}
            trace = run.get("trace")
            if trace is None or trace["status"] in ("QUEUED", "RUNNING"):
                return None
            statuses = attempts(trace)
            if not statuses or "RUNNING" in statuses:
                return None
            return statuses

        statuses = wait_for(settled, timeout=15, what=f"the trace of run {run_id}")
        return statuses.count("FAILED")

    def wait_for_function_sync(self, slug: str, timeout: float = 60) -> None:
        """
        Wait until the dev server has synced the function app and lists `slug`.
        """

        def synced() -> bool:
            functions = self.graphql(FUNCTIONS)["functions"] or []
            return any(f["slug"] == slug for f in functions)

        wait_for(synced, timeout=timeout, what=f"Inngest to sync function {slug}")
