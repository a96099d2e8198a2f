"""The sandbox's configuration, read once from the environment."""

import logging

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    """
    Environment variables the sandbox reads at start-up.
    """

    log_level: str = "INFO"
    # Used when a `slow` OMDb fault is queued without its own `delay_seconds`.
    slow_fault_default_seconds: float = Field(default=15.0, ge=0)
    # The `retry-after` value a `rate_limit` Resend fault answers with by default.
    rate_limit_retry_after_seconds: int = Field(default=1, ge=0)

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in logging.getLevelNamesMapping():
            msg = f"LOG_LEVEL={value!r} is not a logging level; use DEBUG, INFO, ..."
            raise ValueError(msg)
        return level
