"""
Shared fixtures: a real Redis in a container, test settings, a recording event
sender, a fake of Inngest's REST API (an httpx transport) and app clients.
"""

import asyncio
import os
import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import httpx
import inngest
import pytest
import redis.asyncio as redis

from meadow_gateway.app import create_app
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

    Pass redis_url to reach a Redis; the default points at a closed port too.
    """
    values: dict[str, Any] = {
        "inngest_dev": "1",
        "inngest_base_url": f"http://127.0.0.1:{closed_port()}",
        "redis_url": f"redis://127.0.0.1:{closed_port()}/0",
    }
    return Settings(**(values | overrides))


@pytest.fixture
def unreachable_redis_url() -> str:
    """
    A Redis URL on a loopback port nothing listens on.
    """
    return f"redis://127.0.0.1:{closed_port()}/0"


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[redis.Redis]:
    """
    A client of the session's Redis, emptied before the test.
    """
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    await client.flushdb()
    yield client
    await client.aclose()


@dataclass(frozen=True)
class SentEvent:
    """
    One event as the gateway handed it to Inngest.
    """

    event_name: str
    data: dict[str, Any]
    event_id: str | None


@dataclass
class FakeSender:
    """
    Stands in for the inngest SDK's send: records every event it is handed,
    and fails with `failure` when one is set.

    Like Inngest, it can answer a new id for every event (`unique_ids`), and
    `gate`, when set, holds each send until the test opens it.
    """

    event_id: str = "01JFAKEEVENTID"
    failure: Exception | None = None
    unique_ids: bool = False
    gate: asyncio.Event | None = None
    calls: list[SentEvent] = field(default_factory=list)

    async def send_batch(self, events: list[inngest.Event]) -> list[str]:
        """
        Record the events, then fail or return an id for each.
        """
        ids = []
        for event in events:
            self.calls.append(SentEvent(event.name, dict(event.data), event.id or None))
            unique = f"{self.event_id}{len(self.calls)}"
            ids.append(unique if self.unique_ids else self.event_id)
        if self.gate is not None:
            await self.gate.wait()
        if self.failure is not None:
            raise self.failure
        return ids


class FakeInngestApi:
    """
    Inngest's /health and REST API as an httpx handler, recording requests.

    `runs[event_id]` is the list of runs answered for that event (none by
    default); `failure`, when set, is answered to every REST call instead.
    """

    def __init__(self) -> None:
        self.runs: dict[str, list[dict[str, Any]]] = {}
        self.failure: Callable[[httpx.Request], httpx.Response] | None = None
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/health":
            return httpx.Response(200, json={"status": 200})
        if self.failure is not None:
            return self.failure(request)
        found = re.fullmatch(r"/v1/events/([^/]+)/runs", request.url.path)
        if found is None:
            return httpx.Response(404, json={"error": "Not found", "status": 404})
        return httpx.Response(
            200,
            json={
                "data": self.runs.get(found.group(1), []),
                "metadata": {"fetched_at": "2026-01-31T12:00:00Z"},
            },
        )

    @property
    def transport(self) -> httpx.MockTransport:
        """
        The transport to hand create_app.
        """
        return httpx.MockTransport(self)


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
def settings_factory(
    redis_client: redis.Redis, redis_url: str
) -> Callable[..., Settings]:
    """
    make_settings on the session's (emptied) Redis, for apps built by hand.
    """

    def build(**overrides: Any) -> Settings:
        return make_settings(**({"redis_url": redis_url} | overrides))

    return build


@pytest.fixture
def sender() -> FakeSender:
    """
    The recording sender that apps from make_client use.
    """
    return FakeSender()


MakeClient = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
def inngest_api() -> FakeInngestApi:
    """
    The fake Inngest REST API; pass `inngest_api.transport` to make_client.
    """
    return FakeInngestApi()


@pytest.fixture
async def make_client(
    sender: FakeSender, settings_factory: Callable[..., Settings]
) -> AsyncIterator[MakeClient]:
    """
    Factory for clients of a started app (lifespan run) with the given settings.

    The app is served through httpx.ASGITransport: Starlette's TestClient warns
    that its httpx support is deprecated, and warnings are errors here. The fake
    sender stands in for the inngest SDK's send unless `real_sender=True`;
    Redis is the session's, emptied for each test.
    """
    async with AsyncExitStack() as stack:

        async def make(
            *,
            real_sender: bool = False,
            http_transport: httpx.AsyncBaseTransport | None = None,
            **overrides: Any,
        ) -> httpx.AsyncClient:
            settings = settings_factory(**overrides)
            app = create_app(
                settings,
                http_transport=http_transport,
                send_batch=None if real_sender else sender.send_batch,
            )
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
