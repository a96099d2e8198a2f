"""Probes, request ids, access lines, logging and the OpenAPI document."""

import io
import json
import logging
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import structlog
from structlog.contextvars import merge_contextvars
from structlog.testing import capture_logs

import meadow_gateway.app as gateway_app
from meadow_gateway.logs import configure_logging, mask_email, mask_emails_in
from meadow_gateway.routes.ops import probe

URL = "/v1/movie-watched"
VALID = {"movie_title": "Alien", "recipient_email": "jane@example.com"}


def inngest_health(status_code: int) -> httpx.MockTransport:
    """
    A transport standing in for Inngest's /health, answering status_code.
    """

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/health"
        return httpx.Response(status_code, json={"status": status_code})

    return httpx.MockTransport(answer)


class TestProbes:
    async def test_healthz_is_200(self, client: httpx.AsyncClient) -> None:
        """
        /healthz answers 200 {"status": "ok"} while the process runs.
        """
        response = await client.get("/healthz")

        assert (response.status_code, response.json()) == (200, {"status": "ok"})

    async def test_readyz_is_200_when_inngest_answers(
        self, make_client: Callable[..., Any]
    ) -> None:
        """
        /readyz answers 200 when Inngest's /health does.
        """
        client = await make_client(http_transport=inngest_health(200))

        response = await client.get("/readyz")

        assert response.status_code == 200
        assert response.json() == {
            "status": "ready",
            "checks": {"inngest": "ok", "redis": "ok"},
        }

    async def test_readyz_is_503_when_inngest_is_unreachable(
        self, client: httpx.AsyncClient
    ) -> None:
        """
        With nothing on INNGEST_BASE_URL's port, /readyz answers 503 naming inngest.
        """
        with capture_logs() as logs:
            response = await client.get("/readyz")

        assert response.status_code == 503
        assert response.json()["error"] == "not_ready"
        assert [p["field"] for p in response.json()["problems"]] == ["inngest"]
        assert [
            e["dependency"] for e in logs if e["event"] == "readiness_check_failed"
        ] == ["inngest"]

    async def test_readyz_is_503_naming_redis_when_it_is_down(
        self, make_client: Callable[..., Any], unreachable_redis_url: str
    ) -> None:
        """
        With Inngest healthy but Redis unreachable, /readyz answers 503 naming
        redis only.
        """
        client = await make_client(
            http_transport=inngest_health(200), redis_url=unreachable_redis_url
        )

        with capture_logs() as logs:
            response = await client.get("/readyz")

        assert response.status_code == 503
        assert [p["field"] for p in response.json()["problems"]] == ["redis"]
        assert "redis did not answer PING" in response.json()["message"]
        assert [
            e["dependency"] for e in logs if e["event"] == "readiness_check_failed"
        ] == ["redis"]

    async def test_readyz_is_503_when_inngest_health_fails(
        self, make_client: Callable[..., Any]
    ) -> None:
        """
        An Inngest that answers its health check with 500 is not ready either.
        """
        client = await make_client(http_transport=inngest_health(500))

        response = await client.get("/readyz")

        assert response.status_code == 503
        assert "500" in response.json()["problems"][0]["problem"]

    async def test_probe_reports_a_timeout_in_words(self) -> None:
        """
        A health check that times out is reported, not raised.
        """

        def time_out(request: httpx.Request) -> httpx.Response:
            raise httpx.ReadTimeout("timed out", request=request)

        async with httpx.AsyncClient(transport=httpx.MockTransport(time_out)) as http:
            problem = await probe(http, "http://inngest:8288/health")

        assert problem is not None
        assert "ReadTimeout" in problem


class TestRequestId:
    async def test_sane_incoming_request_id_is_echoed(
        self, client: httpx.AsyncClient
    ) -> None:
        """
        A well-formed X-Request-ID is kept and echoed back.
        """
        response = await client.get("/healthz", headers={"X-Request-ID": "abc-123.X_9"})

        assert response.headers["X-Request-ID"] == "abc-123.X_9"

    @pytest.mark.parametrize(
        "incoming", [None, "x" * 129, "has space", "semi;colon", "<script>"]
    )
    async def test_missing_or_odd_request_id_is_replaced(
        self, client: httpx.AsyncClient, incoming: str | None
    ) -> None:
        """
        Without a sane X-Request-ID, a fresh uuid4 hex is used instead.
        """
        headers = {"X-Request-ID": incoming} if incoming is not None else {}

        response = await client.get("/healthz", headers=headers)

        echoed = response.headers["X-Request-ID"]
        assert echoed != incoming
        assert len(echoed) == 32
        int(echoed, 16)

    async def test_error_answers_carry_the_request_id(
        self, make_client: Callable[..., Any]
    ) -> None:
        """
        Even a 413 refused before routing echoes the request id.
        """
        client = await make_client(max_body_bytes=8)

        response = await client.post(URL, json=VALID, headers={"X-Request-ID": "r-413"})

        assert response.status_code == 413
        assert response.headers["X-Request-ID"] == "r-413"

    async def test_every_log_line_of_a_request_carries_its_id(
        self, client: httpx.AsyncClient
    ) -> None:
        """
        Lines logged while handling a request are bound to its request id.
        """
        with capture_logs(processors=[merge_contextvars]) as logs:
            await client.post(URL, json=VALID, headers={"X-Request-ID": "req-7"})

        assert [e["event"] for e in logs] == ["request_finished"]
        assert {e["request_id"] for e in logs} == {"req-7"}

    async def test_a_request_leaves_no_fields_behind(
        self, client: httpx.AsyncClient
    ) -> None:
        """
        What one request put on its line (its event id) is not on the next one's.
        """
        with capture_logs(processors=[merge_contextvars]) as logs:
            await client.post(URL, json=VALID, headers={"X-Request-ID": "req-1"})
            await client.post(URL, json={}, headers={"X-Request-ID": "req-2"})

        assert [(e["request_id"], e["status_code"]) for e in logs] == [
            ("req-1", 202),
            ("req-2", 422),
        ]
        assert "event_id" in logs[0]
        assert "event_id" not in logs[1]


class TestAccessLine:
    async def test_one_request_finished_line_per_request(
        self, client: httpx.AsyncClient
    ) -> None:
        """
        Each request logs exactly one request_finished line with its outcome, and
        health probes, which arrive every few seconds, stay below INFO.
        """
        with capture_logs() as logs:
            await client.post(URL, json=VALID)
            await client.get("/healthz")
            await client.post(URL, json={})

        lines = [e for e in logs if e["event"] == "request_finished"]
        # Whether DEBUG lines reach capture_logs depends on how an earlier test left
        # structlog configured; what must hold is that the probe is never above DEBUG.
        above_debug = [
            (e["method"], e["path"], e["status_code"])
            for e in lines
            if e["log_level"] != "debug"
        ]
        assert above_debug == [("POST", URL, 202), ("POST", URL, 422)]
        assert all(e["duration_ms"] >= 0 for e in lines)


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """
    Put structlog and the root logger back after a test reconfigures them.
    """
    config = structlog.get_config()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    structlog.configure(**config)
    root.handlers, root.level = handlers, level


class TestLogging:
    @pytest.mark.parametrize(
        ("address", "masked"),
        [
            ("jane@example.com", "j***@example.com"),
            ("x@y.org", "x***@y.org"),
            ("odd@local@host.io", "o***@host.io"),
            ("no-at-sign", "***"),
            ("@example.com", "***"),
        ],
    )
    def test_mask_email(self, address: str, masked: str) -> None:
        """
        Only the first character of the local part and the domain survive.
        """
        assert mask_email(address) == masked

    @pytest.mark.parametrize(
        ("path", "masked"),
        [
            ("/v1/suppressions/jane@example.com", "/v1/suppressions/j***@example.com"),
            ("/v1/events/01M8YC0WTZE4", "/v1/events/01M8YC0WTZE4"),
            ("/a/x@y.org/b@c.io", "/a/x***@y.org/b***@c.io"),
        ],
    )
    def test_addresses_in_paths_are_masked(self, path: str, masked: str) -> None:
        """
        Every address-like path segment is masked; other paths are untouched.
        """
        assert mask_emails_in(path) == masked

    @pytest.mark.usefixtures("restore_logging")
    def test_off_a_terminal_lines_are_json_with_emails_masked(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """
        Off a terminal each line is JSON; an email field is masked even if a
        caller forgot to, and stdlib loggers (uvicorn) share the format.
        """
        stdout = io.StringIO()
        monkeypatch.setattr(sys, "stdout", stdout)
        configure_logging("INFO")

        structlog.get_logger().info(
            "event_accepted", recipient_email="jane@example.com"
        )
        logging.getLogger("uvicorn.error").info("Application startup complete.")
        structlog.get_logger().debug("too_quiet_to_show")

        # The lines leave together within 50 ms (log_writer.py).
        deadline = time.monotonic() + 2
        while stdout.getvalue().count("\n") < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        lines = [json.loads(line) for line in stdout.getvalue().splitlines()]
        assert [line["event"] for line in lines] == [
            "event_accepted",
            "Application startup complete.",
        ]
        assert lines[0]["recipient_email"] == "j***@example.com"
        assert lines[1]["logger"] == "uvicorn.error"


class TestStartUp:
    @pytest.mark.usefixtures("restore_logging")
    def test_module_app_is_built_from_the_environment(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """
        `meadow_gateway.app:app`, what uvicorn loads, reads its settings from
        the environment.
        """
        monkeypatch.setenv("MAX_BODY_BYTES", "1234")
        try:
            from meadow_gateway.app import app

            assert app.state.settings.max_body_bytes == 1234
        finally:
            vars(gateway_app).pop("app", None)

    async def test_cloud_mode_without_event_key_refuses_to_start(
        self, make_client: Callable[..., Any]
    ) -> None:
        """
        Outside dev mode a missing INNGEST_EVENT_KEY stops start-up with a hint.
        """
        with pytest.raises(RuntimeError, match="INNGEST_EVENT_KEY is not set"):
            await make_client(inngest_dev="")

    async def test_unusable_inngest_url_refuses_to_start(
        self, make_client: Callable[..., Any]
    ) -> None:
        """
        An INNGEST_BASE_URL the SDK cannot use stops start-up, naming the value.
        """
        with pytest.raises(RuntimeError, match="INNGEST_BASE_URL='nonsense'"):
            await make_client(inngest_base_url="nonsense")


DOCUMENTED_STATUSES = {
    ("/v1/movie-watched", "post"): {
        "202", "400", "401", "409", "413", "415", "422", "503",
    },
    ("/v1/events/{event_id}", "get"): {"200", "401", "404", "422", "503"},
    ("/v1/suppressions/{email}", "delete"): {"204", "401", "404", "422", "503"},
    ("/v1/webhooks/resend", "post"): {"202", "401", "413", "422", "503"},
    ("/healthz", "get"): {"200"},
    ("/readyz", "get"): {"200", "503"},
}  # fmt: skip


class TestOpenApi:
    async def test_every_route_documents_every_status(
        self, client: httpx.AsyncClient
    ) -> None:
        """
        Each route lists every status it can answer, and nothing else.
        """
        spec = (await client.get("/openapi.json")).json()

        documented = {
            (path, method): set(operation["responses"])
            for path, methods in spec["paths"].items()
            for method, operation in methods.items()
        }
        assert documented == DOCUMENTED_STATUSES

    async def test_every_error_uses_the_error_body(
        self, client: httpx.AsyncClient
    ) -> None:
        """
        Every 4xx and 5xx is documented as ErrorBody; FastAPI's own validation
        error model, which the gateway never answers, does not appear.
        """
        spec = (await client.get("/openapi.json")).json()

        for methods in spec["paths"].values():
            for operation in methods.values():
                for status, response in operation["responses"].items():
                    if int(status) >= 400:
                        schema = response["content"]["application/json"]["schema"]
                        assert schema == {"$ref": "#/components/schemas/ErrorBody"}
        assert "HTTPValidationError" not in spec["components"]["schemas"]

    async def test_retryable_answers_document_retry_after(
        self, client: httpx.AsyncClient
    ) -> None:
        """
        The 409 and every /v1 503 tell the client when to retry.
        """
        spec = (await client.get("/openapi.json")).json()

        for path, methods in spec["paths"].items():
            for operation in methods.values():
                for status, response in operation["responses"].items():
                    if path.startswith("/v1") and status in ("409", "503"):
                        assert "Retry-After" in response["headers"], (path, status)

    async def test_webhook_route_needs_no_bearer_key(
        self, client: httpx.AsyncClient
    ) -> None:
        """
        Only the webhook route is documented without the bearer scheme.
        """
        spec = (await client.get("/openapi.json")).json()

        secured = {
            path
            for path, methods in spec["paths"].items()
            for operation in methods.values()
            if operation.get("security")
        }
        assert secured == {
            "/v1/movie-watched",
            "/v1/events/{event_id}",
            "/v1/suppressions/{email}",
        }

    async def test_docs_page_is_served(self, client: httpx.AsyncClient) -> None:
        """
        /docs answers the Swagger UI page.
        """
        response = await client.get("/docs")

        assert response.status_code == 200
        assert "swagger-ui" in response.text

    async def test_event_route_documents_its_body(
        self, client: httpx.AsyncClient
    ) -> None:
        """
        The hand-read body is still described, with its limits.
        """
        spec = (await client.get("/openapi.json")).json()

        body = spec["paths"][URL]["post"]["requestBody"]["content"]["application/json"]
        title = body["schema"]["properties"]["movie_title"]
        assert (title["minLength"], title["maxLength"]) == (1, 300)
        assert body["schema"]["additionalProperties"] is False
