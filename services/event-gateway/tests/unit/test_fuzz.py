"""
Property: no request built from the gateway's own OpenAPI schema gets a 5xx.

schemathesis generates valid (positive) and invalid (negative) requests for
each documented operation; they are sent in-process through httpx's
ASGITransport to an app with its lifespan run, a real Redis, a fake Inngest
REST API and an event sender that always succeeds, so every 503 the app can
give on purpose is switched off and any 5xx is a defect.
"""

import base64
import functools
import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, assume, event, given, note, settings
from hypothesis import strategies as st

from meadow_gateway.app import create_app
from meadow_gateway.settings import Settings

URL = "http://gateway"
WEBHOOK_KEY = b"meadow-fuzz-webhook-secret"
WEBHOOK_SECRET = "whsec_" + base64.b64encode(WEBHOOK_KEY).decode()
POSITIVE = schemathesis.GenerationMode.POSITIVE
NEGATIVE = schemathesis.GenerationMode.NEGATIVE
# Negative requests need something to get wrong: the probes take no input.
CASES = [
    *[
        pytest.param(method, path, mode, id=f"{method} {path} {mode.value}")
        for method, path in [
            ("POST", "/v1/movie-watched"),
            ("GET", "/v1/events/{event_id}"),
            ("DELETE", "/v1/suppressions/{email}"),
            ("POST", "/v1/webhooks/resend"),
        ]
        for mode in (POSITIVE, NEGATIVE)
    ],
    pytest.param("GET", "/healthz", POSITIVE, id="GET /healthz positive"),
    pytest.param("GET", "/readyz", POSITIVE, id="GET /readyz positive"),
]


def make_settings() -> Settings:
    """
    Enough settings to build the app whose schema is read (no lifespan runs).
    """
    return Settings(inngest_dev="1", resend_webhook_secret=WEBHOOK_SECRET)


@functools.cache
def api_schema() -> schemathesis.BaseSchema:
    """
    The gateway's OpenAPI schema, loaded once for all examples.
    """
    return schemathesis.openapi.from_dict(create_app(make_settings()).openapi())


@pytest.fixture
async def gateway(
    make_client: Callable[..., Any], inngest_api: Any
) -> httpx.AsyncClient:
    """
    A gateway whose dependencies all answer, so only defects can give a 5xx.
    """
    client: httpx.AsyncClient = await make_client(
        http_transport=inngest_api.transport, resend_webhook_secret=WEBHOOK_SECRET
    )
    return client


def as_httpx_request(case: schemathesis.Case[Any]) -> httpx.Request | None:
    """
    The generated case as an httpx request, or None when it cannot be put on
    the wire at all (say, a header value with a line break).
    """
    try:
        prepared = requests.Request(**case.as_transport_kwargs(base_url=URL)).prepare()
        body = _as_bytes(prepared.body or b"")
        headers = {name: _as_text(value) for name, value in prepared.headers.items()}
        if prepared.path_url == "/v1/webhooks/resend":
            headers |= svix_headers(body)
        return httpx.Request(
            str(prepared.method), str(prepared.url), headers=headers, content=body
        )
    except (ValueError, requests.RequestException):
        return None


def _as_bytes(body: object) -> bytes:
    # requests leaves a JSON or form body as str or bytes; nothing here streams.
    if isinstance(body, str):
        return body.encode()
    if isinstance(body, bytes):
        return body
    msg = f"unexpected body type from requests: {type(body).__name__}"
    raise TypeError(msg)


def _as_text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def svix_headers(body: bytes) -> dict[str, str]:
    """
    A valid signature, so generated webhook bodies get past it to the parsing.
    """
    svix_id, stamp = "msg_fuzz", str(int(time.time()))
    content = f"{svix_id}.{stamp}.".encode() + body
    digest = hmac.new(WEBHOOK_KEY, content, hashlib.sha256).digest()
    return {
        "svix-id": svix_id,
        "svix-timestamp": stamp,
        "svix-signature": "v1," + base64.b64encode(digest).decode(),
    }


@pytest.mark.parametrize(("method", "path", "mode"), CASES)
@settings(
    max_examples=50,
    deadline=None,
    database=None,
    # One app (and Redis) serves all examples of a test on purpose.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_no_generated_request_gets_a_server_error(
    gateway: httpx.AsyncClient,
    data: st.DataObject,
    method: str,
    path: str,
    mode: schemathesis.GenerationMode,
) -> None:
    """
    Whatever the schema allows (or, negatively, forbids) is answered below 500.
    """
    operation = api_schema()[path][method]
    case = data.draw(operation.as_strategy(generation_mode=mode))
    request = as_httpx_request(case)
    assume(request is not None)
    assert request is not None

    response = await gateway.send(request)

    note(f"{request.method} {request.url} -> {response.status_code} {response.text}")
    # --hypothesis-show-statistics then shows which answers the examples reached.
    event(f"answered {response.status_code}")
    assert response.status_code < 500
