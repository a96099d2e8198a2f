"""Handing events to Inngest, behind an interface tests can replace."""

import datetime
from collections.abc import Mapping
from typing import Protocol

import inngest
from httpx_aiohttp import AiohttpTransport
from inngest._internal import net

from .settings import Settings

JsonData = Mapping[str, inngest.JSON]


class EventNotAccepted(Exception):
    """
    Inngest did not confirm the event, so the caller must not report it accepted.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class EventSender(Protocol):
    """
    Something that hands one event to Inngest and returns the id Inngest gave it.
    """

    async def send(
        self, *, event_name: str, data: JsonData, event_id: str | None
    ) -> str:
        """
        Send one event; raise EventNotAccepted if Inngest did not take it.
        """
        ...


class InngestEventSender:
    """
    Hands lists of events to Inngest through the inngest SDK client.

    `Inngest.send` retries network errors and 5xx answers itself (five attempts),
    then raises SendEventsError, or a JSON or pydantic error when the last answer
    is not the shape it expects; 4xx answers raise SendEventsError at once. Each
    means the events were not confirmed, so all become EventNotAccepted.
    """

    def __init__(self, client: inngest.Inngest) -> None:
        self._client = client

    async def send_batch(self, events: list[inngest.Event]) -> list[str]:
        """
        Send events in one request; return the ids Inngest answered, in order
        (BatchingEventSender checks there is one for each event).

        Raises EventNotAccepted if the send failed.
        """
        try:
            return await self._client.send(events)
        except Exception as exc:
            detail = self._redact(f"{type(exc).__name__}: {exc}")
            raise EventNotAccepted("send_failed", detail) from exc

    def _redact(self, detail: str) -> str:
        key = self._client.event_key
        return detail.replace(key, "***") if key else detail


def build_inngest_client(settings: Settings) -> inngest.Inngest:
    """
    The one Inngest client of the process, configured from settings, its event
    sends carried over aiohttp.
    """
    event_key = settings.inngest_event_key
    client = inngest.Inngest(
        app_id="meadow-gateway",
        is_production=not settings.inngest_dev_mode,
        api_base_url=settings.inngest_api_base_url or settings.inngest_base_url,
        event_api_base_url=(
            settings.inngest_event_api_base_url or settings.inngest_base_url
        ),
        event_key=event_key.get_secret_value() if event_key else None,
        request_timeout=datetime.timedelta(
            seconds=settings.inngest_request_timeout_seconds
        ),
    )
    _send_over_aiohttp(client)
    return client


def _send_over_aiohttp(client: inngest.Inngest) -> None:
    """
    Give the client's async httpx client an aiohttp transport.

    `Inngest.send` still builds the httpx request, retries and reads the answer
    itself; only the connection pool under it changes. In the gateway's image,
    on scripts/bench's 2-core machine, a send of 3 events to a dev server cost
    1.1 to 1.4 ms of CPU over httpx's own pool (httpcore on anyio) and 0.9 to
    1.0 ms over aiohttp's. The SDK takes no transport, so this replaces the
    client inngest 0.5.19 builds (`_http_client._http_client`) before it has
    opened a connection, keeping the thread check the SDK makes on each send.
    aiohttp's connection and timeout errors arrive as httpx's, so the SDK still
    retries them.
    """
    pool = client._http_client
    pool._http_client = net.ThreadAwareAsyncHTTPClient(
        transport=AiohttpTransport()
    ).initialize()


async def close_inngest_client(client: inngest.Inngest) -> None:
    """
    Close the HTTP connection pools the inngest client holds.

    inngest 0.5.19 offers no close(), so without this its pooled connections
    would outlive the app (and warn in tests).
    """
    await client._http_client._http_client.aclose()
    client._http_client._http_client_sync.close()
