"""
Production mode: docker-compose.yml with compose.prod.yml, on self-hosted Inngest
(`inngest start` with PostgreSQL and Redis), signing keys and two function replicas.
"""

from __future__ import annotations

import re
import secrets
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import ROOT, compose_stack, stack_clients, write_env_file
from stack import Stack, unique_recipient, wait_for
from testcontainers.compose import DockerCompose

pytestmark = pytest.mark.e2e

PROJECT = "meadow-e2e-prod"
FILES = ("docker-compose.yml", "compose.prod.yml")
THROTTLE_PERIOD = 15
KEYS = {
    "INNGEST_EVENT_KEY": secrets.token_hex(32),
    "INNGEST_SIGNING_KEY": secrets.token_hex(32),
    "POSTGRES_PASSWORD": secrets.token_hex(16),
}
SETTINGS = {
    "GATEWAY_PORT": "0",
    "SANDBOX_PORT": "0",
    "INNGEST_PORT": "0",
    "EMAIL_THROTTLE_PERIOD": str(THROTTLE_PERIOD),
}


@pytest.fixture(scope="module")
def prod_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_env_file(
        tmp_path_factory.mktemp("prod") / "prod.env", PROJECT, {**SETTINGS, **KEYS}
    )


@pytest.fixture(scope="module")
def prod(prod_env: Path) -> Iterator[Stack]:
    """
    The production stack, healthy and synced.
    """
    with compose_stack(prod_env, *FILES) as compose, stack_clients(compose) as running:
        yield running


def compose_command(compose: DockerCompose, *args: str) -> list[str]:
    return [*compose.compose_command_property, *args]


def run_compose(compose: DockerCompose, *args: str) -> None:
    subprocess.run(compose_command(compose, *args), check=True, capture_output=True)


class TestProductionStack:
    def test_emails_arrive_with_both_replicas_serving_runs(self, prod: Stack) -> None:
        """
        POSTs through the gateway produce their emails, and the runs' steps are
        served by both function replicas.
        """
        recipients = [unique_recipient() for _ in range(10)]

        for recipient in recipients:
            prod.accept("Heat", recipient)

        for recipient in recipients:
            wait_for(lambda r=recipient: prod.emails_to(r), timeout=60, what=recipient)
        logs, _ = prod.compose.get_logs("functions")
        serving = set(re.findall(r"^(functions-\d+)\s+\|.*\"step_id\"", logs, re.M))
        assert serving == {"functions-1", "functions-2"}

    def test_unsigned_requests_to_the_function_are_refused(self, prod: Stack) -> None:
        """
        In production mode the SDK refuses calls to /api/inngest that Inngest did
        not sign, and ones signed with another key.
        """
        probe = (
            "import urllib.request as u, urllib.error as e\n"
            "for sig in ('', 't=1700000000&s=' + '0' * 64):\n"
            "    req = u.Request('http://functions:8000/api/inngest?fnId=x&stepId=step',"
            " data=b'{}', headers={'X-Inngest-Signature': sig}, method='POST')\n"
            "    try: print(u.urlopen(req).status)\n"
            "    except e.HTTPError as x: print(x.code)\n"
        )

        stdout, _, _ = prod.compose.exec_in_container(
            ["python3", "-c", probe], service_name="event-gateway"
        )

        assert stdout.split() == ["401", "401"]

    def test_queued_event_survives_an_inngest_restart(self, prod: Stack) -> None:
        """
        An event accepted before `docker compose restart inngest`, still queued by the
        throttle, is delivered after it, exactly once.
        """
        recipient = unique_recipient()
        prod.accept("Alien", recipient)
        prod.accept("Up", recipient)
        wait_for(lambda: prod.emails_to(recipient), timeout=30, what="the first email")

        run_compose(prod.compose, "restart", "inngest")
        run_compose(prod.compose, "up", "--wait", "inngest")
        prod.find_ports()

        wait_for(
            lambda: len(prod.emails_to(recipient)) == 2,
            timeout=THROTTLE_PERIOD + 60,
            what="the queued email after the restart",
        )
        time.sleep(THROTTLE_PERIOD)
        subjects = sorted(e["subject"] for e in prod.emails_to(recipient))
        assert len(subjects) == 2
        assert "Alien" in subjects[0] and "Up" in subjects[1]


class TestKeys:
    def test_missing_signing_key_stops_the_stack_saying_what_to_set(
        self, tmp_path: Path
    ) -> None:
        """
        Without INNGEST_SIGNING_KEY the stack does not start, and says what to set.
        """
        settings = {k: v for k, v in KEYS.items() if k != "INNGEST_SIGNING_KEY"}
        env_file = write_env_file(tmp_path / "no-key.env", "meadow-e2e-nokey", settings)

        result = subprocess.run(
            ["docker", "compose", "--env-file", str(env_file)]
            + [arg for f in FILES for arg in ("-f", f)]
            + ["up", "--no-start"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )

        assert result.returncode != 0
        assert "INNGEST_SIGNING_KEY" in result.stderr
        assert "scripts/keys" in result.stderr

    def test_malformed_signing_key_is_refused_at_start(self, tmp_path: Path) -> None:
        """
        A signing key that is not even-length hex stops Inngest with a message.
        """
        settings = {**KEYS, "INNGEST_SIGNING_KEY": "not-a-hex-key"}
        env_file = write_env_file(
            tmp_path / "bad-key.env", "meadow-e2e-badkey", settings
        )
        compose = ["docker", "compose", "--env-file", str(env_file)]
        compose += [arg for f in FILES for arg in ("-f", f)]

        result = subprocess.run(
            [*compose, "run", "--rm", "--no-deps", "inngest"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        subprocess.run([*compose, "down", "-v"], cwd=ROOT, capture_output=True)

        assert result.returncode != 0
        assert "signing-key must be hex" in result.stdout + result.stderr
