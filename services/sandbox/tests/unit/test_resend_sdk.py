"""The real `resend` SDK works against the sandbox over HTTP."""

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import resend
import uvicorn
from fastapi import FastAPI

from meadow_sandbox.app import create_app
from meadow_sandbox.settings import Settings
from meadow_sandbox.state import SandboxState


@pytest.fixture(scope="module")
def live_app() -> Iterator[tuple[str, FastAPI]]:
    """
    The sandbox served by uvicorn on a free loopback port, in a thread.
    """
    app = create_app(Settings(log_level="WARNING"))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, http="h11", ws="none", lifespan="off", log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]})
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail(f"uvicorn did not start on 127.0.0.1:{port} within 10 s")
        time.sleep(0.01)

    yield f"http://127.0.0.1:{port}", app

    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def sandbox(
    live_app: tuple[str, FastAPI], monkeypatch: pytest.MonkeyPatch
) -> Iterator[SandboxState]:
    """
    Point the SDK at the live sandbox and hand back its emptied state.
    """
    base_url, app = live_app
    state: SandboxState = app.state.sandbox
    monkeypatch.setattr(resend, "api_url", f"{base_url}/resend")
    monkeypatch.setattr(resend, "api_key", "re_test_key")
    yield state
    state.emails.clear()
    state.resend_requests.clear()
    state.faults.clear()


def params() -> resend.Emails.SendParams:
    return {
        "from": "Meadow <plots@meadow.test>",
        "to": ["jane@example.com"],
        "subject": "Your plot for Heat",
        "html": "<p>Two men, one city.</p>",
    }


def test_sdk_send_is_captured_with_its_idempotency_key(sandbox: SandboxState) -> None:
    """
    `resend.Emails.send` gets an id back, and the email arrives with its key.
    """
    sent = resend.Emails.send(params(), {"idempotency_key": "plot/sdk-1"})
    again = resend.Emails.send(params(), {"idempotency_key": "plot/sdk-1"})

    assert again["id"] == sent["id"]
    [email] = sandbox.emails
    assert email["id"] == sent["id"]
    assert email["idempotency_key"] == "plot/sdk-1"
    assert email["subject"] == "Your plot for Heat"


async def test_sdk_async_send_is_captured(sandbox: SandboxState) -> None:
    """
    `resend.Emails.send_async`, through the SDK's httpx client, works too.
    """
    sent = await resend.Emails.send_async(params())

    assert [email["id"] for email in sandbox.emails] == [sent["id"]]


@pytest.mark.parametrize(
    ("fault", "error", "code"),
    [
        ("rate_limit", resend.exceptions.RateLimitError, 429),
        ("server_error", resend.exceptions.ResendError, 500),
    ],
)
def test_sdk_raises_its_own_errors_for_faults(
    live_app: tuple[str, FastAPI],
    sandbox: SandboxState,
    fault: str,
    error: type[resend.exceptions.ResendError],
    code: int,
) -> None:
    """
    Faulted answers parse into the SDK's exceptions, headers included.
    """
    base_url, _ = live_app
    body: dict[str, Any] = {"target": "resend", "fault": fault}
    httpx.post(f"{base_url}/api/faults", json=body).raise_for_status()

    with pytest.raises(error) as caught:
        resend.Emails.send(params())

    assert caught.value.code == code
    if fault == "rate_limit":
        assert caught.value.headers["retry-after"] == "1"
    assert sandbox.emails == []


def test_sdk_raises_validation_error_for_a_bad_body(sandbox: SandboxState) -> None:
    """
    A body Resend would refuse raises the SDK's `ValidationError` with our message.
    """
    bad = params() | {"to": ["not-an-address"]}

    with pytest.raises(resend.exceptions.ValidationError, match="`to`"):
        resend.Emails.send(bad)
