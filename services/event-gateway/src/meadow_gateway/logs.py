"""Structured logging: configured once at start-up, JSON off a terminal."""

import logging
import re
import sys
from typing import TextIO, cast

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from .log_writer import LineBuffer


def mask_email(address: str) -> str:
    """
    Hide all of an email address's local part but its first character.
    """
    local, at, domain = address.rpartition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"


_ADDRESS_IN_TEXT = re.compile(r"[^/@\s]+@[^/@\s]+")


def mask_emails_in(text: str) -> str:
    """
    Mask every address-like part of a text such as a URL path.
    """
    return _ADDRESS_IN_TEXT.sub(lambda found: mask_email(found.group()), text)


def mask_email_fields(
    _logger: WrappedLogger, _method: str, event_dict: EventDict
) -> EventDict:
    """
    Mask any string field whose name mentions an email, as a last line of defence.
    """
    for key, value in event_dict.items():
        if "email" in key and isinstance(value, str) and "@" in value:
            event_dict[key] = mask_email(value)
    return event_dict


# The LineBuffer configure_logging set up, if any: see write_logs_through.
_buffer: LineBuffer | None = None


def write_logs_through() -> None:
    """
    From now on write each log line at once, and what waits now: called as the
    app shuts down, since uvicorn ends the process without running atexit.
    """
    if _buffer is not None:
        _buffer.write_through()


def configure_logging(level: str) -> None:
    """
    Route structlog and the standard library (uvicorn, inngest) to stdout.

    JSON lines when stdout is not a terminal, gathered by a LineBuffer
    (log_writer.py) that writes them out every 50 ms; coloured console lines
    written at once otherwise.
    """
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        mask_email_fields,
    ]
    renderers: list[Processor]
    out: TextIO
    if sys.stdout.isatty():
        renderers = [structlog.dev.ConsoleRenderer()]
        out = sys.stdout
    else:
        renderers = [
            structlog.processors.dict_tracebacks,
            structlog.processors.JSONRenderer(),
        ]
        global _buffer  # one stdout, so one buffer for it
        _buffer = LineBuffer(sys.stdout)
        out = cast(TextIO, _buffer)

    structlog.configure(
        processors=[*shared, *renderers],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        # Hands each line over whole; PrintLogger writes it and its newline apart.
        logger_factory=structlog.WriteLoggerFactory(out),
        # Cached loggers would ignore structlog.testing.capture_logs in tests.
        cache_logger_on_first_use=False,
    )
    _route_stdlib_logging(out, level, shared, renderers)


def _route_stdlib_logging(
    out: TextIO, level: str, shared: list[Processor], renderers: list[Processor]
) -> None:
    handler = logging.StreamHandler(out)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                *renderers,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)

    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    # The gateway writes its own request_finished line; uvicorn's would double it.
    logging.getLogger("uvicorn.access").disabled = True
    # httpx logs every outgoing request (each event sent) at INFO.
    logging.getLogger("httpx").setLevel(logging.WARNING)
