"""Resend webhooks: their Svix-style signature, and the part of them Meadow reads."""

import json
from typing import Annotated, Any

import resend
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class SignatureRejected(Exception):
    """
    The webhook cannot be trusted: which header is at fault, and how.
    """

    def __init__(self, reason: str, header: str, problem: str) -> None:
        super().__init__(f"{header} {problem}")
        self.reason = reason
        self.header = header
        self.problem = problem


class UnreadablePayload(Exception):
    """
    The signature matches but the body is not JSON.
    """


class ResendWebhook(BaseModel):
    """
    The envelope of every Resend webhook.
    """

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["email.bounced"])
    created_at: str = Field(examples=["2026-01-31T12:00:00.000Z"])
    data: dict[str, Any]


class ResendEmailData(BaseModel):
    """
    The fields of an email.* webhook's data that Meadow forwards on their own.
    """

    model_config = ConfigDict(extra="allow")

    email_id: str = Field(min_length=1)
    to: list[Address] = Field(min_length=1)


def documented_schema() -> dict[str, Any]:
    """
    JSON schema of the webhooks that become events, for the OpenAPI document.
    """
    schema = ResendWebhook.model_json_schema()
    schema["properties"]["type"]["pattern"] = r"^email\."
    schema["properties"]["data"] = ResendEmailData.model_json_schema()
    return schema


def verify_signature(
    body: bytes,
    *,
    svix_id: str | None,
    svix_timestamp: str | None,
    svix_signature: str | None,
    secret: str,
) -> object:
    """
    The parsed body, once its signature is checked with resend.Webhooks.verify.

    Raises SignatureRejected for a missing, wrong or stale (over 5 minutes)
    signature, UnreadablePayload for a signed body that is not JSON.
    """
    headers = {
        "svix-id": svix_id,
        "svix-timestamp": svix_timestamp,
        "svix-signature": svix_signature,
    }
    for header, value in headers.items():
        if not value:
            raise SignatureRejected("signature_missing", header, "is missing")
    try:
        # The SDK signs the text; strict UTF-8 gives back exactly the raw bytes.
        payload = body.decode("utf-8")
    except UnicodeDecodeError:
        raise _mismatch() from None

    try:
        return resend.Webhooks.verify(
            {
                "payload": payload,
                "headers": {
                    "id": str(svix_id),
                    "timestamp": str(svix_timestamp),
                    "signature": str(svix_signature),
                },
                "webhook_secret": secret,
            }
        )
    except ValueError as exc:
        raise _classify(exc) from None


def _classify(exc: ValueError) -> Exception:
    if isinstance(exc.__cause__, json.JSONDecodeError):
        return UnreadablePayload(str(exc.__cause__))
    # The SDK raises ValueError for every failure; its message is the only
    # thing that tells a stale timestamp from a wrong signature (for the log).
    if "timestamp" in str(exc):
        return SignatureRejected(
            "signature_stale",
            "svix-timestamp",
            "is not a Unix time within 5 minutes of now",
        )
    return _mismatch()


def _mismatch() -> SignatureRejected:
    return SignatureRejected(
        "signature_invalid", "svix-signature", "does not match the body"
    )
