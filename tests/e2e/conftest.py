"""
Starts Compose stacks with testcontainers: the development stack once per test run, and
the production stack for the tests that need it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from harness import compose_stack, stack_clients, write_env_file
from stack import TEST_SETTINGS, Stack
from testcontainers.compose import DockerCompose


@pytest.fixture(scope="session")
def compose(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DockerCompose]:
    """
    The development stack (docker-compose.yml alone: built images, no live reload).
    """
    env_file = write_env_file(
        tmp_path_factory.mktemp("compose") / "e2e.env", "meadow-e2e", TEST_SETTINGS
    )
    with compose_stack(env_file, "docker-compose.yml") as running:
        yield running


@pytest.fixture(scope="session")
def stack(compose: DockerCompose) -> Iterator[Stack]:
    """
    Clients for the development stack.
    """
    with stack_clients(compose) as running:
        yield running


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
