"""Shared fixtures: test settings, a recording event sender, app clients."""

import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from meadow_gateway.app import create_app
from meadow_gateway.deps import get_event_sender
from meadow_gateway.sender import JsonData
from meadow_gateway.settings import Settings


def closed_port() -> int:
    """
    A loopback port nothing listens on (bound, then released).
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def make_settings(**overrides: Any) -> Settings:
    """
    Settings for a dev-server gateway whose Inngest is a closed loopback port.
    """
    values: dict[str, Any] = {
        "inngest_dev": "1",
        "inngest_base_url": f"http://127.0.0.1:{closed_port()}",
    }
    return Settings(**(values | overrides))


@dataclass(frozen=True)
class SentEvent:
    """
    One event as the route handed it to the sender.
    """

    event_name: str
    data: dict[str, str]
    event_id: str | None


@dataclass
class FakeSender:
    """
    Records every event it is handed; fails with `failure` when one is set.
    """

    event_id: str = "01JFAKEEVENTID"
    failure: Exception | None = None
    calls: list[SentEvent] = field(default_factory=list)

    async def send(
        self, *, event_name: str, data: JsonData, event_id: str | None
    ) -> str:
        """
        Record the event, then fail or return the configured id.
        """
        self.calls.append(SentEvent(event_name, dict(data), event_id))
        if self.failure is not None:
            raise self.failure
        return self.event_id


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """
    Keep the developer's INNGEST_* and gateway variables out of every test.
    """
    names = {name.upper() for name in Settings.model_fields}
    for name in list(os.environ):
        if name.startswith("INNGEST_") or name in names:
            monkeypatch.delenv(name)


@pytest.fixture
def settings_factory() -> Callable[..., Settings]:
    """
    make_settings, for tests that build an app by hand.
    """
    return make_settings


@pytest.fixture
def sender() -> FakeSender:
    """
    The recording sender that apps from make_client use.
    """
    return FakeSender()


MakeClient = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def make_client(sender: FakeSender) -> AsyncIterator[MakeClient]:
    """
    Factory for clients of a started app (lifespan run) with the given settings.

    The app is served through httpx.ASGITransport: Starlette's TestClient warns
    that its httpx support is deprecated, and warnings are errors here. The fake
    sender replaces the real one unless `real_sender=True`.
    """
    async with AsyncExitStack() as stack:

        async def make(
            *,
            real_sender: bool = False,
            http_transport: httpx.AsyncBaseTransport | None = None,
            **overrides: Any,
        ) -> httpx.AsyncClient:
            settings = make_settings(**overrides)
            app = create_app(settings, http_transport=http_transport)
            if not real_sender:
                app.dependency_overrides[get_event_sender] = lambda: sender
            await stack.enter_async_context(app.router.lifespan_context(app))
            transport = httpx.ASGITransport(app=app)
            return await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url="http://gateway")
            )

        yield make


@pytest.fixture
async def client(make_client: MakeClient) -> httpx.AsyncClient:
    """
    A client of an open (no keys) gateway with default settings.
    """
    return await make_client()
