"""
The real inngest SDK client behind the gateway, against a loopback stand-in.

The SDK builds its own httpx clients and takes no transport, so Inngest is
stood in for by a small HTTP server on a loopback port (or by a closed port).
"""

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import inngest
import pytest
from httpx_aiohttp import AiohttpTransport
from structlog.testing import capture_logs

from meadow_gateway.sender import build_inngest_client, close_inngest_client
from meadow_gateway.settings import Settings

URL = "/v1/movie-watched"
VALID = {"movie_title": " Alien ", "recipient_email": "jane@example.com"}


class FakeInngestServer(ThreadingHTTPServer):
    """
    Answers every POST with `answer` and records (path, JSON body) in `received`,
    and the client's port in `client_ports`.

    With `answer = None` it answers as Inngest does, an id for each event
    (`ID-<recipient_email>`), after `delay_seconds`.
    """

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _EventApiHandler)
        self.received: list[tuple[str, Any]] = []
        self.client_ports: list[int] = []
        self.answer: tuple[int, object] | None = (
            200,
            {"ids": ["01JSDKID"], "status": 200},
        )
        self.delay_seconds = 0.0

    @property
    def url(self) -> str:
        """
        The origin to use as INNGEST_BASE_URL.
        """
        return f"http://127.0.0.1:{self.server_address[1]}"


class _EventApiHandler(BaseHTTPRequestHandler):
    server: FakeInngestServer
    # Keep-alive, as Inngest's event API: a client may reuse its connection.
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        events = json.loads(self.rfile.read(length))
        self.server.received.append((self.path, events))
        self.server.client_ports.append(self.client_address[1])
        time.sleep(self.server.delay_seconds)
        if self.server.answer is None:
            ids = [f"ID-{event['data']['recipient_email']}" for event in events]
            status, answer = 200, {"ids": ids, "status": 200}
        else:
            status, answer = self.server.answer
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """
        Keep the stand-in quiet.
        """


@pytest.fixture
def fake_inngest() -> Iterator[FakeInngestServer]:
    """
    A running FakeInngestServer, shut down after the test.
    """
    server = FakeInngestServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


async def test_sdk_sends_go_through_the_aiohttp_transport(
    fake_inngest: FakeInngestServer,
    settings_factory: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """
    `Inngest.send` uses the pool sender.py put in: should the SDK stop sending
    through `_http_client._http_client`, the swap would silently do nothing.
    """
    carried: list[str] = []
    handle = AiohttpTransport.handle_async_request

    async def counting(
        transport: AiohttpTransport, request: httpx.Request
    ) -> httpx.Response:
        carried.append(request.url.path)
        return await handle(transport, request)

    monkeypatch.setattr(AiohttpTransport, "handle_async_request", counting)
    client = build_inngest_client(settings_factory(inngest_base_url=fake_inngest.url))
    try:
        ids = await client.send(inngest.Event(name="meadow_api/test", data={}))
    finally:
        await close_inngest_client(client)

    assert ids == ["01JSDKID"]
    assert len(carried) == 1
    assert carried[0].startswith("/e/")


class TestRealClient:
    async def test_event_reaches_inngest_with_the_idempotency_key_as_id(
        self, make_client: Callable[..., Any], fake_inngest: FakeInngestServer
    ) -> None:
        """
        The SDK posts the event to /e/<key> with our name, data and the
        Idempotency-Key as its id; the gateway answers with Inngest's id.
        """
        client = await make_client(real_sender=True, inngest_base_url=fake_inngest.url)

        response = await client.post(
            URL, json=VALID, headers={"Idempotency-Key": "order-42"}
        )

        assert response.status_code == 202
        assert response.json()["event_id"] == "01JSDKID"
        [(path, events)] = fake_inngest.received
        assert path.startswith("/e/")
        assert [(e["name"], e["data"], e["id"]) for e in events] == [
            (
                "meadow_api/movie.watched",
                {"movie_title": "Alien", "recipient_email": "jane@example.com"},
                "order-42",
            )
        ]

    async def test_event_without_key_is_sent_without_id(
        self, make_client: Callable[..., Any], fake_inngest: FakeInngestServer
    ) -> None:
        """
        With no Idempotency-Key the event carries no id, so Inngest assigns one.
        """
        client = await make_client(real_sender=True, inngest_base_url=fake_inngest.url)

        assert (await client.post(URL, json=VALID)).status_code == 202
        [(_, [event])] = fake_inngest.received
        assert "id" not in event

    async def test_inngest_refusal_is_503(
        self, make_client: Callable[..., Any], fake_inngest: FakeInngestServer
    ) -> None:
        """
        An Inngest 4xx with an error (say, a bad event key) answers 503, never 500.
        """
        fake_inngest.answer = (401, {"error": "Event key not found", "status": 401})
        client = await make_client(real_sender=True, inngest_base_url=fake_inngest.url)

        with capture_logs() as logs:
            response = await client.post(URL, json=VALID)

        assert response.status_code == 503
        assert "Retry-After" in response.headers
        failed = [e for e in logs if e["event"] == "event_not_accepted"]
        assert "Event key not found" in failed[0]["detail"]

    async def test_answer_without_ids_is_503(
        self, make_client: Callable[..., Any], fake_inngest: FakeInngestServer
    ) -> None:
        """
        A 200 that names no event id is not treated as acceptance.
        """
        fake_inngest.answer = (200, {"ids": [], "status": 200})
        client = await make_client(real_sender=True, inngest_base_url=fake_inngest.url)

        response = await client.post(URL, json=VALID)

        assert response.status_code == 503

    async def test_refused_connection_is_503(
        self, make_client: Callable[..., Any]
    ) -> None:
        """
        With nothing listening on INNGEST_BASE_URL, the SDK gives up after its own
        retries (about 3 s of backoff) and the gateway answers 503.
        """
        client = await make_client(real_sender=True, retry_after_seconds=5)

        with capture_logs() as logs:
            response = await client.post(
                URL, json=VALID, headers={"Idempotency-Key": "retry-me-later"}
            )

        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        failed = [e for e in logs if e["event"] == "event_not_accepted"]
        assert [e["reason"] for e in failed] == ["send_failed"]
        assert "never received response" in failed[0]["detail"]

    async def test_sends_reuse_one_connection(
        self, make_client: Callable[..., Any], fake_inngest: FakeInngestServer
    ) -> None:
        """
        Requests one after another are sent over one kept-alive connection,
        not a new client or connection each.
        """
        client = await make_client(real_sender=True, inngest_base_url=fake_inngest.url)

        for _ in range(3):
            assert (await client.post(URL, json=VALID)).status_code == 202

        assert len(fake_inngest.client_ports) == 3
        assert len(set(fake_inngest.client_ports)) == 1

    async def test_inngest_slower_than_the_timeout_is_503(
        self, make_client: Callable[..., Any], fake_inngest: FakeInngestServer
    ) -> None:
        """
        Each attempt gives up after INNGEST_REQUEST_TIMEOUT_SECONDS: an Inngest
        that answers later than that gets the gateway's 503, not a late 202.
        """
        fake_inngest.delay_seconds = 1.0
        client = await make_client(
            real_sender=True,
            inngest_base_url=fake_inngest.url,
            inngest_request_timeout_seconds=0.2,
        )

        with capture_logs() as logs:
            response = await client.post(URL, json=VALID)

        assert response.status_code == 503
        failed = [e for e in logs if e["event"] == "event_not_accepted"]
        assert "never received response" in failed[0]["detail"]

    async def test_concurrent_requests_share_sends_and_get_their_own_ids(
        self, make_client: Callable[..., Any], fake_inngest: FakeInngestServer
    ) -> None:
        """
        Requests arriving while a send is in flight leave together in one
        request to Inngest, and each answers the id of its own event.
        """
        fake_inngest.answer = None
        fake_inngest.delay_seconds = 0.2
        client = await make_client(
            real_sender=True, inngest_base_url=fake_inngest.url, event_sends_in_flight=1
        )
        recipients = [f"viewer{n}@example.com" for n in range(12)]

        responses = await asyncio.gather(
            *(
                client.post(URL, json={"movie_title": "Alien", "recipient_email": r})
                for r in recipients
            )
        )

        assert [r.json()["event_id"] for r in responses] == [
            f"ID-{r}" for r in recipients
        ]
        batches = [events for _, events in fake_inngest.received]
        sent = sorted(e["data"]["recipient_email"] for batch in batches for e in batch)
        assert sent == sorted(recipients)
        assert len(batches) < len(recipients)
