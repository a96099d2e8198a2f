"""
The busiest route served without FastAPI's per-request machinery.

FastAPI and Starlette hand every request down about a dozen ASGI layers
(error and telemetry middleware, router, route matching, dependency solving,
exit stacks) before the endpoint runs. On the 2-core machine scripts/bench
runs on, skipping them for POST /v1/movie-watched cut the gateway's CPU per
request by 13 to 17% (1.26 to 1.09 and 1.32 to 1.10 ms, in alternating
rounds against the same code served through FastAPI).

The route stays declared on its FastAPI router, which gives it its path, its
methods and its OpenAPI entry; only the dispatch is short-circuited. Its
endpoint must take the Request alone and return a Response, raising ApiError
for error answers.
"""

from collections.abc import Awaitable, Callable, Iterable

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import ApiError

Endpoint = Callable[[Request], Awaitable[Response]]


class DirectRoutes:
    """
    ASGI layer that calls the given endpoints itself for their exact method
    and path, and passes every other request (and the lifespan) to `app`.
    """

    def __init__(self, app: ASGIApp, endpoints: dict[tuple[str, str], Endpoint]):
        self.app = app
        self.endpoints = endpoints

    @classmethod
    def for_endpoints(
        cls, app: ASGIApp, router: APIRouter, endpoints: Iterable[Endpoint]
    ) -> "DirectRoutes":
        """
        Serve these endpoints of router's routes directly, at the methods and
        paths the routes declare; anything else goes on to app. The router must
        be included in the app without a prefix of its own.
        """
        wanted = set(endpoints)
        table: dict[tuple[str, str], Endpoint] = {}
        for route in router.routes:
            if isinstance(route, APIRoute) and route.endpoint in wanted:
                if route.param_convertors:
                    msg = f"{route.path} has path parameters; it cannot be direct"
                    raise ValueError(msg)
                for method in route.methods or ():
                    table[method, route.path] = route.endpoint
                wanted.discard(route.endpoint)
        if wanted:
            names = ", ".join(sorted(endpoint.__name__ for endpoint in wanted))
            msg = f"no route of the router has the endpoint(s) {names}"
            raise ValueError(msg)
        return cls(app, table)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = None
        if scope["type"] == "http":
            endpoint = self.endpoints.get((scope["method"], scope["path"]))
        if endpoint is None:
            await self.app(scope, receive, send)
            return
        try:
            response = await endpoint(Request(scope, receive))
        except ApiError as exc:
            response = exc.to_response()
        await response(scope, receive, send)
