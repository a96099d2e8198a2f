"""
Shared fixtures: a real Redis in a container, settings, and fakes for the
outside APIs we do not own (OMDb, Resend) as httpx transports.
"""

import importlib
import inspect
import json
import os
import socket
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as redis
import resend
from pydantic.warnings import PydanticDeprecatedSince20
from testcontainers.core.container import DockerContainer
from testcontainers.core.wait_strategies import LogMessageWaitStrategy

from meadow_functions.cache import create_redis
from meadow_functions.settings import Settings

LOCAL_IMAGES = Path(__file__).resolve().parents[3] / "local-images.env"
OMDB_URL = "https://omdb.test/"
RESEND_URL = "https://resend.test"


def _import_inngest_fastapi_adapter() -> None:
    # inngest 0.5.19's CommRequest still declares a class-based pydantic config,
    # which warns once at import; pytest turns warnings into errors. Importing
    # it here, before any test module, keeps the suppression to that one spot.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=PydanticDeprecatedSince20)
        importlib.import_module("inngest.fast_api")


_import_inngest_fastapi_adapter()

Handler = Callable[[httpx.Request], httpx.Response | Awaitable[httpx.Response]]


def _redis_image() -> str:
    image = os.environ.get("REDIS_IMAGE")
    if image:
        return image
    if LOCAL_IMAGES.exists():
        for line in LOCAL_IMAGES.read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "REDIS_IMAGE" and value.strip():
                return value.strip()
    msg = f"no Redis image: set REDIS_IMAGE or write REDIS_IMAGE= in {LOCAL_IMAGES}"
    raise RuntimeError(msg)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """
    URL of a Redis server started for this test session.
    """
    container = (
        DockerContainer(_redis_image())
        .with_command("redis-server --bind 0.0.0.0 --protected-mode no")
        .with_exposed_ports(6379)
        .waiting_for(LogMessageWaitStrategy("Ready to accept connections"))
    )
    with pytest.MonkeyPatch.context() as env:
        # The Ryuk reaper image cannot be pulled here; the fixture stops the
        # container itself.
        env.setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
        container.start()
    try:
        host = container.get_container_host_ip()
        yield f"redis://{host}:{container.get_exposed_port(6379)}/0"
    finally:
        container.stop()


@pytest.fixture
def closed_port() -> int:
    """
    A local TCP port nothing listens on.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


SettingsFactory = Callable[..., Settings]


@pytest.fixture
def make_settings(redis_url: str) -> SettingsFactory:
    """
    Build settings for tests; keyword arguments override single fields.
    """

    def build(**overrides: Any) -> Settings:
        fields: dict[str, Any] = {
            "redis_url": redis_url,
            "omdb_api_url": OMDB_URL,
            "omdb_api_key": "test-omdb-key",
            "resend_api_url": RESEND_URL,
            "resend_api_key": "re_test_key",
            "email_from": "Meadow <plots@meadow.test>",
            **overrides,
        }
        return Settings(**fields)

    return build


@pytest.fixture
def settings(make_settings: SettingsFactory) -> Settings:
    """
    Settings pointing at the session's Redis and at the fake APIs.
    """
    return make_settings()


@pytest.fixture
async def redis_client(settings: Settings) -> AsyncIterator[redis.Redis]:
    """
    A client on an emptied Redis database.
    """
    client = create_redis(settings)
    await client.flushdb()
    yield client
    await client.aclose()


def json_response(
    status: int, body: object, headers: dict[str, str] | None = None
) -> httpx.Response:
    """
    A JSON response as the APIs send them.
    """
    return httpx.Response(
        status,
        content=json.dumps(body).encode(),
        headers={"content-type": "application/json; charset=utf-8", **(headers or {})},
    )


class FakeApis:
    """
    OMDb and Resend behind one MockTransport, recording every request.
    """

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.omdb: Handler = lambda _: json_response(200, self.movie())
        self.resend: Handler = lambda _: json_response(200, {"id": "email-123"})

    @staticmethod
    def movie(
        title: str = "The Matrix",
        *,
        year: str = "1999",
        imdb_id: str = "tt0133093",
        plot: str = "A hacker learns what the Matrix really is.",
    ) -> dict[str, str]:
        """
        OMDb's answer for a film it found.
        """
        return {
            "Title": title,
            "Year": year,
            "imdbID": imdb_id,
            "Plot": plot,
            "Response": "True",
        }

    def omdb_answers(self, status: int, body: object) -> None:
        """
        Make OMDb answer every request with this status and JSON body.
        """
        self.omdb = lambda _: json_response(status, body)

    def omdb_fails(self, error: str, status: int = 200) -> None:
        """
        Make OMDb answer with an error text, as it does, in a JSON body.
        """
        self.omdb_answers(status, {"Response": "False", "Error": error})

    def resend_answers(
        self, status: int, body: object, headers: dict[str, str] | None = None
    ) -> None:
        """
        Make Resend answer every request with this status, body and headers.
        """
        self.resend = lambda _: json_response(status, body, headers)

    @property
    def omdb_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.host == "omdb.test"]

    @property
    def resend_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.host == "resend.test"]

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        handler = self.omdb if request.url.host == "omdb.test" else self.resend
        response = handler(request)
        if inspect.isawaitable(response):
            response = await response
        return response


@pytest.fixture
def apis() -> FakeApis:
    """
    Fake OMDb and Resend; tests swap `apis.omdb` / `apis.resend` handlers.
    """
    return FakeApis()


@pytest.fixture
async def http(apis: FakeApis) -> AsyncIterator[httpx.AsyncClient]:
    """
    The shared httpx client, wired to the fake APIs.
    """
    async with httpx.AsyncClient(transport=httpx.MockTransport(apis)) as client:
        yield client


@pytest.fixture(autouse=True)
def _restore_resend_globals() -> Iterator[None]:
    """
    The resend SDK keeps its key, URL and HTTP client in module globals, which the
    Mailer sets; restore them so no test leaves another a closed client.
    """
    saved = (resend.api_key, resend.api_url, resend.default_async_http_client)
    yield
    resend.api_key, resend.api_url, resend.default_async_http_client = saved
