"""The Resend stand-in: `POST /resend/emails`, answered like Resend's API."""

import json
import re
from dataclasses import dataclass, field
from typing import Any

import structlog
from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse

from meadow_sandbox.deps import StateDep
from meadow_sandbox.faults import log_fault_applied
from meadow_sandbox.logs import bare_address, mask_email
from meadow_sandbox.state import Fault, SandboxState, utc_now_iso

router = APIRouter(prefix="/resend", tags=["resend"])
logger = structlog.get_logger(__name__)

_ADDRESS = re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+")
_MAX_RECIPIENTS = 50
_MAX_IDEMPOTENCY_KEY = 256
_ADDRESS_HINT = "use `email@example.com` or `Name <email@example.com>`"


@dataclass
class _Reply:
    status_code: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    replayed: bool = False


def _error(status_code: int, name: str, message: str) -> _Reply:
    body = {"statusCode": status_code, "name": name, "message": message}
    return _Reply(status_code=status_code, body=body)


@router.post("/emails")
async def send_email(request: Request, state: StateDep) -> JSONResponse:
    """
    Capture an email instead of sending it, with Resend's checks and answers.
    """
    received_at = utc_now_iso()
    payload = _parse_json(await request.body())
    idempotency_key = request.headers.get("idempotency-key")
    fault = await state.take_fault("resend")

    if fault is not None:
        reply = _fault_reply(fault)
        log_fault_applied(fault)
    else:
        reply = await _attempt(request, payload, idempotency_key, state)

    state.resend_requests.append(
        {
            "status_code": reply.status_code,
            "error_name": reply.body.get("name"),
            "email_id": reply.body.get("id"),
            "replayed": reply.replayed,
            "idempotency_key": idempotency_key,
            "fault": fault.fault if fault is not None else None,
            "body": payload,
            "received_at": received_at,
        }
    )
    return JSONResponse(reply.body, reply.status_code, headers=reply.headers)


async def _attempt(
    request: Request, payload: Any, idempotency_key: str | None, state: SandboxState
) -> _Reply:
    if not _has_bearer_token(request.headers.get("authorization")):
        return _error(
            status.HTTP_401_UNAUTHORIZED,
            "missing_api_key",
            "Missing API key in the authorization header.",
        )
    if idempotency_key is not None and not (
        1 <= len(idempotency_key) <= _MAX_IDEMPOTENCY_KEY
    ):
        return _error(
            status.HTTP_400_BAD_REQUEST,
            "invalid_idempotency_key",
            "The key must be between 1-256 chars.",
        )
    problem = validation_problem(payload)
    if problem is not None:
        logger.info("email_rejected", reason=problem)
        return _error(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "validation_error", problem
        )

    capture = await state.capture_email(payload, idempotency_key)
    if capture.outcome == "conflict":
        return _error(
            status.HTTP_409_CONFLICT,
            "invalid_idempotent_request",
            "Same idempotency key used with a different request payload.",
        )
    recipients = [mask_email(address) for address in _as_list(payload["to"])]
    event = "email_captured" if capture.outcome == "captured" else "email_replayed"
    logger.info(event, email_id=capture.email_id, recipients=recipients)
    return _Reply(
        status_code=status.HTTP_200_OK,
        body={"id": capture.email_id},
        replayed=capture.outcome == "replayed",
    )


def _fault_reply(fault: Fault) -> _Reply:
    if fault.fault == "rate_limit":
        reply = _error(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "rate_limit_exceeded",
            "Too many requests. You can only make 2 requests per second. "
            "See rate limit response headers for more information.",
        )
        wait = str(fault.retry_after_seconds or 0)
        reply.headers = {
            "retry-after": wait,
            "ratelimit-limit": "2",
            "ratelimit-remaining": "0",
            "ratelimit-reset": wait,
        }
        return reply
    return _error(
        status.HTTP_500_INTERNAL_SERVER_ERROR,
        "internal_server_error",
        "An unexpected error occurred, please try again later.",
    )


def _parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def _has_bearer_token(header: str | None) -> bool:
    scheme, _, token = (header or "").partition(" ")
    return scheme.lower() == "bearer" and bool(token.strip())


def _as_list(value: Any) -> list[Any]:
    return [value] if isinstance(value, str) else list(value)


def validation_problem(payload: Any) -> str | None:
    """
    Return why Resend would refuse this email body, or None when it is valid.
    """
    if not isinstance(payload, dict):
        return "The request body must be a JSON object."
    for name in ("from", "to", "subject"):
        if payload.get(name) in (None, "", []):
            return f"Missing `{name}` field."
    if not isinstance(payload["from"], str) or not _is_address(payload["from"]):
        return f"Invalid `from` field: {_ADDRESS_HINT}."
    if not isinstance(payload["subject"], str):
        return "Invalid `subject` field: it must be a string."
    if payload.get("html") is None and payload.get("text") is None:
        return "Missing `html` or `text` field."
    for name in ("html", "text"):
        if payload.get(name) is not None and not isinstance(payload[name], str):
            return f"Invalid `{name}` field: it must be a string."
    for name in ("to", "cc", "bcc", "reply_to"):
        problem = _recipients_problem(name, payload.get(name))
        if problem is not None:
            return problem
    return None


def _recipients_problem(name: str, value: Any) -> str | None:
    if value is None:
        return None
    addresses = _as_list(value) if isinstance(value, str | list) else [value]
    if len(addresses) > _MAX_RECIPIENTS:
        return f"Too many addresses in `{name}`: the limit is {_MAX_RECIPIENTS}."
    for address in addresses:
        if not isinstance(address, str) or not _is_address(address):
            return f"Invalid `{name}` field: {_ADDRESS_HINT}."
    return None


def _is_address(text: str) -> bool:
    return _ADDRESS.fullmatch(bare_address(text)) is not None
