"""
The plot mailer against the real dev server, under every answer OMDb, Resend and Redis
can give. Each test uses its own film, so no test reads a plot another one cached.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from stack import TEST_SETTINGS, Stack, received_at, unique_recipient, wait_for

pytestmark = pytest.mark.e2e

THROTTLE_PERIOD = int(TEST_SETTINGS["EMAIL_THROTTLE_PERIOD"])
LIMIT_RETRY_AFTER = int(TEST_SETTINGS["OMDB_LIMIT_RETRY_AFTER"])


class TestLookup:
    def test_unknown_title_fails_at_once_without_email(self, stack: Stack) -> None:
        """
        "Movie not found!" ends the run as failed after one attempt and one lookup,
        with an output naming the title, and sends nothing.
        """
        recipient = unique_recipient()
        title = f"No Such Film {uuid.uuid4().hex[:8]}"

        run = stack.wait_for_run_end(stack.accept(title, recipient))

        assert run["status"] == "FAILED", run
        assert title in json.dumps(run["output"])
        assert len(stack.omdb_lookups_of(title)) == 1
        assert stack.failed_attempts(run["id"]) == 1
        assert stack.emails_to(recipient) == []

    def test_request_limit_is_retried_later_not_failed(self, stack: Stack) -> None:
        """
        OMDb's daily limit (HTTP 401 "Request limit reached!") schedules a retry after
        OMDB_LIMIT_RETRY_AFTER; the run waits instead of failing, then sends the email.
        """
        recipient = unique_recipient()
        stack.add_fault("omdb", "limit")

        event_id = stack.accept("Casablanca", recipient)

        wait_for(
            lambda: stack.omdb_lookups_of("Casablanca"), timeout=15, what="a lookup"
        )
        time.sleep(LIMIT_RETRY_AFTER / 2)
        assert [r["status"] for r in stack.runs_of(event_id)] == ["RUNNING"]
        assert stack.emails_to(recipient) == []
        wait_for(lambda: stack.emails_to(recipient), timeout=40, what="the email")
        assert stack.wait_for_run_end(event_id)["status"] == "COMPLETED"
        first, second = stack.omdb_lookups_of("Casablanca")
        assert (first["status_code"], first["error"]) == (401, "Request limit reached!")
        assert second["status_code"] == 200
        waited = received_at(second) - received_at(first)
        assert waited.total_seconds() >= LIMIT_RETRY_AFTER - 1


class TestEmail:
    def test_resend_server_error_once_still_sends_one_email(self, stack: Stack) -> None:
        """
        A Resend 500 is retried with the same idempotency key: one email in the end.
        """
        recipient = unique_recipient()
        stack.add_fault("resend", "server_error")

        run = stack.wait_for_run_end(stack.accept("Alien", recipient))

        assert run["status"] == "COMPLETED", run
        assert len(stack.emails_to(recipient)) == 1
        attempts = [
            r for r in stack.resend_requests() if recipient in r["body"].get("to", [])
        ]
        assert [r["status_code"] for r in attempts] == [500, 200]
        assert len({r["idempotency_key"] for r in attempts}) == 1

    def test_concurrent_events_for_one_title_make_one_lookup(
        self, stack: Stack
    ) -> None:
        """
        Twenty runs for one uncached title share a single OMDb request, and every
        recipient gets the email.
        """
        recipients = [unique_recipient() for _ in range(20)]

        with ThreadPoolExecutor(max_workers=20) as pool:
            responses = list(
                pool.map(
                    lambda r: stack.post_movie_watched("Spirited Away", r), recipients
                )
            )

        assert all(r.status_code == 202 for r in responses)
        for recipient in recipients:
            wait_for(
                lambda who=recipient: stack.emails_to(who), timeout=60, what=recipient
            )
        assert len(stack.omdb_lookups_of("Spirited Away")) == 1


class TestPace:
    def test_second_email_to_one_recipient_is_queued_not_dropped(
        self, stack: Stack
    ) -> None:
        """
        Two films watched back to back both arrive, the second one throttle period
        after the first.
        """
        recipient = unique_recipient()

        stack.accept("Heat", recipient)
        stack.accept("Up", recipient)

        def both_emails() -> list[dict[str, str]] | None:
            found = stack.emails_to(recipient)
            return found if len(found) == 2 else None

        emails = wait_for(
            both_emails,
            timeout=THROTTLE_PERIOD * 6,
            what="two emails",
        )
        gap = received_at(emails[1]) - received_at(emails[0])
        assert gap.total_seconds() >= THROTTLE_PERIOD - 1


class TestSuppressionAndOutages:
    def test_suppressed_recipient_gets_no_email(self, stack: Stack) -> None:
        """
        An address in the suppression set gets nothing; the run completes saying why.
        """
        recipient = unique_recipient()
        stack.redis("SADD", "meadow:suppressed", recipient)

        run = stack.wait_for_run_end(stack.accept("Toy Story", recipient))

        assert run["status"] == "COMPLETED", run
        assert run["output"] == {"status": "skipped", "reason": "recipient_suppressed"}
        assert stack.emails_to(recipient) == []

    def test_email_still_sent_while_redis_is_down(self, stack: Stack) -> None:
        """
        With Redis stopped, the run asks OMDb directly and the email still goes out.
        """
        recipient = unique_recipient()
        compose = stack.compose.compose_command_property
        subprocess.run([*compose, "stop", "redis"], check=True, capture_output=True)
        try:
            run = stack.wait_for_run_end(stack.accept("Jaws", recipient))

            assert run["status"] == "COMPLETED", run
            assert len(stack.emails_to(recipient)) == 1
        finally:
            subprocess.run(
                [*compose, "up", "--wait", "redis"], check=True, capture_output=True
            )
