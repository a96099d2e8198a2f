"""The Resend stand-in checks, captures and answers emails as Resend does."""

import uuid
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs


async def send(
    client: httpx.AsyncClient,
    body: Any,
    headers: dict[str, str],
    key: str | None = None,
) -> httpx.Response:
    extra = {} if key is None else {"Idempotency-Key": key}
    return await client.post("/resend/emails", json=body, headers=headers | extra)


async def test_valid_email_is_captured_and_answered_with_its_id(
    client: httpx.AsyncClient, auth: dict[str, str], email: dict[str, Any]
) -> None:
    """
    A valid send answers 200 `{"id": uuid}` and the email appears in the outbox.
    """
    response = await send(client, email | {"tags": [{"name": "k", "value": "v"}]}, auth)

    assert response.status_code == 200
    email_id = response.json()["id"]
    assert str(uuid.UUID(email_id)) == email_id
    [stored] = (await client.get("/api/emails")).json()
    assert stored["id"] == email_id
    assert stored["to"] == ["jane@example.com"]
    assert stored["tags"] == [{"name": "k", "value": "v"}]
    assert stored["idempotency_key"] is None
    assert stored["received_at"].endswith("Z")
    assert {k: stored[k] for k in ("from", "subject", "html", "text")} == {
        k: email[k] for k in ("from", "subject", "html", "text")
    }


async def test_capture_is_logged_with_a_masked_recipient(
    client: httpx.AsyncClient, auth: dict[str, str], email: dict[str, Any]
) -> None:
    """
    `email_captured` names the email id and masks every recipient.
    """
    with capture_logs() as logs:
        response = await send(client, email, auth)

    [event] = [log for log in logs if log["event"] == "email_captured"]
    assert event["email_id"] == response.json()["id"]
    assert event["recipients"] == ["j***@example.com"]
    assert "jane@example.com" not in str(logs)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer "}, {"Authorization": "Basic abc"}],
    ids=["absent", "empty", "not-bearer"],
)
async def test_missing_api_key_is_401_in_resend_shape(
    client: httpx.AsyncClient, email: dict[str, Any], headers: dict[str, str]
) -> None:
    """
    Without a bearer token Resend answers 401 `missing_api_key`; nothing is stored.
    """
    response = await send(client, email, headers)

    assert response.status_code == 401
    body = response.json()
    assert body["statusCode"] == 401
    assert body["name"] == "missing_api_key"
    assert body["message"]
    assert (await client.get("/api/emails")).json() == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"from": None}, "from"),
        ({"to": None}, "to"),
        ({"to": []}, "to"),
        ({"subject": None}, "subject"),
        ({"html": None, "text": None}, "html"),
        ({"from": "not an address"}, "from"),
        ({"to": ["jane@example.com", "nobody"]}, "to"),
        ({"to": 42}, "to"),
        ({"cc": "broken@"}, "cc"),
        ({"text": 7}, "text"),
        ({"subject": ["a"]}, "subject"),
    ],
)
async def test_invalid_email_is_422_validation_error(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    email: dict[str, Any],
    change: dict[str, Any],
    field: str,
) -> None:
    """
    A missing or malformed field answers 422 `validation_error` naming the field.
    """
    body = {k: v for k, v in (email | change).items() if v is not None}

    response = await send(client, body, auth)

    assert response.status_code == 422
    error = response.json()
    assert (error["statusCode"], error["name"]) == (422, "validation_error")
    assert f"`{field}`" in error["message"]
    assert (await client.get("/api/emails")).json() == []


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]"])
async def test_body_that_is_not_a_json_object_is_422(
    client: httpx.AsyncClient, auth: dict[str, str], raw: bytes
) -> None:
    """
    A body that is not a JSON object is a validation error, not a crash.
    """
    response = await client.post("/resend/emails", content=raw, headers=auth)

    assert response.status_code == 422
    assert response.json()["name"] == "validation_error"


async def test_list_of_recipients_is_kept_as_sent(
    client: httpx.AsyncClient, auth: dict[str, str], email: dict[str, Any]
) -> None:
    """
    `to` as a list, including `Name <addr>` forms, is stored as given.
    """
    recipients = ["jane@example.com", "Sam <sam@example.org>"]

    response = await send(client, email | {"to": recipients}, auth)

    assert response.status_code == 200
    assert (await client.get("/api/emails")).json()[0]["to"] == recipients


class TestIdempotency:
    async def test_same_key_and_payload_replays_the_first_id(
        self, client: httpx.AsyncClient, auth: dict[str, str], email: dict[str, Any]
    ) -> None:
        """
        A repeated key with the same payload answers the first id, storing once.
        """
        first = await send(client, email, auth, key="plot/run-1")
        second = await send(client, email, auth, key="plot/run-1")

        assert second.status_code == 200
        assert second.json() == first.json()
        emails = (await client.get("/api/emails")).json()
        assert len(emails) == 1
        assert emails[0]["idempotency_key"] == "plot/run-1"
        attempts = (await client.get("/api/resend/requests")).json()
        assert [a["replayed"] for a in attempts] == [False, True]

    async def test_same_key_with_other_payload_is_409(
        self, client: httpx.AsyncClient, auth: dict[str, str], email: dict[str, Any]
    ) -> None:
        """
        Reusing a key for a different payload answers 409 and stores nothing.
        """
        await send(client, email, auth, key="plot/run-2")

        response = await send(client, email | {"subject": "Other"}, auth, "plot/run-2")

        assert response.status_code == 409
        body = response.json()
        assert (body["statusCode"], body["name"]) == (409, "invalid_idempotent_request")
        assert len((await client.get("/api/emails")).json()) == 1

    async def test_keys_survive_clearing_the_outbox(
        self, client: httpx.AsyncClient, auth: dict[str, str], email: dict[str, Any]
    ) -> None:
        """
        Clearing captured emails keeps keys, so a replay still stores nothing.
        """
        first = await send(client, email, auth, key="plot/run-3")
        await client.delete("/api/emails")

        again = await send(client, email, auth, key="plot/run-3")

        assert again.json() == first.json()
        assert (await client.get("/api/emails")).json() == []

    async def test_different_keys_store_separate_emails(
        self, client: httpx.AsyncClient, auth: dict[str, str], email: dict[str, Any]
    ) -> None:
        """
        The same payload under two keys is two emails with two ids.
        """
        a = await send(client, email, auth, key="plot/a")
        b = await send(client, email, auth, key="plot/b")

        assert a.json()["id"] != b.json()["id"]
        assert len((await client.get("/api/emails")).json()) == 2

    @pytest.mark.parametrize("key", ["", "k" * 257])
    async def test_key_outside_1_to_256_chars_is_400(
        self,
        client: httpx.AsyncClient,
        auth: dict[str, str],
        email: dict[str, Any],
        key: str,
    ) -> None:
        """
        Resend refuses idempotency keys that are empty or over 256 characters.
        """
        response = await send(client, email, auth, key=key)

        assert response.status_code == 400
        assert response.json()["name"] == "invalid_idempotency_key"

    async def test_failed_attempt_does_not_claim_the_key(
        self, client: httpx.AsyncClient, auth: dict[str, str], email: dict[str, Any]
    ) -> None:
        """
        A rejected send leaves its key free for the corrected retry.
        """
        bad = await send(client, email | {"from": "nope"}, auth, key="plot/run-4")
        good = await send(client, email, auth, key="plot/run-4")

        assert (bad.status_code, good.status_code) == (422, 200)
        attempts = (await client.get("/api/resend/requests")).json()
        assert [(a["status_code"], a["error_name"]) for a in attempts] == [
            (422, "validation_error"),
            (200, None),
        ]
        assert attempts[1]["email_id"] == good.json()["id"]
