"""
The stack under measurement: where it answers, and what can be read from it.

Everything that needs Docker (flushing Redis, CPU use per container, image
names) goes through `docker compose` for the stack's project; without Docker
those parts are skipped and say so, the HTTP measurements still run.
"""

import asyncio
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]

Progress = Callable[[str], None]


class ComposeError(RuntimeError):
    """
    A `docker compose` command failed; the message carries its stderr.
    """


class Compose:
    """
    `docker compose` for one project: the default one, or the env file's.
    """

    def __init__(self, env_file: Path | None) -> None:
        self.env_file = env_file
        self._docker = shutil.which("docker")

    @property
    def available(self) -> bool:
        """
        Whether a docker CLI is on PATH.
        """
        return self._docker is not None

    def run(self, *args: str, timeout: float = 60) -> str:
        """
        Run `docker compose <args>` for the project and return its stdout.
        """
        if self._docker is None:
            msg = "docker is not on PATH; install Docker or skip this part"
            raise ComposeError(msg)
        command = [self._docker, "compose"]
        if self.env_file is not None:
            command += ["--env-file", str(self.env_file)]
        command += ["-f", str(ROOT / "docker-compose.yml"), *args]
        # The arguments are ours and the executable is resolved, not a shell line.
        done = subprocess.run(  # noqa: S603
            command, capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode != 0:
            msg = f"`docker compose {' '.join(args)}` failed: {done.stderr.strip()}"
            raise ComposeError(msg)
        return done.stdout

    def services(self) -> dict[str, dict[str, Any]]:
        """
        Running containers by service name, as `docker compose ps` describes them.
        """
        lines = self.run("ps", "--format", "json").splitlines()
        found = [json.loads(line) for line in lines if line.strip()]
        return {entry["Service"]: entry for entry in found}

    def container_ids(self) -> dict[str, str]:
        """
        Full container ids by service name.
        """
        return {
            service: self.run("ps", "-q", service).strip()
            for service in self.services()
        }

    def published_url(self, service: str, port: int) -> str | None:
        """
        http://host:port where the service's container port is published, if it is.
        """
        try:
            entry = self.services().get(service)
        except ComposeError:
            return None
        for publisher in (entry or {}).get("Publishers") or []:
            if publisher.get("TargetPort") == port and publisher.get("PublishedPort"):
                host = publisher.get("URL") or "127.0.0.1"
                return f"http://{host}:{publisher['PublishedPort']}"
        return None

    def flush_plot_cache(self) -> int:
        """
        Delete the stack's cached plots (`meadow:plot:*`); return how many.
        """
        scan = ["exec", "-T", "redis", "redis-cli", "--scan", "--pattern"]
        keys = self.run(*scan, "meadow:plot:*").split()
        if keys:
            self.run("exec", "-T", "redis", "redis-cli", "DEL", *keys)
        return len(keys)


@dataclass(frozen=True)
class Urls:
    """
    Where the stack answers.
    """

    gateway: str
    inngest: str
    sandbox: str
    event_key: str
    # Other gateways measured beside the stack's in section 1, by name.
    compared: tuple[tuple[str, str], ...] = ()

    @property
    def direct_events(self) -> str:
        """
        Inngest's event API for the key: the direct route events can take.
        """
        return f"{self.inngest}/e/{self.event_key}"


class CpuMeter:
    """
    CPU seconds used by each container (from its cgroup), by this process, and
    by the whole machine (`machine`, all cores, from /proc/stat).
    """

    def __init__(self, container_ids: dict[str, str]) -> None:
        self._files = {
            service: path
            for service, container in container_ids.items()
            if (path := _cgroup_cpu_file(container)) is not None
        }

    @property
    def available(self) -> bool:
        """
        Whether any container's CPU use can be read.
        """
        return bool(self._files)

    def read(self) -> dict[str, float]:
        """
        Cumulative CPU seconds by service, plus `bench` for this process.
        """
        used = {
            service: _read_cpu_seconds(path) for service, path in self._files.items()
        }
        times = os.times()
        used["bench"] = times.user + times.system
        busy = _machine_busy_seconds()
        if busy is not None:
            used["machine"] = busy
        return used


def _machine_busy_seconds() -> float | None:
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    # user nice system idle iowait irq softirq steal: all but idle and iowait.
    ticks = [int(value) for value in fields[:8]]
    busy = sum(ticks) - ticks[3] - ticks[4]
    return busy / os.sysconf("SC_CLK_TCK")


def _cgroup_cpu_file(container: str) -> Path | None:
    candidates = [
        Path(f"/sys/fs/cgroup/cpuacct/docker/{container}/cpuacct.usage"),
        Path(f"/sys/fs/cgroup/system.slice/docker-{container}.scope/cpu.stat"),
        Path(f"/sys/fs/cgroup/docker/{container}/cpu.stat"),
    ]
    return next((path for path in candidates if container and path.exists()), None)


def _read_cpu_seconds(path: Path) -> float:
    text = path.read_text()
    if path.name == "cpuacct.usage":
        return int(text) / 1e9
    usage = re.search(r"^usage_usec (\d+)$", text, re.MULTILINE)
    return int(usage.group(1)) / 1e6 if usage else 0.0


def cpu_used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """
    CPU seconds used between two CpuMeter reads, by service.
    """
    return {name: round(after[name] - before.get(name, 0.0), 3) for name in after}


class Sandbox:
    """
    The sandbox's inspection API: captured emails and OMDb lookups.
    """

    def __init__(self, client: httpx.AsyncClient, url: str) -> None:
        self._client = client
        self._url = url

    async def emails(self) -> list[dict[str, Any]]:
        """
        Every captured email, oldest first.
        """
        response = await self._client.get(f"{self._url}/api/emails")
        response.raise_for_status()
        emails: list[dict[str, Any]] = response.json()
        return emails

    async def omdb_requests(self) -> list[dict[str, Any]]:
        """
        The OMDb lookups the sandbox answered since its log was last cleared.
        """
        response = await self._client.get(f"{self._url}/api/omdb/requests")
        response.raise_for_status()
        requests: list[dict[str, Any]] = response.json()
        return requests

    async def clear_omdb_requests(self) -> None:
        """
        Forget the OMDb lookups recorded so far.
        """
        response = await self._client.delete(f"{self._url}/api/omdb/requests")
        response.raise_for_status()

    async def wait_for_emails(
        self, target: int, *, limit_seconds: float, poll_seconds: float = 1.0
    ) -> tuple[int, float]:
        """
        Poll until at least target emails are captured; return (count, seconds waited).
        """
        started = time.monotonic()
        while True:
            count = len(await self.emails())
            waited = time.monotonic() - started
            if count >= target or waited >= limit_seconds:
                return count, waited
            await asyncio.sleep(poll_seconds)

    async def emails_to(self, address: str) -> list[dict[str, Any]]:
        """
        The captured emails sent to address.
        """
        response = await self._client.get(
            f"{self._url}/api/emails", params={"to": address}
        )
        response.raise_for_status()
        emails: list[dict[str, Any]] = response.json()
        return emails
