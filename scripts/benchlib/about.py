"""
What ran: the machine, the images, Docker, the gateway's packages, the commit.
"""

import os
import platform
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx

from .stack import ROOT, Compose, ComposeError


def machine() -> dict[str, Any]:
    """
    The machine: cores, memory, CPU model, kernel and load when the run starts.
    """
    memory_kib = _first_number(Path("/proc/meminfo"), r"^MemTotal:\s+(\d+)")
    model = re.search(
        r"^model name\s*:\s*(.+)$", _read(Path("/proc/cpuinfo")), re.MULTILINE
    )
    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(memory_kib / 2**20, 1) if memory_kib else None,
        "cpu_model": model.group(1).strip() if model else platform.processor(),
        "kernel": platform.release(),
        "load_average": list(os.getloadavg()),
    }


def versions(compose: Compose) -> dict[str, Any]:
    """
    What ran: images by service, Docker, the gateway's pinned packages, git commit.
    """
    found: dict[str, Any] = {"python_bench": platform.python_version()}
    found["httpx_bench"] = httpx.__version__
    found["gateway_packages"] = _pinned(
        ROOT / "services/event-gateway/requirements.lock",
        ("fastapi", "uvicorn", "aiohttp", "httpx", "redis", "inngest", "pydantic"),
    )
    found["git_commit"] = _git_commit()
    if compose.available:
        try:
            found["images"] = {
                service: entry.get("Image")
                for service, entry in sorted(compose.services().items())
            }
            found["docker"] = _docker_version()
        except (ComposeError, subprocess.SubprocessError) as exc:
            found["images"] = f"unknown: {exc}"
    return found


def _pinned(lock: Path, names: tuple[str, ...]) -> dict[str, str]:
    pins = dict(re.findall(r"^([a-z0-9_.-]+)==([^\s\\]+)", _read(lock), re.MULTILINE))
    return {name: pins[name] for name in names if name in pins}


def _output(*command: str) -> str:
    """
    A command's stripped stdout; empty if it fails or hangs.
    """
    try:
        # Our own fixed commands with a resolved executable, not a shell line.
        done = subprocess.run(  # noqa: S603
            command, capture_output=True, text=True, check=False, timeout=20
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip()


def _git_commit() -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    head = _output(git, "-C", str(ROOT), "rev-parse", "--short", "HEAD")
    dirty = _output(
        git, "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"
    )
    return f"{head}{' (modified)' if dirty else ''}" if head else None


def _docker_version() -> str:
    docker = shutil.which("docker") or "docker"
    server = _output(docker, "version", "--format", "{{.Server.Version}}")
    compose = _output(docker, "compose", "version", "--short")
    return f"engine {server or '?'}, compose {compose or '?'}"


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _first_number(path: Path, pattern: str) -> int | None:
    found = re.search(pattern, _read(path), re.MULTILINE)
    return int(found.group(1)) if found else None
