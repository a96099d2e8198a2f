"""
Shared fixtures: a real Redis in a container, settings, fakes for the outside
APIs we do not own (OMDb, Resend) as httpx transports, and a stand-in for the
Inngest event API that records what functions send.
"""

import importlib
import inspect
import json
import socket
import threading
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
import redis.asyncio as redis
import resend
from pydantic.warnings import PydanticDeprecatedSince20

from meadow_functions.cache import create_redis
from meadow_functions.settings import Settings

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


class EventApi(ThreadingHTTPServer):
    """
    A local stand-in for Inngest's event API (`POST /e/{key}`), recording
    every event sent to it.
    """

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _EventApiHandler)
        self.events: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class _EventApiHandler(BaseHTTPRequestHandler):
    server: EventApi

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        events = json.loads(self.rfile.read(length))
        self.server.events.extend(events)
        ids = [event.get("id") or f"generated-{i}" for i, event in enumerate(events)]
        body = json.dumps({"ids": ids, "status": 200}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """
        Keep request lines out of the test output.
        """


@pytest.fixture(scope="session")
def _event_api_server() -> Iterator[EventApi]:
    server = EventApi()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(autouse=True)
def event_api(_event_api_server: EventApi, monkeypatch: pytest.MonkeyPatch) -> EventApi:
    """
    Events the functions send land here, never at a dev server that happens
    to run on this machine; the list starts empty in every test.
    """
    _event_api_server.events.clear()
    monkeypatch.setenv("INNGEST_EVENT_API_BASE_URL", _event_api_server.url)
    return _event_api_server


@pytest.fixture(autouse=True)
def inngest_dev(monkeypatch: pytest.MonkeyPatch) -> None:
    """
    Dev Server mode, as in Compose: no signing key needed.
    """
    monkeypatch.setenv("INNGEST_DEV", "1")


class FunctionRunner:
    """
    Drives a function through /api/inngest the way the Inngest server does:
    one request per step, memoised step results sent back each time.
    """

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        # Every step operation the function reported, in order.
        self.ops: list[dict[str, Any]] = []

    async def __call__(
        self, event: dict[str, Any], *, fn_id: str, max_requests: int = 10
    ) -> httpx.Response:
        """
        Call the function until it finishes or fails; return the last response.
        """
        steps: dict[str, dict[str, object]] = {}
        for _ in range(max_requests):
            response = await self.client.post(
                "/api/inngest",
                params={"fnId": fn_id, "stepId": "step"},
                json=_run_request(event, steps),
            )
            if response.status_code != 206:
                return response
            for op in response.json():
                self.ops.append(op)
                if "error" in op:
                    return response
                steps[op["id"]] = {"data": op.get("data")}
        raise AssertionError(f"no result after {max_requests} requests")


def _run_request(
    event: dict[str, Any], steps: dict[str, dict[str, object]]
) -> dict[str, Any]:
    return {
        "ctx": {
            "attempt": 0,
            "disable_immediate_execution": False,
            "run_id": "01RUN",
            "stack": {"stack": list(steps)},
        },
        "event": event,
        "events": [event],
        "steps": steps,
        "use_api": False,
    }


@pytest.fixture
async def app_client(
    settings: Settings, http: httpx.AsyncClient, redis_client: redis.Redis
) -> AsyncIterator[httpx.AsyncClient]:
    """
    A client on the app wired to the test Redis and the fake APIs.
    """
    # Imported here, after the adapter import above has absorbed its warning.
    from meadow_functions.app import create_app

    app = create_app(settings, http=http, redis_client=redis_client)
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://fn") as client:
        yield client


@pytest.fixture
def run(app_client: httpx.AsyncClient) -> FunctionRunner:
    """
    Runs functions of the app behind `app_client`.
    """
    return FunctionRunner(app_client)


@pytest.fixture
def runner_for() -> type[FunctionRunner]:
    """
    Builds a runner for an app a test made itself: `runner_for(client)`.
    """
    return FunctionRunner


@pytest.fixture
def function_config(
    make_settings: SettingsFactory, http: httpx.AsyncClient
) -> Callable[..., dict[str, Any]]:
    """
    The configuration a function registers with Inngest, as sent at sync:
    `function_config(fn_id, **settings_overrides)`.
    """

    from meadow_functions.app import create_inngest_client
    from meadow_functions.functions import create_functions

    def config(fn_id: str, **overrides: Any) -> dict[str, Any]:
        settings = make_settings(**overrides)
        functions = create_functions(
            settings,
            client=create_inngest_client(),
            redis_client=create_redis(settings),
            http=http,
        )
        for function in functions:
            registered = function.get_config("http://fn/api/inngest").main.to_dict()
            if registered["id"] == fn_id:
                return registered
        raise AssertionError(f"no function {fn_id!r} among {len(functions)}")

    return config
