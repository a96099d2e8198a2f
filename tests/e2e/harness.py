"""
Starting Compose stacks for the end-to-end tests, and connecting clients to them.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from stack import Stack
from testcontainers.compose import DockerCompose

ROOT = Path(__file__).resolve().parents[2]
FUNCTION_SLUG = "meadow-send-movie-plot"


def write_env_file(path: Path, project: str, settings: dict[str, str]) -> Path:
    """
    The stack's only variables: its project name, local image names when built, then
    the given settings. Passing --env-file keeps a developer's .env (and any real API
    keys) out of tests; naming the project there lets two stacks run side by side.
    """
    lines = [f"COMPOSE_PROJECT_NAME={project}"]
    local_images = ROOT / "local-images.env"
    if local_images.exists():
        lines.append(local_images.read_text())
    lines += [f"{key}={value}" for key, value in settings.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


@contextmanager
def compose_stack(env_file: Path, *compose_files: str) -> Iterator[DockerCompose]:
    """
    A stack built from this checkout and healthy; removed with its volumes after.
    """
    stack = DockerCompose(
        context=ROOT,
        compose_file_name=list(compose_files),
        env_file=str(env_file),
        build=True,
        wait=True,
    )
    # A run killed half-way leaves its containers behind; start from nothing.
    subprocess.run(
        [*stack.compose_command_property, "down", "-v", "--remove-orphans"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with stack:
        yield stack


@contextmanager
def stack_clients(compose: DockerCompose) -> Iterator[Stack]:
    """
    Clients for a running stack, once Inngest has synced the function app.
    """
    running = Stack.of(compose)
    try:
        running.wait_for_function_sync(FUNCTION_SLUG)
        yield running
    finally:
        running.http.close()
