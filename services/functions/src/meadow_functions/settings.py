"""Configuration read once from the environment."""

import logging
from datetime import timedelta
from typing import Any

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_WEEK_SECONDS = 7 * 24 * 60 * 60
_THREE_DAYS_SECONDS = 3 * 24 * 60 * 60


class Settings(BaseSettings):
    """
    Everything the function service needs, one field per environment variable.
    """

    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    redis_url: str = "redis://redis:6379/0"

    omdb_api_url: str = "https://www.omdbapi.com/"
    omdb_api_key: SecretStr
    omdb_timeout_seconds: float = Field(default=5.0, gt=0)
    omdb_limit_retry_after: int = Field(default=1800, ge=1)

    resend_api_url: str = "https://api.resend.com"
    resend_api_key: SecretStr
    email_from: str = "Meadow <plots@meadow.local>"

    plot_cache_ttl: int = Field(default=_WEEK_SECONDS, ge=1)
    not_found_cache_ttl: int = Field(default=3600, ge=1)
    email_throttle_period: int = Field(default=60, ge=1)
    # Seconds between a plot email and its follow-up.
    follow_up_delay: int = Field(default=_THREE_DAYS_SECONDS, ge=1)

    log_level: str = "INFO"

    # Where the OMDb and Resend stand-ins live; used for whichever API has no key.
    sandbox_url: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _sandbox_stands_in(cls, data: Any) -> Any:
        """
        With SANDBOX_URL set, an outside API whose key is empty is reached at the
        sandbox, so the stack runs offline until real keys are configured.
        """
        sandbox = data.get("sandbox_url") if isinstance(data, dict) else None
        if not sandbox:
            return data
        for api, path in (("omdb", "/omdb/"), ("resend", "/resend")):
            if not str(data.get(f"{api}_api_key") or "").strip():
                data[f"{api}_api_url"] = sandbox.rstrip("/") + path
                data[f"{api}_api_key"] = "sandbox"
        return data

    @property
    def omdb_limit_delay(self) -> timedelta:
        """
        How long a run waits after OMDb says the daily request limit is reached.
        """
        return timedelta(seconds=self.omdb_limit_retry_after)

    @property
    def follow_up_wait(self) -> timedelta:
        """
        How long the follow-up function sleeps before mailing.
        """
        return timedelta(seconds=self.follow_up_delay)

    @field_validator("omdb_api_key", "resend_api_key")
    @classmethod
    def _not_blank(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            msg = "must not be empty; set it to the key issued by the provider"
            raise ValueError(msg)
        return value

    @field_validator("omdb_api_url", "resend_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            msg = f"must be an http(s) URL, got {value!r}"
            raise ValueError(msg)
        return value

    @field_validator("resend_api_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        # The resend SDK appends paths such as "/emails" to this URL as is.
        return value.rstrip("/")

    @field_validator("email_from")
    @classmethod
    def _has_address(cls, value: str) -> str:
        if "@" not in value:
            example = "Meadow <plots@example.com>"
            msg = f"must hold an address such as {example!r}, got {value!r}"
            raise ValueError(msg)
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in logging.getLevelNamesMapping():
            msg = f"must be a logging level such as INFO or DEBUG, got {value!r}"
            raise ValueError(msg)
        return level
