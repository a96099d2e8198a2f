"""
POST /v1/webhooks/resend: Svix signatures over the raw body, resend/* events out.

Requests are signed here the way Svix documents it (HMAC-SHA256 over
`<svix-id>.<svix-timestamp>.<raw body>` with the base64-decoded secret), not
with the SDK under test.
"""

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from structlog.testing import capture_logs

from meadow_gateway.sender import EventNotAccepted
from meadow_gateway.settings import Settings

URL = "/v1/webhooks/resend"
SECRET_BYTES = b"meadow-unit-test-webhook-secret!"
SECRET = "whsec_" + base64.b64encode(SECRET_BYTES).decode()
SVIX_ID = "msg_2mU1SrXoZ6E0aUqXhyG6MFCtBcl"


def bounced(email_type: str = "email.bounced", **data: Any) -> dict[str, Any]:
    """
    A Resend webhook payload in the shape Resend documents.
    """
    return {
        "type": email_type,
        "created_at": "2026-01-31T12:00:05.000Z",
        "data": {
            "created_at": "2026-01-31T12:00:00.000Z",
            "email_id": "56761188-7520-42d8-8898-ff6fc54ce618",
            "from": "Meadow <plots@meadow.test>",
            "to": ["Jane.Doe@Example.COM"],
            "subject": "The plot of Alien",
            "bounce": {
                "message": "Mailbox full", "subType": "General", "type": "Permanent",
            },
        }
        | data,
    }  # fmt: skip


def signed(
    body: bytes,
    *,
    svix_id: str = SVIX_ID,
    timestamp: int | None = None,
    secret: bytes = SECRET_BYTES,
) -> dict[str, str]:
    """
    The Svix headers for body, as Resend would send them.
    """
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    content = f"{svix_id}.{stamp}.".encode() + body
    digest = hmac.new(secret, content, hashlib.sha256).digest()
    return {
        "svix-id": svix_id,
        "svix-timestamp": stamp,
        "svix-signature": "v1," + base64.b64encode(digest).decode(),
        "Content-Type": "application/json",
    }


@pytest.fixture
async def hook(make_client: Callable[..., Any]) -> httpx.AsyncClient:
    """
    A gateway configured with the webhook secret.
    """
    client: httpx.AsyncClient = await make_client(resend_webhook_secret=SECRET)
    return client


async def post_signed(client: httpx.AsyncClient, payload: object) -> httpx.Response:
    """
    POST payload as JSON with valid signature headers.
    """
    body = json.dumps(payload).encode()
    return await client.post(URL, content=body, headers=signed(body))


class TestAccepted:
    async def test_valid_webhook_becomes_a_resend_event(
        self, hook: httpx.AsyncClient, sender: Any
    ) -> None:
        """
        A signed email.bounced is sent as resend/email.bounced with the svix-id
        as event id and the documented data; 202 names Inngest's id.
        """
        payload = bounced()

        response = await post_signed(hook, payload)

        assert response.status_code == 202
        assert response.json() == {"event_id": "01JFAKEEVENTID"}
        [call] = sender.calls
        assert (call.event_name, call.event_id) == ("resend/email.bounced", SVIX_ID)
        assert call.data == {
            "type": "email.bounced",
            "created_at": "2026-01-31T12:00:05.000Z",
            "email_id": "56761188-7520-42d8-8898-ff6fc54ce618",
            "recipient_email": "jane.doe@example.com",
            "webhook": payload["data"],
        }

    @pytest.mark.parametrize(
        "email_type", ["email.delivered", "email.complained", "email.bounced"]
    )
    async def test_event_name_follows_the_webhook_type(
        self, hook: httpx.AsyncClient, sender: Any, email_type: str
    ) -> None:
        """
        The event name is resend/<type> for every email.* type.
        """
        response = await post_signed(hook, bounced(email_type))

        assert response.status_code == 202
        assert sender.calls[0].event_name == f"resend/{email_type}"

    async def test_signature_is_checked_over_the_raw_bytes(
        self, hook: httpx.AsyncClient, sender: Any
    ) -> None:
        """
        A body signed as sent (odd spacing, key order) verifies; the same JSON
        re-serialised would not, so nothing re-encodes it before the check.
        """
        raw = b'{ "data" : {"to":["a@example.com"], "email_id":"e-1"},\n'
        raw += b'  "created_at":"2026-01-31T12:00:05Z", "type":"email.delivered" }'
        reencoded = json.dumps(json.loads(raw)).encode()

        accepted = await hook.post(URL, content=raw, headers=signed(raw))
        refused = await hook.post(URL, content=reencoded, headers=signed(raw))

        assert (accepted.status_code, refused.status_code) == (202, 401)
        assert len(sender.calls) == 1

    async def test_retried_webhook_keeps_its_svix_id_as_event_id(
        self, hook: httpx.AsyncClient, sender: Any
    ) -> None:
        """
        Resend retries with the same svix-id; the event id repeats, so Inngest
        runs the function once.
        """
        await post_signed(hook, bounced())
        await post_signed(hook, bounced())

        assert [call.event_id for call in sender.calls] == [SVIX_ID, SVIX_ID]

    async def test_no_bearer_key_is_needed(
        self, make_client: Callable[..., Any], sender: Any
    ) -> None:
        """
        With GATEWAY_API_KEYS set the webhook still needs only its signature.
        """
        client = await make_client(
            resend_webhook_secret=SECRET, gateway_api_keys="some-key"
        )

        assert (await post_signed(client, bounced())).status_code == 202

    async def test_acceptance_log_masks_the_address_and_hides_the_secret(
        self, hook: httpx.AsyncClient
    ) -> None:
        """
        webhook_accepted names the event and a masked recipient, nothing more.
        """
        with capture_logs() as logs:
            await post_signed(hook, bounced())

        [accepted] = [e for e in logs if e["event"] == "webhook_accepted"]
        assert accepted["event_name"] == "resend/email.bounced"
        assert accepted["recipient_email"] == "j***@example.com"
        seen = repr(logs)
        assert "jane.doe@example.com" not in seen.lower()
        assert SECRET not in seen
        assert SECRET.removeprefix("whsec_") not in seen


class TestSignatureRejected:
    async def test_wrong_secret_is_401(
        self, hook: httpx.AsyncClient, sender: Any
    ) -> None:
        """
        A signature made with another secret is refused and nothing is sent.
        """
        body = json.dumps(bounced()).encode()

        response = await hook.post(
            URL, content=body, headers=signed(body, secret=b"another-secret")
        )

        assert response.status_code == 401
        assert response.json()["error"] == "invalid_signature"
        assert "WWW-Authenticate" not in response.headers
        assert sender.calls == []

    async def test_tampered_body_is_401(
        self, hook: httpx.AsyncClient, sender: Any
    ) -> None:
        """
        Changing one byte of a signed body breaks its signature.
        """
        body = json.dumps(bounced()).encode()
        headers = signed(body)

        response = await hook.post(
            URL, content=body.replace(b"Mailbox", b"Mailbix"), headers=headers
        )

        assert response.status_code == 401
        assert sender.calls == []

    async def test_stale_signature_is_401(
        self, hook: httpx.AsyncClient, sender: Any
    ) -> None:
        """
        A correctly signed webhook older than 5 minutes is a possible replay.
        """
        body = json.dumps(bounced()).encode()
        headers = signed(body, timestamp=int(time.time()) - 301)

        with capture_logs() as logs:
            response = await hook.post(URL, content=body, headers=headers)

        assert response.status_code == 401
        assert response.json()["problems"][0]["field"] == "svix-timestamp"
        assert sender.calls == []
        rejected = [e for e in logs if e["event"] == "webhook_rejected"]
        assert [e["reason"] for e in rejected] == ["signature_stale"]

    @pytest.mark.parametrize("header", ["svix-id", "svix-timestamp", "svix-signature"])
    async def test_missing_header_is_401_naming_it(
        self, hook: httpx.AsyncClient, sender: Any, header: str
    ) -> None:
        """
        Each of the three Svix headers is required.
        """
        body = json.dumps(bounced()).encode()
        headers = signed(body)
        del headers[header]

        response = await hook.post(URL, content=body, headers=headers)

        assert response.status_code == 401
        assert response.json()["problems"][0] == {
            "field": header,
            "problem": "is missing",
        }
        assert sender.calls == []

    async def test_unsigned_request_is_401(
        self, hook: httpx.AsyncClient, sender: Any
    ) -> None:
        """
        A plain JSON post with no signature at all is refused.
        """
        response = await hook.post(URL, json=bounced())

        assert response.status_code == 401
        assert sender.calls == []


class TestUnusablePayload:
    @pytest.mark.parametrize(
        "email_type", ["contact.created", "domain.updated", "emailx.sent"]
    )
    async def test_non_email_type_is_422(
        self, hook: httpx.AsyncClient, sender: Any, email_type: str
    ) -> None:
        """
        Only email.* webhooks become events; other types are refused with 422.
        """
        response = await post_signed(hook, bounced(email_type))

        assert response.status_code == 422
        assert response.json()["error"] == "unsupported_event_type"
        assert sender.calls == []

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            (bounced(to=[]), "data.to"),
            (bounced(email_id=None), "data.email_id"),
            ({"type": "email.sent", "data": {}}, "created_at"),
            ({"type": "email.sent", "created_at": "x", "data": []}, "data"),
            ([1, 2], "body"),
        ],
        ids=["no-recipient", "no-email-id", "no-created-at", "data-not-object", "list"],
    )
    async def test_signed_but_malformed_payload_is_422_naming_the_field(
        self, hook: httpx.AsyncClient, sender: Any, payload: object, field: str
    ) -> None:
        """
        A correctly signed email webhook without the fields Meadow reads is 422.
        """
        response = await post_signed(hook, payload)

        assert response.status_code == 422
        assert field in [p["field"] for p in response.json()["problems"]]
        assert sender.calls == []

    async def test_signed_body_that_is_not_json_is_422(
        self, hook: httpx.AsyncClient, sender: Any
    ) -> None:
        """
        A valid signature over a body that is not JSON is 422, not 401.
        """
        body = b"type=email.sent"

        response = await hook.post(URL, content=body, headers=signed(body))

        assert response.status_code == 422
        assert response.json()["problems"][0]["field"] == "body"


class TestUnavailable:
    async def test_unset_secret_is_503_saying_so(
        self, make_client: Callable[..., Any], sender: Any
    ) -> None:
        """
        Without RESEND_WEBHOOK_SECRET nothing can be verified: 503, nothing sent.
        """
        client = await make_client()

        response = await post_signed(client, bounced())

        assert response.status_code == 503
        assert response.json()["error"] == "webhook_not_configured"
        assert "RESEND_WEBHOOK_SECRET" in response.json()["message"]
        assert sender.calls == []

    async def test_inngest_refusal_is_503_with_retry_after(
        self, hook: httpx.AsyncClient, sender: Any
    ) -> None:
        """
        When Inngest does not take the event Resend is told to retry.
        """
        sender.failure = EventNotAccepted("send_failed", "ConnectError: refused")

        response = await post_signed(hook, bounced())

        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert response.json()["error"] == "event_not_accepted"


class TestSecretSetting:
    def test_secret_that_is_not_base64_stops_start_up(self) -> None:
        """
        A mangled secret is refused at start-up, without echoing it, rather
        than failing every webhook with 401.
        """
        mangled = "whsec_not base64 but private!"

        with pytest.raises(ValidationError, match="whsec_ followed by base64") as err:
            Settings(resend_webhook_secret=mangled)

        assert "private" not in str(err.value)

    def test_blank_secret_means_unset(self) -> None:
        """
        An empty RESEND_WEBHOOK_SECRET (Compose's `${VAR:-}`) leaves it unset.
        """
        assert Settings(resend_webhook_secret="").resend_webhook_secret is None
