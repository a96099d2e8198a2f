"""Gateway settings, read once from the environment."""

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

    model_config = SettingsConfigDict(frozen=True, extra="forbid")

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
    inngest_event_key: SecretStr | None = None
    inngest_request_timeout_seconds: float = Field(default=5.0, gt=0)

    gateway_api_keys: Annotated[tuple[SecretStr, ...], NoDecode] = Field(
        default=(),
        description="Comma-separated bearer keys; empty leaves /v1 open.",
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
