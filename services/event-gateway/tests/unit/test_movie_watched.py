"""POST /v1/movie-watched: what is accepted, what is refused, and why."""

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from structlog.contextvars import merge_contextvars
from structlog.testing import capture_logs

from meadow_gateway.app import create_app
from meadow_gateway.deps import get_event_sender
from meadow_gateway.errors import validation_failed
from meadow_gateway.settings import Settings

URL = "/v1/movie-watched"
VALID = {"movie_title": "Alien", "recipient_email": "jane@example.com"}


def problems(response: httpx.Response) -> dict[str, str]:
    """
    The error answer's problems, as field -> problem.
    """
    return {p["field"]: p["problem"] for p in response.json()["problems"]}


class TestAccepted:
    async def test_valid_request_sends_the_event_and_answers_202(
        self, client: httpx.AsyncClient, sender: Any
    ) -> None:
        """
        A valid body becomes exactly one movie.watched event; 202 names its id.
        """
        response = await client.post(URL, json=VALID)

        assert response.status_code == 202
        assert response.json() == {
            "event_id": "01JFAKEEVENTID",
            "status_url": "/v1/events/01JFAKEEVENTID",
        }
        assert [(c.event_name, c.data, c.event_id) for c in sender.calls] == [
            ("meadow_api/movie.watched", VALID, None)
        ]

    async def test_movie_title_is_trimmed(
        self, client: httpx.AsyncClient, sender: Any
    ) -> None:
        """
        Whitespace around the title is removed before the event is sent.
        """
        body = VALID | {"movie_title": "  \tThe Thing \n"}

        assert (await client.post(URL, json=body)).status_code == 202
        assert sender.calls[0].data["movie_title"] == "The Thing"

    async def test_title_of_300_characters_after_trimming_is_accepted(
        self, client: httpx.AsyncClient
    ) -> None:
        """
        300 characters is the limit, counted after trimming.
        """
        body = VALID | {"movie_title": "  " + "x" * 300 + "  "}

        assert (await client.post(URL, json=body)).status_code == 202

    async def test_whole_address_is_lower_cased(
        self, client: httpx.AsyncClient, sender: Any
    ) -> None:
        """
        The address is sent lower-cased, local part included: the function's
        throttle and suppression keys compare it as an exact string.
        """
        body = VALID | {"recipient_email": "  Jane.Doe@EXAMPLE.COM "}

        assert (await client.post(URL, json=body)).status_code == 202
        assert sender.calls[0].data["recipient_email"] == "jane.doe@example.com"

    async def test_acceptance_is_logged_with_a_masked_email(
        self, client: httpx.AsyncClient
    ) -> None:
        """
        The request's one line names the event and its id, never the full address.
        """
        with capture_logs(processors=[merge_contextvars]) as logs:
            await client.post(URL, json=VALID)

        [line] = logs
        assert line | {"request_id": "-", "duration_ms": 0} == {
            "event": "request_finished",
            "log_level": "info",
            "method": "POST",
            "path": URL,
            "status_code": 202,
            "duration_ms": 0,
            "request_id": "-",
            "outcome": "event_accepted",
            "event_name": "meadow_api/movie.watched",
            "event_id": "01JFAKEEVENTID",
            "recipient_email": "j***@example.com",
        }
        assert "jane@example.com" not in repr(logs)


INVALID_BODIES = [
    pytest.param(VALID | {"recipient_email": "jane.example.com"}, "recipient_email",
                 "is not a valid email address", id="email-without-at"),
    pytest.param(VALID | {"recipient_email": "jane@"}, "recipient_email",
                 "is not a valid email address", id="email-without-domain"),
    pytest.param(VALID | {"movie_title": ""}, "movie_title",
                 "must not be empty", id="empty-title"),
    pytest.param(VALID | {"movie_title": " \t\n "}, "movie_title",
                 "must not be empty", id="whitespace-title"),
    pytest.param(VALID | {"movie_title": "x" * 301}, "movie_title",
                 "at most 300 characters", id="301-character-title"),
    pytest.param(VALID | {"movie_title": 42}, "movie_title",
                 "must be a string", id="title-not-a-string"),
    pytest.param(VALID | {"rating": 5}, "rating",
                 "is not an accepted field", id="unknown-field"),
    pytest.param({"movie_title": "Alien"}, "recipient_email",
                 "is required", id="missing-field"),
    pytest.param(["Alien", "jane@example.com"], "body",
                 "must be a JSON object", id="json-array"),
    pytest.param("Alien", "body", "must be a JSON object", id="json-string"),
]  # fmt: skip


class TestValidation:
    @pytest.mark.parametrize(("body", "field", "problem"), INVALID_BODIES)
    async def test_invalid_body_is_422_naming_the_field(
        self,
        client: httpx.AsyncClient,
        sender: Any,
        body: object,
        field: str,
        problem: str,
    ) -> None:
        """
        Each invalid body is refused with 422; the problem names the field.
        """
        response = await client.post(URL, json=body)

        assert response.status_code == 422
        assert response.json()["error"] == "validation_failed"
        assert problem in problems(response)[field]
        assert sender.calls == []

    @pytest.mark.parametrize("raw", [b'{"movie_title": "Alien",', b"\xff\xfe", b"nul"])
    async def test_malformed_json_is_422_naming_the_body(
        self, client: httpx.AsyncClient, raw: bytes
    ) -> None:
        """
        A body that is not JSON at all is refused with 422 on the field "body".
        """
        response = await client.post(
            URL, content=raw, headers={"Content-Type": "application/json"}
        )

        assert response.status_code == 422
        assert "is not valid JSON" in problems(response)["body"]

    @pytest.mark.parametrize("raw", [b"", b"  \n"])
    async def test_empty_body_is_422_naming_the_body(
        self, client: httpx.AsyncClient, raw: bytes
    ) -> None:
        """
        An empty body is refused with 422 saying it is empty.
        """
        response = await client.post(
            URL, content=raw, headers={"Content-Type": "application/json"}
        )

        assert response.status_code == 422
        assert "is empty" in problems(response)["body"]

    async def test_several_problems_are_all_reported(
        self, client: httpx.AsyncClient
    ) -> None:
        """
        Every bad field is listed, not just the first one.
        """
        response = await client.post(URL, json={"movie_title": " ", "extra": 1})

        assert set(problems(response)) == {"movie_title", "recipient_email", "extra"}

    async def test_rejection_is_logged_with_fields_but_not_values(
        self, client: httpx.AsyncClient
    ) -> None:
        """
        The access line of a rejected request names the bad fields and leaves
        their values out.
        """
        with capture_logs(processors=[merge_contextvars]) as logs:
            await client.post(URL, json=VALID | {"recipient_email": "secret.person@"})

        [line] = logs
        assert (line["status_code"], line["outcome"]) == (422, "event_rejected")
        assert (line["reason"], line["fields"]) == (
            "validation_failed",
            ["recipient_email"],
        )
        assert "secret.person" not in repr(logs)

    def test_fastapi_style_locations_name_the_field(self) -> None:
        """
        Errors located under "body" (FastAPI's own validation) name the bare field.
        """
        error = validation_failed(
            [
                {"type": "missing", "loc": ("body", "movie_title"), "msg": "x"},
                {"type": "json_invalid", "loc": ("body", 7), "msg": "x"},
            ]
        )

        assert error.status_code == 422
        assert [(p.field, p.problem) for p in error.problems] == [
            ("movie_title", "is required"),
            ("body", "is not valid JSON (parse error)"),
        ]


class TestContentType:
    @pytest.mark.parametrize(
        "content_type",
        ["application/json", "application/json; charset=utf-8", "Application/JSON"],
    )
    async def test_json_content_types_are_accepted(
        self, client: httpx.AsyncClient, content_type: str
    ) -> None:
        """
        application/json is accepted in any case, with or without a utf-8 charset.
        """
        response = await client.post(
            URL, json=VALID, headers={"Content-Type": content_type}
        )

        assert response.status_code == 202

    @pytest.mark.parametrize(
        "content_type",
        [
            "text/plain",
            "application/x-www-form-urlencoded",
            "application/json-patch+json",
            "application/json; charset=latin-1",
            None,
        ],
    )
    async def test_other_content_types_are_415(
        self, client: httpx.AsyncClient, sender: Any, content_type: str | None
    ) -> None:
        """
        Anything but JSON, or no Content-Type at all, is refused with 415.
        """
        request = client.build_request("POST", URL, json=VALID)
        del request.headers["Content-Type"]
        if content_type is not None:
            request.headers["Content-Type"] = content_type

        response = await client.send(request)

        assert response.status_code == 415
        assert response.json()["error"] == "unsupported_media_type"
        assert "Content-Type" in problems(response)
        assert sender.calls == []


class TestBodySize:
    async def test_declared_oversized_body_is_413(
        self, make_client: Callable[..., Any], sender: Any
    ) -> None:
        """
        A Content-Length over MAX_BODY_BYTES is refused before the body is read.
        """
        client = await make_client(max_body_bytes=64)

        response = await client.post(URL, json=VALID | {"movie_title": "x" * 100})

        assert response.status_code == 413
        assert response.json()["error"] == "payload_too_large"
        assert "64 bytes" in response.json()["message"]
        assert sender.calls == []

    async def test_body_of_exactly_the_limit_is_accepted(
        self, make_client: Callable[..., Any]
    ) -> None:
        """
        The limit is inclusive: a body of exactly MAX_BODY_BYTES passes.
        """
        raw = b'{"movie_title": "Alien", "recipient_email": "jane@example.com"}'
        client = await make_client(max_body_bytes=len(raw))

        response = await client.post(
            URL, content=raw, headers={"Content-Type": "application/json"}
        )

        assert response.status_code == 202

    async def test_streamed_body_without_length_stops_at_the_limit(
        self, settings_factory: Callable[..., Settings], sender: Any
    ) -> None:
        """
        Without Content-Length the bytes are counted as they arrive, and reading
        stops at the first chunk past the limit instead of taking the whole body.
        """
        app = create_app(settings_factory(max_body_bytes=1024))
        app.dependency_overrides[get_event_sender] = lambda: sender
        chunks_read = 0

        async def endless_body() -> AsyncIterator[bytes]:
            nonlocal chunks_read
            for _ in range(10_000):
                chunks_read += 1
                yield b" " * 100

        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://gw") as gw,
        ):
            response = await gw.post(
                URL,
                content=endless_body(),
                headers={"Content-Type": "application/json"},
            )

        assert "content-length" not in response.request.headers
        assert response.status_code == 413
        assert response.json()["error"] == "payload_too_large"
        assert chunks_read <= 11
        assert sender.calls == []


class TestIdempotencyKey:
    async def test_key_becomes_the_event_id(
        self, client: httpx.AsyncClient, sender: Any
    ) -> None:
        """
        Idempotency-Key is sent as the event's id so Inngest drops duplicates.
        """
        key = "order-42:retry-safe ~!"

        response = await client.post(URL, json=VALID, headers={"Idempotency-Key": key})

        assert response.status_code == 202
        assert sender.calls[0].event_id == key

    async def test_key_of_255_characters_is_accepted(
        self, client: httpx.AsyncClient, sender: Any
    ) -> None:
        """
        255 printable ASCII characters is the longest key allowed.
        """
        key = "k" * 255

        response = await client.post(URL, json=VALID, headers={"Idempotency-Key": key})

        assert response.status_code == 202
        assert sender.calls[0].event_id == key

    @pytest.mark.parametrize(
        "key",
        [b"", b"k" * 256, "ключ".encode(), b"tab\there", b"bell\x07"],
        ids=["empty", "256-chars", "non-ascii", "tab", "control-char"],
    )
    async def test_malformed_key_is_400_naming_the_header(
        self, client: httpx.AsyncClient, sender: Any, key: bytes
    ) -> None:
        """
        A key that is empty, too long or not printable ASCII is refused with 400.
        """
        response = await client.post(URL, json=VALID, headers={"Idempotency-Key": key})

        assert response.status_code == 400
        assert response.json()["error"] == "invalid_header"
        assert "printable ASCII" in problems(response)["Idempotency-Key"]
        assert sender.calls == []
