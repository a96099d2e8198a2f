"""LineBuffer: log lines kept briefly, then written out together and in order."""

import io
import threading
import time

from meadow_gateway.log_writer import LineBuffer


class CountingStream(io.StringIO):
    """
    A StringIO that counts the writes it is given.
    """

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def wait_for(stream: CountingStream, text: str, seconds: float = 2.0) -> None:
    deadline = time.monotonic() + seconds
    while stream.getvalue() != text and time.monotonic() < deadline:
        time.sleep(0.005)


def test_lines_wait_for_the_interval_then_leave_in_one_write() -> None:
    stream = CountingStream()
    buffer = LineBuffer(stream, interval=0.2)

    for number in range(5):
        buffer.write(f"line {number}\n")
        buffer.flush()  # what the loggers call after each line
    kept = stream.getvalue()
    wait_for(stream, "".join(f"line {n}\n" for n in range(5)))

    assert kept == ""
    assert stream.getvalue() == "".join(f"line {n}\n" for n in range(5))
    assert stream.writes == 1


def test_reaching_the_limit_writes_at_once() -> None:
    stream = CountingStream()
    buffer = LineBuffer(stream, interval=60, limit=10)

    buffer.write("12345\n")
    assert stream.getvalue() == ""
    buffer.write("67890\n")

    assert stream.getvalue() == "12345\n67890\n"


def test_write_out_writes_what_is_kept_and_nothing_twice() -> None:
    stream = CountingStream()
    buffer = LineBuffer(stream, interval=60)

    buffer.write("a\n")
    buffer.write_out()
    buffer.write_out()

    assert (stream.getvalue(), stream.writes) == ("a\n", 1)


def test_lines_from_several_threads_all_arrive_whole() -> None:
    stream = CountingStream()
    buffer = LineBuffer(stream, interval=0.01)

    def writer(name: str) -> None:
        for number in range(200):
            buffer.write(f"{name} {number}\n")

    threads = [threading.Thread(target=writer, args=(f"t{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    buffer.write_out()

    lines = stream.getvalue().splitlines()
    assert sorted(lines) == sorted(f"t{t} {n}" for t in range(4) for n in range(200))
    for name in ("t0", "t1", "t2", "t3"):
        mine = [int(line.split()[1]) for line in lines if line.startswith(name + " ")]
        assert mine == list(range(200))


def test_after_write_through_every_line_leaves_at_once() -> None:
    stream = CountingStream()
    buffer = LineBuffer(stream, interval=60)

    buffer.write("kept\n")
    buffer.write_through()
    buffer.write("at once\n")

    assert stream.getvalue() == "kept\nat once\n"
