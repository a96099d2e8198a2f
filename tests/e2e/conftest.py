"""
Starts the Compose stack once per test run, with testcontainers.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from stack import Stack
from testcontainers.compose import DockerCompose

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "meadow-e2e"
FUNCTION_SLUG = "meadow-send-movie-plot"

# Settings for the stack under test: random loopback ports, so a development stack can
# run beside it, and short retry and throttle periods: tests wait seconds, not minutes.
TEST_SETTINGS = {
    "GATEWAY_PORT": "0",
    "SANDBOX_PORT": "0",
    "INNGEST_PORT": "0",
    "INNGEST_RETRY_INTERVAL": "1",
    "EMAIL_THROTTLE_PERIOD": "5",
    "OMDB_LIMIT_RETRY_AFTER": "30",
}


def write_env_file(path: Path) -> Path:
    """
    The stack's only variables: local image names when built, then the test settings.
    Passing --env-file keeps a developer's .env (and any real API keys) out of tests.
    """
    lines = []
    local_images = ROOT / "local-images.env"
    if local_images.exists():
        lines.append(local_images.read_text())
    lines += [f"{key}={value}" for key, value in TEST_SETTINGS.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="session")
def compose(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DockerCompose]:
    """
    The stack, built from this checkout and healthy; removed with its volumes after.
    """
    env_file = write_env_file(tmp_path_factory.mktemp("compose") / "e2e.env")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COMPOSE_PROJECT_NAME", PROJECT)
        # A run killed half-way leaves its containers behind; start from nothing.
        subprocess.run(
            ["docker", "compose", "-p", PROJECT, "down", "-v", "--remove-orphans"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        stack = DockerCompose(
            context=ROOT,
            compose_file_name="docker-compose.yml",
            env_file=str(env_file),
            build=True,
            wait=True,
        )
        with stack:
            yield stack


@pytest.fixture(scope="session")
def stack(compose: DockerCompose) -> Iterator[Stack]:
    """
    Clients for the running stack, once Inngest has synced the function app.
    """

    def url(service: str, port: int) -> str:
        return f"http://127.0.0.1:{compose.get_service_port(service, port)}"

    running = Stack(
        gateway_url=url("event-gateway", 8080),
        sandbox_url=url("sandbox", 8025),
        inngest_url=url("inngest", 8288),
    )
    try:
        running.wait_for_function_sync(FUNCTION_SLUG)
        yield running
    finally:
        running.http.close()


@pytest.fixture(autouse=True)
def _no_leftover_faults(request: pytest.FixtureRequest) -> None:
    """
    Clear sandbox faults before each test that uses the stack, so one test's fault
    never fails the next.
    """
    if "stack" in request.fixturenames:
        stack: Stack = request.getfixturevalue("stack")
        stack.http.delete(f"{stack.sandbox_url}/api/faults").raise_for_status()


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")
