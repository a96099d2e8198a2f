"""The event route served ahead of FastAPI's stack, and everything else through it."""

from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Request, Response
from starlette import routing

from meadow_gateway.direct_routes import DirectRoutes
from meadow_gateway.errors import ApiError

URL = "/v1/movie-watched"
VALID = {"movie_title": "Alien", "recipient_email": "jane@example.com"}


class RecordingApp:
    """
    Stands in for FastAPI's stack: records what reaches it, answers 404.
    """

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.seen.append((scope["type"], scope.get("path", "")))
        if scope["type"] == "http":
            await Response(status_code=404)(scope, receive, send)


async def ping(request: Request) -> Response:
    if request.headers.get("x-fail"):
        raise ApiError(409, "busy", "Try again.")
    return Response(await request.body(), status_code=201)


def routed(handler: Any = ping, path: str = "/ping") -> APIRouter:
    router = APIRouter()
    router.add_api_route(path, handler, methods=["POST"])
    return router


def client_of(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    )


async def test_the_endpoint_answers_without_the_framework() -> None:
    framework = RecordingApp()
    app = DirectRoutes.for_endpoints(framework, routed(), [ping])

    async with client_of(app) as client:
        response = await client.post("/ping", content=b"hello")

    assert (response.status_code, response.content) == (201, b"hello")
    assert framework.seen == []


async def test_other_methods_and_paths_go_to_the_framework() -> None:
    framework = RecordingApp()
    app = DirectRoutes.for_endpoints(framework, routed(), [ping])

    async with client_of(app) as client:
        statuses = [
            (await client.get("/ping")).status_code,
            (await client.post("/ping/")).status_code,
            (await client.post("/other")).status_code,
        ]

    assert statuses == [404, 404, 404]
    assert framework.seen == [("http", "/ping"), ("http", "/ping/"), ("http", "/other")]


async def test_an_api_error_is_answered_in_the_error_shape() -> None:
    app = DirectRoutes.for_endpoints(RecordingApp(), routed(), [ping])

    async with client_of(app) as client:
        response = await client.post("/ping", headers={"X-Fail": "1"})

    assert response.status_code == 409
    assert response.json() == {"error": "busy", "message": "Try again.", "problems": []}


def test_an_endpoint_no_route_has_is_refused() -> None:
    with pytest.raises(ValueError, match="no route of the router has .*ping"):
        DirectRoutes.for_endpoints(RecordingApp(), APIRouter(), [ping])


def test_a_route_with_path_parameters_is_refused() -> None:
    with pytest.raises(ValueError, match="has path parameters"):
        DirectRoutes.for_endpoints(RecordingApp(), routed(path="/ping/{x}"), [ping])


async def test_the_gateway_serves_movie_watched_without_its_router(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """
    Only the event route skips FastAPI's routing: a probe still goes through it.
    """
    routed_paths: list[str] = []
    original = routing.Router.__call__

    async def recording(self: Any, scope: Any, receive: Any, send: Any) -> None:
        routed_paths.append(scope["path"])
        await original(self, scope, receive, send)

    monkeypatch.setattr(routing.Router, "__call__", recording)

    accepted = await client.post(URL, json=VALID)
    probe = await client.get("/healthz")

    assert (accepted.status_code, probe.status_code) == (202, 200)
    assert routed_paths == ["/healthz"]
