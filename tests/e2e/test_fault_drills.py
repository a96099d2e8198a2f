"""
Fault drills: parts of the stack crash or stop while work is in flight, and nothing
accepted is lost or sent twice.
"""

from __future__ import annotations

import subprocess
import time

import pytest
from harness import FUNCTION_SLUG
from stack import Stack, unique_recipient, wait_for

pytestmark = pytest.mark.e2e


def compose(stack: Stack, *args: str) -> None:
    command = [*stack.compose.compose_command_property, *args]
    subprocess.run(command, check=True, capture_output=True)


def test_functions_crash_mid_flight_loses_and_repeats_nothing(stack: Stack) -> None:
    """
    Killing the function service while runs are in flight, then starting it again:
    every email still arrives, none twice.
    """
    recipients = [unique_recipient() for _ in range(8)]
    for recipient in recipients:
        stack.accept("Heat", recipient)

    compose(stack, "kill", "functions")
    compose(stack, "up", "--wait", "functions")

    for recipient in recipients:
        wait_for(lambda r=recipient: stack.emails_to(r), timeout=90, what=recipient)
    time.sleep(3)
    assert [len(stack.emails_to(r)) for r in recipients] == [1] * len(recipients)


def test_resend_failing_three_times_sends_one_email(stack: Stack) -> None:
    """
    Three Resend 500s in a row are retried through; one email in the end.
    """
    recipient = unique_recipient()
    stack.add_fault("resend", "server_error", count=3)

    run = stack.wait_for_run_end(stack.accept("Arrival", recipient), timeout=60)

    assert run["status"] == "COMPLETED", run
    assert len(stack.emails_to(recipient)) == 1
    statuses = [
        r["status_code"]
        for r in stack.resend_requests()
        if recipient in r["body"].get("to", [])
    ]
    assert statuses == [500, 500, 500, 200]


def test_gateway_answers_503_while_inngest_is_down_then_accepts(stack: Stack) -> None:
    """
    With Inngest stopped, the gateway refuses with 503 and Retry-After instead of
    accepting an event it cannot hand over; once Inngest is back it accepts again.
    """
    recipient = unique_recipient()
    compose(stack, "stop", "inngest")
    try:
        refused = stack.post_movie_watched("Heat", recipient)
    finally:
        compose(stack, "up", "--wait", "inngest")
        stack.find_ports()
        stack.wait_for_function_sync(FUNCTION_SLUG)

    assert refused.status_code == 503, refused.text
    assert int(refused.headers["Retry-After"]) > 0
    assert "retry" in refused.json()["message"].lower()
    stack.accept("Heat", recipient)
    wait_for(lambda: stack.emails_to(recipient), timeout=30, what="the email")
