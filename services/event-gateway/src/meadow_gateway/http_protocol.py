"""
uvicorn's httptools protocol, with each answer leaving in one write.

uvicorn writes an answer's head and its body with a write each. Its sockets
send at once (TCP_NODELAY), so an answer crosses the network as two segments,
and every hop handles it twice: Docker's port proxy, the kernel at both ends,
and the client, which wakes and reads twice. Go's HTTP server, Inngest's among
them, answers in one write.

On the 2-core machine of the README's Performance section, two gateways of one
stack loaded in alternating rounds (6 rounds of 4 s a side, 16 connections)
gave, for one write per answer against two: with wrk posting, 7% less machine
CPU per accepted event (1.47 against 1.58 ms) and 10% more requests/s; with
the bench's httpx client, 2% and 7% less in two sets of rounds. That client,
busy on a loaded machine, often finds both segments waiting and reads once
anyway. The gateway's own share is 0.03 to 0.06 ms an answer.

Select it with:

    uvicorn ... --http meadow_gateway.http_protocol:OneWriteHttpToolsProtocol
"""

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class CoalescingTransport:
    """
    A transport whose writes wait for the end of the event loop's current
    turn, then leave together in one write to the transport it wraps.

    An ASGI app sends an answer's start and its body one after the other
    without yielding to the loop, so the two leave as one. A body streamed
    over later turns still leaves as it comes, one turn late at most.
    Everything else is the wrapped transport's, except that close() writes
    what waits first.
    """

    def __init__(
        self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop
    ) -> None:
        self._transport = transport
        self._loop = loop
        self._waiting: list[bytes] = []

    def write(self, data: bytes) -> None:
        """
        Keep data for the write at the end of this turn of the loop.
        """
        if not self._waiting:
            self._loop.call_soon(self.write_out)
        self._waiting.append(data)

    def write_out(self) -> None:
        """
        Write what waits now, unless the connection is closing: after a reset
        or an abort nobody is left to read it.
        """
        if not self._waiting:
            return
        data = b"".join(self._waiting)
        self._waiting.clear()
        if not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        """
        Write what waits, then close, so that an answer given with
        `Connection: close` still reaches the client.
        """
        self.write_out()
        self._transport.close()

    def get_write_buffer_size(self) -> int:
        """
        The bytes the wrapped transport holds, and those waiting here.
        """
        waiting = sum(len(data) for data in self._waiting)
        return self._transport.get_write_buffer_size() + waiting

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class OneWriteHttpToolsProtocol(HttpToolsProtocol):
    """
    HttpToolsProtocol whose answers leave through a CoalescingTransport.

    The socket's transport still calls this protocol back, so uvicorn's flow
    control (pause_writing, and pause_reading through the wrapper) is as before.
    """

    def connection_made(  # type: ignore[override]
        self, transport: asyncio.Transport
    ) -> None:
        coalescing = CoalescingTransport(transport, self.loop)
        super().connection_made(coalescing)  # type: ignore[arg-type]
