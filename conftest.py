"""
Fixtures shared by every service's tests: a real Redis in a container.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from testcontainers.core.container import DockerContainer
from testcontainers.core.wait_strategies import LogMessageWaitStrategy

LOCAL_IMAGES = Path(__file__).resolve().parent / "local-images.env"


def redis_image() -> str:
    """
    The Redis image to test against: REDIS_IMAGE, else the one local-images.env names.
    """
    if image := os.environ.get("REDIS_IMAGE"):
        return image
    if LOCAL_IMAGES.exists():
        found = re.search(r"^REDIS_IMAGE=(\S+)", LOCAL_IMAGES.read_text(), re.M)
        if found:
            return found.group(1)
    msg = (
        f"no Redis image to test with: set REDIS_IMAGE, or run "
        f"scripts/build-local-images to write {LOCAL_IMAGES.name}"
    )
    raise RuntimeError(msg)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """
    URL of a Redis server started once for the whole test session.
    """
    container = (
        DockerContainer(redis_image())
        .with_command("redis-server --bind 0.0.0.0 --protected-mode no")
        .with_exposed_ports(6379)
        .waiting_for(LogMessageWaitStrategy("Ready to accept connections"))
    )
    with pytest.MonkeyPatch.context() as env:
        # The Ryuk reaper image cannot be pulled here; the fixture stops the container.
        env.setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
        container.start()
    try:
        host = container.get_container_host_ip()
        yield f"redis://{host}:{container.get_exposed_port(6379)}/0"
    finally:
        container.stop()
