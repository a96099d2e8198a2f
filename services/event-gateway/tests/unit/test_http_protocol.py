"""
OneWriteHttpToolsProtocol: each answer reaches the socket in one write.

The protocol is driven as uvicorn drives it, with a transport that records
each write the socket would have made.
"""

import asyncio
from typing import Any

import pytest
from starlette.types import Receive, Scope, Send
from uvicorn.config import Config
from uvicorn.server import ServerState

from meadow_gateway.http_protocol import CoalescingTransport, OneWriteHttpToolsProtocol

POST = (
    b"POST /v1/movie-watched HTTP/1.1\r\nHost: gateway\r\n"
    b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
)


class SocketTransport(asyncio.Transport):
    """
    What the socket's transport was asked to do: its writes, and whether it
    was closed.
    """

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        assert not self.closed, "written after close"
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8080)}.get(
            name, default
        )

    def get_write_buffer_size(self) -> int:
        return 0

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def accepted(scope: Scope, receive: Receive, send: Send) -> None:
    """
    Answer 202 with a small JSON body, in one start and one body message,
    as the gateway's routes answer.
    """
    await receive()
    body = b'{"event_id":"01K"}'
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": 202, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def streamed(scope: Scope, receive: Receive, send: Send) -> None:
    """
    Answer 200 with a body sent in two parts, a loop turn or more apart.
    """
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await asyncio.sleep(0.01)
    await send({"type": "http.response.body", "body": b"first,", "more_body": True})
    await asyncio.sleep(0.01)
    await send({"type": "http.response.body", "body": b"second"})


def connect(app: Any) -> tuple[OneWriteHttpToolsProtocol, SocketTransport]:
    """
    A protocol serving app, as uvicorn would make it for a new connection.
    """
    # No log_config: uvicorn would reconfigure the loggers other tests read.
    config = Config(app=app, http=OneWriteHttpToolsProtocol, log_config=None)
    config.load()
    protocol = OneWriteHttpToolsProtocol(
        config=config,
        server_state=ServerState(),
        app_state={},
        _loop=asyncio.get_running_loop(),
    )
    transport = SocketTransport()
    protocol.connection_made(transport)
    return protocol, transport


async def until(check: Any, what: str) -> None:
    """
    Let the loop run until check() is true, or fail after a second.
    """
    for _ in range(1000):
        if check():
            return
        await asyncio.sleep(0.001)
    pytest.fail(f"never happened: {what}")


async def test_answer_leaves_in_one_write() -> None:
    """
    The head and the body of an answer reach the socket together.
    """
    protocol, transport = connect(accepted)

    protocol.data_received(POST)
    await until(lambda: transport.writes, "an answer")
    await asyncio.sleep(0.01)

    assert len(transport.writes) == 1
    answer = transport.writes[0]
    assert answer.startswith(b"HTTP/1.1 202 Accepted\r\n")
    assert answer.endswith(b'\r\n\r\n{"event_id":"01K"}')


async def test_pipelined_requests_get_their_answers_in_order() -> None:
    """
    Two requests in one read get two whole answers, in the order asked.
    """
    protocol, transport = connect(accepted)

    protocol.data_received(POST + POST)
    await until(lambda: b"".join(transport.writes).count(b"202") == 2, "2 answers")

    sent = b"".join(transport.writes)
    first, second = sent.split(b"HTTP/1.1 ")[1:]
    assert first.endswith(b'{"event_id":"01K"}')
    assert second.endswith(b'{"event_id":"01K"}')
    assert not transport.closed


async def test_streamed_body_is_not_held_back() -> None:
    """
    A body sent over later turns of the loop leaves part by part, each
    part as it comes; only what is sent within one turn is joined.
    """
    protocol, transport = connect(streamed)

    protocol.data_received(POST)
    await until(lambda: b"second" in b"".join(transport.writes), "the last part")

    assert len(transport.writes) == 3
    assert transport.writes[0].startswith(b"HTTP/1.1 200 OK\r\n")
    assert transport.writes[1].endswith(b"first,\r\n")
    assert transport.writes[2].startswith(b"6\r\nsecond\r\n")


async def test_answer_is_written_before_connection_close() -> None:
    """
    A client asking for `Connection: close` gets its whole answer, then the
    connection is closed.
    """
    protocol, transport = connect(accepted)

    protocol.data_received(POST.replace(b"Host:", b"Connection: close\r\nHost:"))
    await until(lambda: transport.closed, "the close")

    assert len(transport.writes) == 1
    assert transport.writes[0].endswith(b'{"event_id":"01K"}')


async def test_nothing_is_written_to_a_closing_connection() -> None:
    """
    What waits when the connection is reset or aborted is dropped, not
    written to a transport that is going away.
    """
    socket_transport = SocketTransport()
    coalescing = CoalescingTransport(socket_transport, asyncio.get_running_loop())

    coalescing.write(b"HTTP/1.1 202 Accepted\r\n\r\n")
    socket_transport.closed = True
    await asyncio.sleep(0)

    assert socket_transport.writes == []


async def test_waiting_bytes_count_in_the_write_buffer() -> None:
    """
    Bytes kept for the end of the turn count as buffered until written.
    """
    socket_transport = SocketTransport()
    coalescing = CoalescingTransport(socket_transport, asyncio.get_running_loop())

    coalescing.write(b"12345")
    coalescing.write(b"678")

    assert coalescing.get_write_buffer_size() == 8
    await asyncio.sleep(0)
    assert coalescing.get_write_buffer_size() == 0
    assert socket_transport.writes == [b"12345678"]
