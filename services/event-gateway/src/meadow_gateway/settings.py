"""Gateway settings, read once from the environment."""

import base64
import binascii
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class Settings(BaseSettings):
    """
    Everything the gateway reads from its environment.

    The INNGEST_* names match the variables the inngest SDK itself reads, so one
    Compose environment block configures both.
    """

    # Inputs stay out of validation errors: some of them are secrets.
    model_config = SettingsConfigDict(
        frozen=True, extra="forbid", hide_input_in_errors=True
    )

    inngest_dev: str = Field(
        default="",
        description="Truthy (or a URL) to talk to an Inngest dev server.",
    )
    inngest_base_url: str | None = Field(
        default=None,
        description="Origin of the Inngest server, e.g. http://inngest:8288.",
    )
    inngest_event_api_base_url: str | None = Field(
        default=None,
        description="Origin of the Inngest event API when it differs from the base.",
    )
    inngest_api_base_url: str | None = Field(
        default=None,
        description="Origin of Inngest's REST API (run status) when it differs.",
    )
    inngest_event_key: SecretStr | None = None
    inngest_signing_key: SecretStr | None = Field(
        default=None,
        description="Sent as the bearer key on Inngest REST API calls (Cloud).",
    )
    inngest_request_timeout_seconds: float = Field(default=5.0, gt=0)
    event_sends_in_flight: int = Field(
        default=1,
        ge=1,
        description="Event requests to Inngest under way at once; more lower the "
        "wait behind a distant Inngest, at the cost of smaller batches.",
    )
    event_send_interval_ms: float = Field(
        default=0,
        ge=0,
        description="Least time between the starts of two event requests while "
        "events keep coming; those arriving meanwhile leave together in the next. "
        "0: an event waits only while EVENT_SENDS_IN_FLIGHT sends are under way.",
    )

    gateway_api_keys: Annotated[tuple[SecretStr, ...], NoDecode] = Field(
        default=(),
        description="Comma-separated bearer keys; empty leaves /v1 open.",
    )
    redis_url: str = Field(
        default="redis://redis:6379/0",
        description="Redis for idempotency keys, event records and suppressions.",
    )
    resend_webhook_secret: SecretStr | None = Field(
        default=None,
        description="Resend's webhook signing secret (whsec_...); unset: 503.",
    )
    idempotency_wait_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How long a request waits on a same-key request before 409.",
    )
    max_body_bytes: int = Field(default=16384, gt=0)
    retry_after_seconds: int = Field(default=5, ge=1)
    readiness_timeout_seconds: float = Field(default=2.0, gt=0)
    log_level: LogLevel = "INFO"

    @field_validator("gateway_api_keys", mode="before")
    @classmethod
    def _split_api_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(key.strip() for key in value.split(",") if key.strip())
        return value

    @field_validator("inngest_signing_key", "resend_webhook_secret", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # Compose passes `VAR: ${VAR:-}` through as an empty string.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("resend_webhook_secret")
    @classmethod
    def _check_webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # A secret that is not base64 would fail every webhook with 401, as if
        # Resend had signed them wrongly; refusing to start says what is wrong.
        if value is None:
            return value
        encoded = value.get_secret_value().strip().removeprefix("whsec_")
        try:
            base64.b64decode(encoded, validate=True)
        except binascii.Error:
            msg = (
                "RESEND_WEBHOOK_SECRET is not a Resend signing secret: expected "
                "whsec_ followed by base64, as shown on the webhook's page."
            )
            raise ValueError(msg) from None
        return SecretStr(value.get_secret_value().strip())

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @property
    def inngest_dev_mode(self) -> bool:
        """
        Whether INNGEST_DEV is truthy, read the way the inngest SDK reads it.
        """
        return self.inngest_dev.strip().lower() not in ("", "0", "false")

    @property
    def auth_enabled(self) -> bool:
        """
        Whether /v1 routes require a bearer key.
        """
        return bool(self.gateway_api_keys)
