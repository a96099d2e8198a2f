"""
The gateway as the public edge: idempotency, delivery status, bounce webhooks and the
follow-up email, against the whole stack.
"""

from __future__ import annotations

import socket
import struct
import subprocess
import sys
import time
import uuid

import httpx
import pytest
from stack import TEST_SETTINGS, Stack, received_at, unique_recipient, wait_for

pytestmark = pytest.mark.e2e

THROTTLE_PERIOD = int(TEST_SETTINGS["EMAIL_THROTTLE_PERIOD"])
FOLLOW_UP_DELAY = int(TEST_SETTINGS["FOLLOW_UP_DELAY"])


def final_status(stack: Stack, event_id: str) -> dict[str, object]:
    def settled() -> dict[str, object] | None:
        status = stack.status_of(event_id)
        return None if status["status"] in ("queued", "running") else status

    return wait_for(settled, timeout=30, what=f"a final status for {event_id}")


class TestIdempotency:
    def test_repeated_key_answers_one_event_and_sends_one_email(
        self, stack: Stack
    ) -> None:
        """
        Two requests with one Idempotency-Key answer the same event_id, start one run
        and send one email.
        """
        recipient = unique_recipient()
        key = f"e2e-{uuid.uuid4()}"

        first = stack.accept("Arrival", recipient, **{"Idempotency-Key": key})
        second = stack.accept("Arrival", recipient, **{"Idempotency-Key": key})

        assert second == first
        assert stack.wait_for_run_end(first)["status"] == "COMPLETED"
        # A duplicate that slipped through would be throttled, not dropped: wait it out.
        time.sleep(THROTTLE_PERIOD + 2)
        assert len(stack.emails_to(recipient)) == 1


class TestStatus:
    def test_sent_email_is_reported_with_its_id(self, stack: Stack) -> None:
        """
        The status URL reports `sent` with the id of the email Resend received.
        """
        recipient = unique_recipient()

        response = stack.post_movie_watched("Psycho", recipient)
        status = final_status(stack, response.json()["event_id"])

        email = stack.emails_to(recipient)[0]
        assert status["status"] == "sent"
        assert status["email_id"] == email["id"]
        assert response.json()["status_url"] == f"/v1/events/{status['event_id']}"

    def test_unknown_title_is_reported_as_skipped(self, stack: Stack) -> None:
        """
        A title OMDb does not know is `skipped` with the reason movie_not_found.
        """
        event_id = stack.accept("Nonexistent Film 0000", unique_recipient())

        status = final_status(stack, event_id)

        assert (status["status"], status["reason"]) == ("skipped", "movie_not_found")

    def test_rejected_omdb_key_is_reported_as_failed(self, stack: Stack) -> None:
        """
        A failure Meadow cannot retry past is `failed`, with the reason.
        """
        stack.add_fault("omdb", "invalid_key")

        status = final_status(stack, stack.accept("Parasite", unique_recipient()))

        assert status["status"] == "failed"
        assert "key" in str(status["reason"]).lower()

    def test_unknown_event_id_is_404(self, stack: Stack) -> None:
        """
        An id the gateway never accepted answers 404.
        """
        response = stack.http.get(
            f"{stack.gateway_url}/v1/events/01UNKNOWN0000000000000000"
        )

        assert response.status_code == 404


class TestBounces:
    def test_bounce_suppresses_the_next_email(self, stack: Stack) -> None:
        """
        A signed bounce webhook puts the address on the suppression list; the next
        film for it sends nothing and reports `skipped`.
        """
        recipient = unique_recipient()
        stack.accept("Amélie", recipient)
        email = wait_for(lambda: stack.emails_to(recipient), timeout=30, what="email")[
            0
        ]

        answer = stack.bounce(email["id"])

        assert answer["gateway_status"] == 202
        wait_for(lambda: stack.is_suppressed(recipient), timeout=20, what="suppression")
        status = final_status(stack, stack.accept("Heat", recipient))
        assert (status["status"], status["reason"]) == (
            "skipped",
            "recipient_suppressed",
        )
        assert len(stack.emails_to(recipient)) == 1

    def test_forged_webhook_is_refused_and_changes_nothing(self, stack: Stack) -> None:
        """
        A webhook with a wrong signature answers 401 and suppresses no one.
        """
        recipient = unique_recipient()
        body = (
            '{"type": "email.bounced", "created_at": "2026-01-01T00:00:00Z", '
            f'"data": {{"email_id": "forged", "to": ["{recipient}"]}}}}'
        )
        headers = {
            "svix-id": "msg_forged",
            "svix-timestamp": str(int(time.time())),
            "svix-signature": "v1,bm90IGEgcmVhbCBzaWduYXR1cmU=",
            "content-type": "application/json",
        }

        response = stack.http.post(
            f"{stack.gateway_url}/v1/webhooks/resend", content=body, headers=headers
        )

        assert response.status_code == 401
        time.sleep(2)
        assert not stack.is_suppressed(recipient)


class TestFollowUp:
    def test_follow_up_arrives_after_the_delay(self, stack: Stack) -> None:
        """
        FOLLOW_UP_DELAY after the plot email, a follow-up email goes out.
        """
        recipient = unique_recipient()
        stack.accept("Up", recipient)

        plot = wait_for(lambda: stack.emails_to(recipient), timeout=30, what="plot")[0]
        follow_up = wait_for(
            lambda: stack.emails_to(recipient, "follow-up"),
            timeout=FOLLOW_UP_DELAY + 20,
            what="the follow-up",
        )[0]

        gap = (received_at(follow_up) - received_at(plot)).total_seconds()
        assert gap >= FOLLOW_UP_DELAY - 1

    def test_watching_another_film_cancels_the_follow_up(self, stack: Stack) -> None:
        """
        A second film watched before the follow-up is due cancels the first follow-up;
        only the second film's follow-up arrives.
        """
        recipient = unique_recipient()
        stack.accept("Toy Story", recipient)
        wait_for(lambda: stack.emails_to(recipient), timeout=30, what="first plot")

        stack.accept("Jaws", recipient)

        follow_ups = wait_for(
            lambda: stack.emails_to(recipient, "follow-up"),
            timeout=THROTTLE_PERIOD + FOLLOW_UP_DELAY + 20,
            what="a follow-up",
        )
        time.sleep(FOLLOW_UP_DELAY)
        follow_ups = stack.emails_to(recipient, "follow-up")
        assert len(follow_ups) == 1
        assert "Jaws" in follow_ups[0]["subject"]

    def test_bounce_cancels_the_follow_up(self, stack: Stack) -> None:
        """
        A bounce before the follow-up is due cancels it.
        """
        recipient = unique_recipient()
        stack.accept("Alien", recipient)
        email = wait_for(lambda: stack.emails_to(recipient), timeout=30, what="plot")[0]

        stack.bounce(email["id"])

        time.sleep(FOLLOW_UP_DELAY + 5)
        assert stack.emails_to(recipient, "follow-up") == []


def test_gateway_answers_json_errors_never_500(stack: Stack) -> None:
    """
    Malformed input through the real stack gets a 4xx JSON error, not a 500.
    """
    url = f"{stack.gateway_url}/v1/movie-watched"
    bad_requests = [
        httpx.Request(
            "POST",
            url,
            content=b"{not json",
            headers={"content-type": "application/json"},
        ),
        httpx.Request(
            "POST", url, content=b"title=x", headers={"content-type": "text/plain"}
        ),
        httpx.Request("POST", url, json={"movie_title": "", "recipient_email": "x"}),
        httpx.Request(
            "POST",
            url,
            content=b"x" * 100_000,
            headers={"content-type": "application/json"},
        ),
    ]

    answers = [stack.http.send(request) for request in bad_requests]

    assert [a.status_code for a in answers] == [422, 415, 422, 413]
    assert all("error" in a.json() for a in answers)


# Where tcpi_segs_in sits in Linux's struct tcp_info (linux/tcp.h, since 4.2).
TCPI_SEGS_IN_OFFSET = 140


@pytest.mark.skipif(sys.platform != "linux", reason="reads Linux's TCP_INFO")
def test_each_answer_reaches_the_client_as_one_segment(stack: Stack) -> None:
    """
    The gateway writes each answer at once (http_protocol.py): over one
    connection to its container, 20 answers arrive as about 20 TCP segments,
    where uvicorn's own protocol sends 40 (a head and a body each).
    """
    address = container_address(stack, "event-gateway")
    request = b"GET /healthz HTTP/1.1\r\nHost: gateway\r\n\r\n"

    with socket.create_connection((address, 8080), timeout=5) as client:
        answer_once(client, request)
        before = segments_in(client)
        for _ in range(20):
            assert answer_once(client, request).startswith(b"HTTP/1.1 200 OK")
        received = segments_in(client) - before

    # Pure ACKs of the requests may come as segments of their own.
    assert 20 <= received < 30, f"{received} segments for 20 answers"


def container_address(stack: Stack, service: str) -> str:
    """
    The service's address on the stack's network, reached without Docker's
    port proxy, which would copy the segments itself.
    """
    container = stack.compose.get_container(service)
    template = "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}"
    inspect = ["docker", "inspect", "-f", template, container.ID]
    return subprocess.run(
        inspect, check=True, capture_output=True, text=True
    ).stdout.split()[0]


def segments_in(client: socket.socket) -> int:
    """
    Segments the socket has received (tcpi_segs_in of Linux's struct tcp_info).
    """
    info = client.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
    segs_in: int = struct.unpack_from("I", info, TCPI_SEGS_IN_OFFSET)[0]
    return segs_in


def answer_once(client: socket.socket, request: bytes) -> bytes:
    """
    Send a request and read its whole answer (one with a Content-Length).
    """
    client.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        data += client.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += client.recv(65536)
    return head + b"\r\n\r\n" + body
