"""Shared fixtures: a fresh sandbox app per test, reached in-process."""

import base64
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from meadow_sandbox.app import create_app
from meadow_sandbox.settings import Settings

# Made for these tests only, in the form Resend shows: `whsec_` and base64.
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"meadow-sandbox-test-key").decode()
GATEWAY_URL = "http://gateway.test/v1/webhooks/resend"


@pytest.fixture
def settings() -> Settings:
    """
    Settings with short fault defaults, so slow faults keep tests quick, and a
    webhook secret and gateway URL of their own.
    """
    return Settings(
        log_level="INFO",
        slow_fault_default_seconds=0.2,
        rate_limit_retry_after_seconds=3,
        resend_webhook_secret=WEBHOOK_SECRET,
        gateway_webhook_url=GATEWAY_URL,
    )


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    """
    A sandbox app with empty state.
    """
    return create_app(settings)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """
    An HTTP client wired to the app through ASGI, no sockets involved.
    """
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as c:
        yield c


@pytest.fixture
def auth() -> dict[str, str]:
    """
    The headers a Resend client sends with its API key.
    """
    return {"Authorization": "Bearer re_test_key"}


@pytest.fixture
def email() -> dict[str, Any]:
    """
    A valid Resend email body.
    """
    return {
        "from": "Meadow <plots@meadow.test>",
        "to": "jane@example.com",
        "subject": "Your plot for The Matrix",
        "html": "<p>A hacker learns the truth.</p>",
        "text": "A hacker learns the truth.",
    }
