"""The gateway's HTTP routes: /v1 events, status, suppressions, webhooks; probes."""

from . import events, ops, status, suppressions, webhooks

__all__ = ["events", "ops", "status", "suppressions", "webhooks"]
