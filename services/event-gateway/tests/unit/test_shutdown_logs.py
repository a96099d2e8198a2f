"""
The gateway's last log lines survive uvicorn's exit on SIGTERM.

uvicorn ends the process by raising the signal again, which skips atexit, so
lines still waiting in the LineBuffer would be lost (log_writer.py).
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_sigterm_leaves_every_shutdown_line_in_the_log() -> None:
    env = os.environ | {
        "INNGEST_DEV": "1",
        "INNGEST_BASE_URL": f"http://127.0.0.1:{closed_port()}",
        "REDIS_URL": f"redis://127.0.0.1:{closed_port()}/0",
        "LOG_LEVEL": "info",
    }
    server = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
        [sys.executable, "-m", "uvicorn", "meadow_gateway.app:app"]
        + ["--port", str(closed_port()), "--no-access-log"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert server.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + 30
    while "Application startup complete." not in seen:
        assert time.monotonic() < deadline, seen
        line = server.stdout.readline()
        assert line, f"the server ended before starting: {seen}"
        seen.append(json.loads(line)["event"])

    server.send_signal(signal.SIGTERM)
    rest, _ = server.communicate(timeout=30)

    events = [json.loads(line)["event"] for line in rest.splitlines()]
    assert events[-3:] == [
        "Waiting for application shutdown.",
        "Application shutdown complete.",
        f"Finished server process [{server.pid}]",
    ]
