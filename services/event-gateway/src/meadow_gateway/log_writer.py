"""
Log lines gathered and written to stdout a few at a time.

Under Docker every write to stdout wakes containerd-shim and dockerd, which
read it, frame it and store it. On the 2-core machine scripts/bench runs on,
that costs about 0.22 ms of CPU when each line is a write of its own, against
0.02 ms a line when lines arrive together (5,000 lines from a container, one
every 2 ms, then in bursts of 50). With one access line a request, a write
per line was a twentieth of all the CPU a request costs the machine.

So lines wait up to `interval` seconds (or until `limit` characters wait) and
leave in one write. The price: a process killed outright (SIGKILL, OOM) loses
the lines of its last `interval`. An exit writes them first: atexit for a
normal one, and the app's shutdown (write_through) for uvicorn's on SIGTERM,
since uvicorn then ends the process by raising the signal again, which skips
atexit.
"""

import atexit
import io
import threading
import time
from typing import TextIO

INTERVAL_SECONDS = 0.05
LIMIT_CHARS = 64 * 1024


class LineBuffer(io.TextIOBase):
    """
    A text stream for log lines: write() keeps them, in order, and a daemon
    thread writes them out every interval; write_out() does at once.

    flush() does nothing, as the loggers call it after every line (structlog's
    WriteLogger and logging.StreamHandler both do), which is what this avoids.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        interval: float = INTERVAL_SECONDS,
        limit: int = LIMIT_CHARS,
    ) -> None:
        self._stream = stream
        self._interval = interval
        self._limit = limit
        self._lock = threading.Lock()
        self._waiting: list[str] = []
        self._size = 0
        self._through = False
        self._pending = threading.Event()
        thread = threading.Thread(target=self._run, name="log-writer", daemon=True)
        thread.start()
        atexit.register(self.write_out)

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        """
        Keep text for the next write; write at once if `limit` is reached,
        or once write_through() was called.
        """
        with self._lock:
            if self._through:
                self._stream.write(text)
                self._stream.flush()
                return len(text)
            self._waiting.append(text)
            self._size += len(text)
            full = self._size >= self._limit
        if full:
            self.write_out()
        else:
            self._pending.set()
        return len(text)

    def flush(self) -> None:
        """
        Nothing: the lines leave within the interval (see the class).
        """

    def write_through(self) -> None:
        """
        Write out what is kept, and every later line at once: for the last
        lines of a process that may end without running atexit.
        """
        with self._lock:
            self._through = True
        self.write_out()

    def write_out(self) -> None:
        """
        Write out every line kept so far.
        """
        # Under the lock, so two flushes cannot reorder their lines.
        with self._lock:
            if not self._waiting:
                return
            text = "".join(self._waiting)
            self._waiting.clear()
            self._size = 0
            self._stream.write(text)
            self._stream.flush()

    def _run(self) -> None:
        while True:
            self._pending.wait()
            time.sleep(self._interval)
            # Cleared before the flush: a line kept after it sets it again.
            self._pending.clear()
            self.write_out()
