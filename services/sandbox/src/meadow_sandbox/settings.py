"""The sandbox's configuration, read once from the environment."""

import binascii
import logging

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """
    Environment variables the sandbox reads at start-up.
    """

    # Error messages name the problem; echoing input could print the secret.
    model_config = SettingsConfigDict(hide_input_in_errors=True)

    log_level: str = "INFO"
    # Used when a `slow` OMDb fault is queued without its own `delay_seconds`.
    slow_fault_default_seconds: float = Field(default=15.0, ge=0)
    # The `retry-after` value a `rate_limit` Resend fault answers with by default.
    rate_limit_retry_after_seconds: int = Field(default=1, ge=0)

    # Signs the webhooks the bounce and complaint routes send, as Resend signs
    # its own; the gateway must hold the same secret. Unset, those routes
    # answer 503.
    resend_webhook_secret: SecretStr | None = None
    # Where those webhooks go: the gateway's Resend webhook route.
    gateway_webhook_url: str = "http://event-gateway:8080/v1/webhooks/resend"

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in logging.getLevelNamesMapping():
            msg = f"LOG_LEVEL={value!r} is not a logging level; use DEBUG, INFO, ..."
            raise ValueError(msg)
        return level

    @field_validator("resend_webhook_secret")
    @classmethod
    def _svix_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        secret = value.get_secret_value().strip()
        prefix, _, key = secret.partition("_")
        try:
            decoded = binascii.a2b_base64(key, strict_mode=True)
        except binascii.Error:
            decoded = b""
        if prefix != "whsec" or not decoded:
            # The value itself stays out of the message: it is a secret.
            msg = (
                "RESEND_WEBHOOK_SECRET must be `whsec_` followed by base64, "
                "as Resend shows it for a webhook endpoint"
            )
            raise ValueError(msg)
        return SecretStr(secret)

    @field_validator("gateway_webhook_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            msg = f"GATEWAY_WEBHOOK_URL must be an http(s) URL, got {value!r}"
            raise ValueError(msg)
        return value
