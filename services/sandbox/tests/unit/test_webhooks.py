"""
Bounce and complaint webhooks: built for a captured email, signed as Svix
signs Resend's, checked here with the resend SDK's own verifier, and posted
to a fake gateway behind an injected httpx transport.
"""

import base64
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import resend
from fastapi import FastAPI
from structlog.testing import capture_logs

from meadow_sandbox.app import create_app
from meadow_sandbox.settings import Settings
from meadow_sandbox.signing import sign, signed_headers


class FakeGateway:
    """
    The gateway's webhook route: records requests, answers `status_code`.
    """

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.status_code = 202
        self.failure: Exception | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.failure is not None:
            raise self.failure
        self.requests.append(request)
        return httpx.Response(self.status_code, json={"ids": ["01EVENT"]})


@pytest.fixture
def gateway() -> FakeGateway:
    """
    A fake gateway; tests set its answer or make it unreachable.
    """
    return FakeGateway()


@pytest.fixture
async def app(settings: Settings, gateway: FakeGateway) -> AsyncIterator[FastAPI]:
    """
    A sandbox whose outgoing requests reach the fake gateway.
    """
    async with httpx.AsyncClient(transport=httpx.MockTransport(gateway)) as http:
        yield create_app(settings, http=http)


@pytest.fixture
def captured(
    client: httpx.AsyncClient, auth: dict[str, str], email: dict[str, Any]
) -> Callable[[], Any]:
    """
    Send the sample email through the Resend stand-in; return its id.
    """

    async def send() -> str:
        response = await client.post("/resend/emails", json=email, headers=auth)
        assert response.status_code == 200
        return str(response.json()["id"])

    return send


def verify(request: httpx.Request, secret: str) -> Any:
    """
    Check a posted webhook the way a Resend receiver does; return its payload.
    """
    return resend.Webhooks.verify(
        {
            "payload": request.content.decode(),
            "headers": {
                "id": request.headers["svix-id"],
                "timestamp": request.headers["svix-timestamp"],
                "signature": request.headers["svix-signature"],
            },
            "webhook_secret": secret,
        }
    )


class TestBounce:
    async def test_bounce_is_posted_to_the_gateway_and_reported(
        self,
        client: httpx.AsyncClient,
        captured: Callable[[], Any],
        gateway: FakeGateway,
        settings: Settings,
    ) -> None:
        """
        One POST to GATEWAY_WEBHOOK_URL; the answer names the email, the
        webhook's svix-id and the gateway's status.
        """
        email_id = await captured()

        response = await client.post(f"/api/emails/{email_id}/bounce")

        assert response.status_code == 202
        (request,) = gateway.requests
        assert request.method == "POST"
        assert str(request.url) == settings.gateway_webhook_url
        assert request.headers["content-type"] == "application/json"
        assert response.json() == {
            "email_id": email_id,
            "webhook_id": request.headers["svix-id"],
            "gateway_status": 202,
        }
        assert request.headers["svix-id"].startswith("msg_")

    async def test_signature_passes_the_resend_sdk_check(
        self,
        client: httpx.AsyncClient,
        captured: Callable[[], Any],
        gateway: FakeGateway,
        settings: Settings,
    ) -> None:
        """
        resend.Webhooks.verify accepts the webhook with the shared secret,
        and its timestamp is now.
        """
        await client.post(f"/api/emails/{await captured()}/bounce")

        (request,) = gateway.requests
        assert settings.resend_webhook_secret is not None
        assert verify(request, settings.resend_webhook_secret.get_secret_value())
        assert abs(int(request.headers["svix-timestamp"]) - time.time()) < 5

    async def test_signature_fails_with_another_secret(
        self,
        client: httpx.AsyncClient,
        captured: Callable[[], Any],
        gateway: FakeGateway,
    ) -> None:
        """
        A receiver holding a different secret refuses the webhook.
        """
        await client.post(f"/api/emails/{await captured()}/bounce")

        (request,) = gateway.requests
        other = "whsec_" + base64.b64encode(b"some-other-key").decode()
        with pytest.raises(ValueError, match="no matching signature"):
            verify(request, other)

    async def test_payload_has_resends_bounce_shape(
        self,
        client: httpx.AsyncClient,
        captured: Callable[[], Any],
        gateway: FakeGateway,
        email: dict[str, Any],
    ) -> None:
        """
        type, created_at and data with the email's id, sender, recipients,
        subject and a permanent bounce, as Resend sends email.bounced.
        """
        email_id = await captured()

        await client.post(f"/api/emails/{email_id}/bounce")

        payload = json.loads(gateway.requests[0].content)
        assert payload["type"] == "email.bounced"
        assert payload["created_at"].endswith("Z")
        data = payload["data"]
        assert data["email_id"] == email_id
        assert data["from"] == email["from"]
        assert data["to"] == [email["to"]]
        assert data["subject"] == email["subject"]
        assert data["created_at"]
        assert data["bounce"]["type"] == "Permanent"
        assert data["bounce"]["subType"] == "General"
        assert data["bounce"]["message"]

    async def test_named_recipient_is_listed_by_address_alone(
        self,
        client: httpx.AsyncClient,
        gateway: FakeGateway,
        auth: dict[str, str],
        email: dict[str, Any],
    ) -> None:
        """
        `Jane <jane@example.com>` appears in the webhook as the bare address,
        the form the gateway reads the recipient from.
        """
        named = {**email, "to": ["Jane Doe <jane@example.com>"]}
        sent = await client.post("/resend/emails", json=named, headers=auth)

        await client.post(f"/api/emails/{sent.json()['id']}/bounce")

        payload = json.loads(gateway.requests[0].content)
        assert payload["data"]["to"] == ["jane@example.com"]

    async def test_complaint_is_sent_as_email_complained(
        self,
        client: httpx.AsyncClient,
        captured: Callable[[], Any],
        gateway: FakeGateway,
    ) -> None:
        """
        The complain route sends email.complained, without bounce details.
        """
        email_id = await captured()

        response = await client.post(f"/api/emails/{email_id}/complain")

        assert response.status_code == 202
        payload = json.loads(gateway.requests[0].content)
        assert payload["type"] == "email.complained"
        assert payload["data"]["email_id"] == email_id
        assert "bounce" not in payload["data"]

    async def test_sent_webhook_is_logged_without_the_address(
        self, client: httpx.AsyncClient, captured: Callable[[], Any]
    ) -> None:
        """
        webhook_sent carries ids, type, gateway status and masked recipients.
        """
        email_id = await captured()

        with capture_logs() as logs:
            await client.post(f"/api/emails/{email_id}/bounce")

        (entry,) = logs
        assert entry["event"] == "webhook_sent"
        assert entry["webhook_type"] == "email.bounced"
        assert entry["email_id"] == email_id
        assert entry["gateway_status"] == 202
        assert entry["recipients"] == ["j***@example.com"]
        assert "jane@example.com" not in str(logs)


class TestFailures:
    @pytest.mark.parametrize("action", ["bounce", "complain"])
    async def test_unknown_email_is_not_found(
        self, client: httpx.AsyncClient, gateway: FakeGateway, action: str
    ) -> None:
        """
        An id the sandbox never captured answers 404 and sends nothing.
        """
        response = await client.post(f"/api/emails/no-such-id/{action}")

        assert response.status_code == 404
        assert "no-such-id" in response.json()["detail"]
        assert gateway.requests == []

    async def test_gateway_answer_is_passed_on(
        self,
        client: httpx.AsyncClient,
        captured: Callable[[], Any],
        gateway: FakeGateway,
    ) -> None:
        """
        A gateway that refuses the webhook is reported, not hidden.
        """
        gateway.status_code = 401

        response = await client.post(f"/api/emails/{await captured()}/bounce")

        assert response.status_code == 202
        assert response.json()["gateway_status"] == 401

    async def test_unreachable_gateway_answers_502_naming_the_url(
        self,
        client: httpx.AsyncClient,
        captured: Callable[[], Any],
        gateway: FakeGateway,
        settings: Settings,
    ) -> None:
        """
        A gateway that cannot be reached makes a 502 that names its URL.
        """
        gateway.failure = httpx.ConnectError("Connection refused")

        response = await client.post(f"/api/emails/{await captured()}/bounce")

        assert response.status_code == 502
        detail = response.json()["detail"]
        assert settings.gateway_webhook_url in detail
        assert "GATEWAY_WEBHOOK_URL" in detail

    async def test_missing_secret_answers_503(
        self,
        settings: Settings,
        gateway: FakeGateway,
        auth: dict[str, str],
        email: dict[str, Any],
    ) -> None:
        """
        Without RESEND_WEBHOOK_SECRET nothing is sent and the answer says so.
        """
        unsigned = settings.model_copy(update={"resend_webhook_secret": None})
        async with httpx.AsyncClient(transport=httpx.MockTransport(gateway)) as http:
            app = create_app(unsigned, http=http)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://sandbox"
            ) as client:
                sent = await client.post("/resend/emails", json=email, headers=auth)
                email_id = sent.json()["id"]

                response = await client.post(f"/api/emails/{email_id}/bounce")

        assert response.status_code == 503
        assert "RESEND_WEBHOOK_SECRET" in response.json()["detail"]
        assert gateway.requests == []


class TestSigning:
    def test_signature_matches_the_standard_webhooks_test_vector(self) -> None:
        """
        The published Standard Webhooks (Svix) example signs to its documented
        value, independent of any SDK.
        """
        signature = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            '{"test": 2432232314}',
        )

        assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

    def test_signed_headers_verify_with_the_resend_sdk(
        self, settings: Settings
    ) -> None:
        """
        Headers made for a body pass resend.Webhooks.verify as they are.
        """
        assert settings.resend_webhook_secret is not None
        secret = settings.resend_webhook_secret.get_secret_value()
        body = '{"type": "email.bounced", "data": {}}'

        headers = signed_headers(secret, body)

        verified = resend.Webhooks.verify(
            {
                "payload": body,
                "headers": {
                    "id": headers["svix-id"],
                    "timestamp": headers["svix-timestamp"],
                    "signature": headers["svix-signature"],
                },
                "webhook_secret": secret,
            }
        )
        assert verified["type"] == "email.bounced"

    def test_each_webhook_gets_a_new_id(self, settings: Settings) -> None:
        """
        Receivers deduplicate by svix-id, so two webhooks never share one.
        """
        assert settings.resend_webhook_secret is not None
        secret = settings.resend_webhook_secret.get_secret_value()

        first = signed_headers(secret, "{}")["svix-id"]
        second = signed_headers(secret, "{}")["svix-id"]

        assert first != second
        assert len(first) == len("msg_") + 27


class TestSettings:
    @pytest.mark.parametrize(
        ("secret", "key"),
        [
            ("vcQIQ+7xY/s0mDKJ2M5mJ1WmcmMFZBpN", "vcQIQ+7xY"),
            ("whsec_not-base64-at-all!", "not-base64"),
            ("whsec_", None),
        ],
    )
    def test_malformed_secret_is_refused_without_echoing_it(
        self, monkeypatch: pytest.MonkeyPatch, secret: str, key: str | None
    ) -> None:
        """
        A secret not in `whsec_<base64>` form fails at start-up; the message
        says the expected form and never repeats the value.
        """
        monkeypatch.setenv("RESEND_WEBHOOK_SECRET", secret)

        with pytest.raises(ValueError, match="whsec_") as caught:
            Settings()

        if key is not None:
            assert key not in str(caught.value)

    def test_webhooks_go_to_the_compose_gateway_by_default(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """
        Without GATEWAY_WEBHOOK_URL the gateway's Compose address is used.
        """
        monkeypatch.delenv("GATEWAY_WEBHOOK_URL", raising=False)

        assert (
            Settings().gateway_webhook_url
            == "http://event-gateway:8080/v1/webhooks/resend"
        )
