"""Structured logging, configured once at start-up."""

import logging
import sys

import structlog

_LEVELS = logging.getLevelNamesMapping()


def configure_logging(level: str) -> None:
    """
    Send structlog events to stdout: JSON off a terminal, console on one.
    """
    renderer: structlog.typing.Processor
    if sys.stdout.isatty():
        renderer = structlog.dev.ConsoleRenderer()
    else:
        renderer = structlog.processors.JSONRenderer()

    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(_LEVELS[level]),
        logger_factory=structlog.PrintLoggerFactory(),
        # Caching would pin loggers to this configuration, and
        # structlog.testing.capture_logs could no longer see them.
        cache_logger_on_first_use=False,
    )

    # httpx logs every request URL at INFO, and OMDb URLs carry the API key.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def mask_email(address: str) -> str:
    """
    Hide all but the first character of an address's local part.
    """
    local, at, domain = address.strip().partition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"
