"""
The whole pipeline: gateway, Inngest dev server, function, Redis and the sandbox.
"""

from __future__ import annotations

import pytest
from meadow_sandbox.catalogue import find_by_title
from stack import Stack, unique_recipient, wait_for

pytestmark = pytest.mark.e2e


def test_watched_movie_plot_arrives_by_email(stack: Stack) -> None:
    """
    A POST for a catalogue film leads to exactly one email holding its plot, and the
    Inngest run of the returned event completes.
    """
    recipient = unique_recipient()

    response = stack.post_movie_watched("The Matrix", recipient)

    assert response.status_code == 202, response.text
    event_id = response.json()["event_id"]
    emails = wait_for(
        lambda: stack.emails_to(recipient), timeout=30, what=f"an email to {recipient}"
    )
    run = stack.wait_for_run_end(event_id)
    assert run["status"] == "COMPLETED", run
    assert len(stack.emails_to(recipient)) == 1
    film = find_by_title("The Matrix", year=None, kind=None)
    assert film is not None
    assert film.plot_full in emails[0]["text"]
    assert "The Matrix" in emails[0]["subject"]
