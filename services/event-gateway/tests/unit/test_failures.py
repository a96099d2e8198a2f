"""When Inngest does not take the event, and when the gateway itself breaks."""

from collections.abc import Callable
from typing import Any

import pytest
from structlog.contextvars import merge_contextvars
from structlog.testing import capture_logs

from meadow_gateway.app import create_app
from meadow_gateway.routes import events, status
from meadow_gateway.sender import EventNotAccepted
from meadow_gateway.settings import Settings

URL = "/v1/movie-watched"
VALID = {"movie_title": "Alien", "recipient_email": "jane@example.com"}


class TestInngestUnavailable:
    async def test_send_failure_is_503_with_retry_after(
        self, make_client: Callable[..., Any], sender: Any
    ) -> None:
        """
        A failed send answers 503 with Retry-After and says nothing was accepted.
        """
        sender.failure = EventNotAccepted("send_failed", "ConnectError: refused")
        client = await make_client(retry_after_seconds=7)

        response = await client.post(URL, json=VALID)

        assert response.status_code == 503
        assert response.headers["Retry-After"] == "7"
        body = response.json()
        assert body["error"] == "event_not_accepted"
        assert "NOT accepted" in body["message"]
        assert "Retry in 7 seconds" in body["message"]

    async def test_send_failure_is_a_warning_and_a_rejection(
        self, make_client: Callable[..., Any], sender: Any
    ) -> None:
        """
        event_not_accepted names the event and Inngest's failure, as a warning;
        the access line says the request was rejected, with no event id.
        """
        sender.failure = EventNotAccepted("no_event_id", "answered without an id")
        client = await make_client()

        with capture_logs(processors=[merge_contextvars]) as logs:
            await client.post(URL, json=VALID)

        failed = [e for e in logs if e["event"] == "event_not_accepted"]
        assert [(e["log_level"], e["event_name"], e["reason"]) for e in failed] == [
            ("warning", "meadow_api/movie.watched", "no_event_id")
        ]
        [line] = [e for e in logs if e["event"] == "request_finished"]
        assert (line["outcome"], line["reason"]) == (
            "event_rejected",
            "event_not_accepted",
        )
        assert "event_id" not in line


def _bug(*_args: Any) -> None:
    raise RuntimeError("bug in the route")


async def _async_bug(*_args: Any) -> None:
    raise RuntimeError("bug in the route")


class TestUnexpectedFailures:
    @pytest.mark.parametrize(
        ("module", "name", "bug", "method", "path"),
        [
            pytest.param(
                events, "parse_movie_watched", _bug, "POST", URL, id="direct route"
            ),
            pytest.param(
                status,
                "_accepted_at",
                _async_bug,
                "GET",
                "/v1/events/some-id",
                id="route FastAPI serves",
            ),
        ],
    )
    async def test_crash_is_one_json_500_with_the_request_id(
        self,
        make_client: Callable[..., Any],
        monkeypatch: pytest.MonkeyPatch,
        module: Any,
        name: str,
        bug: Callable[..., Any],
        method: str,
        path: str,
    ) -> None:
        """
        A bug answers JSON (not plain text) with the request id, and logs the
        trace once, in the event route served directly as in those FastAPI serves.
        """
        monkeypatch.setattr(module, name, bug)
        client = await make_client()

        with capture_logs(processors=[merge_contextvars]) as logs:
            response = await client.request(
                method,
                path,
                json=VALID if method == "POST" else None,
                headers={"X-Request-ID": "req-crash-1"},
            )

        assert response.status_code == 500
        assert response.headers["X-Request-ID"] == "req-crash-1"
        assert response.json()["error"] == "internal_error"
        failed = [e for e in logs if e["event"] == "request_failed"]
        assert [(e["request_id"], e["exc_info"]) for e in failed] == [
            ("req-crash-1", True)
        ]
        finished = [e for e in logs if e["event"] == "request_finished"]
        assert [e["status_code"] for e in finished] == [500]

    @pytest.mark.parametrize(
        ("method", "path", "status", "error"),
        [
            ("GET", "/nowhere", 404, "not_found"),
            ("GET", URL, 405, "method_not_allowed"),
            ("DELETE", "/healthz", 405, "method_not_allowed"),
        ],
    )
    async def test_routing_errors_use_the_error_shape(
        self,
        client: Any,
        method: str,
        path: str,
        status: int,
        error: str,
    ) -> None:
        """
        Unknown paths and wrong methods answer in the same JSON error shape.
        """
        response = await client.request(method, path)

        assert response.status_code == status
        assert response.json() == {
            "error": error,
            "message": response.json()["message"],
            "problems": [],
        }
        assert path in response.json()["message"]

    async def test_client_gone_mid_body_is_logged_as_499_not_an_error(
        self, settings_factory: Callable[..., Settings], sender: Any
    ) -> None:
        """
        A client that disconnects while sending its body gets no answer and no
        error line: the access line records 499.
        """
        app = create_app(settings_factory(), send_batch=sender.send_batch)
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": URL,
            "raw_path": URL.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [(b"content-type", b"application/json")],
            "client": ("127.0.0.1", 50000),
            "server": ("gateway", 80),
        }
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        async with app.router.lifespan_context(app):
            with capture_logs() as logs:
                await app(scope, receive, send)

        assert sent == []
        assert [e["status_code"] for e in logs if e["event"] == "request_finished"] == [
            499
        ]
        assert not [e for e in logs if e["event"] == "request_failed"]
        assert sender.calls == []
