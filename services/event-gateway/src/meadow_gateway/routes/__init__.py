"""The gateway's HTTP routes: /v1 event intake and the operations probes."""

from . import events, ops

__all__ = ["events", "ops"]
