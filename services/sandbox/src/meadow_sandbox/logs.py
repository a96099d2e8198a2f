"""structlog set-up and the helpers that keep personal data out of logs."""

import logging
import re
import sys

import structlog

_API_KEY_PARAM = re.compile(r"(apikey=)[^&\s]*", re.IGNORECASE)


class RedactApiKeys(logging.Filter):
    """
    Mask `apikey=` values in uvicorn's access lines, which hold query strings.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """
        Rewrite the record's arguments in place; never drop the record.
        """
        if isinstance(record.args, tuple):
            record.args = tuple(
                _API_KEY_PARAM.sub(r"\1***", arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        return True


def configure_logging(level: str) -> None:
    """
    Configure structlog (JSON off a terminal) and mask keys in access lines.
    """
    renderer: structlog.typing.Processor = (
        structlog.dev.ConsoleRenderer()
        if sys.stdout.isatty()
        else structlog.processors.JSONRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level]
        ),
        logger_factory=structlog.PrintLoggerFactory(),
        # Caching would stop structlog.testing.capture_logs seeing later events.
        cache_logger_on_first_use=False,
    )
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactApiKeys) for f in access.filters):
        access.addFilter(RedactApiKeys())


def mask_email(address: str) -> str:
    """
    Mask an address as `j***@example.com`; `Name <addr>` forms are unwrapped.
    """
    bare = bare_address(address)
    local, at, domain = bare.rpartition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"


def bare_address(address: str) -> str:
    """
    Return the address inside `Name <addr>`, or the trimmed input otherwise.
    """
    text = address.strip()
    if text.endswith(">") and "<" in text:
        return text[text.rindex("<") + 1 : -1].strip()
    return text
