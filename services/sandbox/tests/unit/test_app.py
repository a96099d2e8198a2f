"""App-level behaviour: health and settings."""

import logging

import httpx
import pytest
from pydantic import ValidationError

from meadow_sandbox.logs import RedactApiKeys, mask_email
from meadow_sandbox.settings import Settings


async def test_healthz_answers_ok(client: httpx.AsyncClient) -> None:
    """
    `GET /healthz` answers 200 `{"status": "ok"}`.
    """
    response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_log_level_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """
    `LOG_LEVEL` sets the level, in any case.
    """
    monkeypatch.setenv("LOG_LEVEL", "debug")

    assert Settings().log_level == "DEBUG"


def test_unknown_log_level_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """
    A misspelt level fails at start-up with a message naming the value.
    """
    monkeypatch.setenv("LOG_LEVEL", "LOUD")

    with pytest.raises(ValidationError, match="LOUD"):
        Settings()


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("jane@example.com", "j***@example.com"),
        ("Jane Doe <jane@example.com>", "j***@example.com"),
        ("not-an-address", "***"),
    ],
)
def test_addresses_are_masked_for_logs(address: str, masked: str) -> None:
    """
    Only the first letter of the local part survives masking.
    """
    assert mask_email(address) == masked


def test_access_lines_never_show_the_omdb_api_key() -> None:
    """
    uvicorn's access line for an OMDb lookup has its `apikey` value masked.
    """
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/omdb/?t=Up&apikey=s3cret&plot=full", "1.1", 200),
        None,
    )

    assert RedactApiKeys().filter(record)
    assert record.getMessage() == (
        '127.0.0.1:5000 - "GET /omdb/?t=Up&apikey=***&plot=full HTTP/1.1" 200'
    )
