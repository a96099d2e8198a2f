"""In-memory state: captured emails, request logs, idempotency keys, faults.

The sandbox runs as one uvicorn worker, so one `SandboxState` per app is the
whole truth. Check-then-act sections hold `lock`, so an await added inside
them later cannot let two requests interleave.
"""

import asyncio
import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

Target = Literal["omdb", "resend"]
CaptureOutcome = Literal["captured", "replayed", "conflict"]


def utc_now_iso() -> str:
    """
    Return the current UTC time in ISO 8601, to the millisecond.
    """
    now = datetime.now(UTC).isoformat(timespec="milliseconds")
    return now.replace("+00:00", "Z")


@dataclass
class Fault:
    """
    A queued failure: the next `remaining` requests to `target` fail this way.
    """

    target: Target
    fault: str
    remaining: int
    delay_seconds: float | None = None
    retry_after_seconds: int | None = None
    queued_at: str = field(default_factory=utc_now_iso)

    def as_dict(self) -> dict[str, Any]:
        """
        Return the fault as JSON-ready data, without options that do not apply.
        """
        return {key: value for key, value in asdict(self).items() if value is not None}


@dataclass(frozen=True)
class Capture:
    """
    The outcome of offering an email to the outbox.
    """

    outcome: CaptureOutcome
    email_id: str | None


@dataclass(frozen=True)
class _IdempotentSend:
    fingerprint: str
    email_id: str


class SandboxState:
    """
    Everything the sandbox remembers, for the life of the process.
    """

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.emails: list[dict[str, Any]] = []
        self.omdb_requests: list[dict[str, Any]] = []
        self.resend_requests: list[dict[str, Any]] = []
        self.faults: list[Fault] = []
        # Kept even when emails are cleared, as Resend keeps keys whatever
        # happens to the messages.
        self._idempotent_sends: dict[str, _IdempotentSend] = {}

    async def take_fault(self, target: Target) -> Fault | None:
        """
        Consume one use of the oldest fault queued for `target`, if any.
        """
        async with self.lock:
            for index, fault in enumerate(self.faults):
                if fault.target == target:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        del self.faults[index]
                    return fault
            return None

    async def capture_email(
        self, payload: dict[str, Any], idempotency_key: str | None
    ) -> Capture:
        """
        Store an email unless its idempotency key was already used.

        A known key with the same payload replays the first email's id; a known
        key with a different payload is a conflict. Neither stores anything.
        """
        fingerprint = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        async with self.lock:
            known = (
                None
                if idempotency_key is None
                else self._idempotent_sends.get(idempotency_key)
            )
            if known is not None:
                if known.fingerprint != fingerprint:
                    return Capture(outcome="conflict", email_id=None)
                return Capture(outcome="replayed", email_id=known.email_id)

            email_id = str(uuid.uuid4())
            self.emails.append(_stored_email(payload, email_id, idempotency_key))
            if idempotency_key is not None:
                self._idempotent_sends[idempotency_key] = _IdempotentSend(
                    fingerprint=fingerprint, email_id=email_id
                )
            return Capture(outcome="captured", email_id=email_id)


def _stored_email(
    payload: dict[str, Any], email_id: str, idempotency_key: str | None
) -> dict[str, Any]:
    recipients = payload["to"]
    return {
        **payload,
        "to": [recipients] if isinstance(recipients, str) else list(recipients),
        "id": email_id,
        "idempotency_key": idempotency_key,
        "received_at": utc_now_iso(),
    }
