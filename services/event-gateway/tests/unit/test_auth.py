"""Bearer keys on /v1 routes, when GATEWAY_API_KEYS is set."""

from collections.abc import Callable
from typing import Any

import pytest
from structlog.contextvars import merge_contextvars
from structlog.testing import capture_logs

from meadow_gateway.auth import matches_any_key
from meadow_gateway.settings import Settings

URL = "/v1/movie-watched"
VALID = {"movie_title": "Alien", "recipient_email": "jane@example.com"}
KEYS = "first-key-8f2c,second-key-41aa"


class TestAuthOn:
    async def test_any_configured_key_is_accepted(
        self, make_client: Callable[..., Any], sender: Any
    ) -> None:
        """
        Every key in the comma-separated list opens /v1, not only the first.
        """
        client = await make_client(gateway_api_keys=KEYS)

        response = await client.post(
            URL, json=VALID, headers={"Authorization": "Bearer second-key-41aa"}
        )

        assert response.status_code == 202
        assert len(sender.calls) == 1

    @pytest.mark.parametrize(
        "authorization",
        [
            None,
            "Bearer wrong-key",
            "Bearer first-key-8f2",
            "Basic Zmlyc3Qta2V5",
            "Bearer",
        ],
        ids=["missing", "wrong", "prefix-of-a-key", "other-scheme", "empty-bearer"],
    )
    async def test_missing_or_wrong_key_is_401(
        self, make_client: Callable[..., Any], sender: Any, authorization: str | None
    ) -> None:
        """
        No key, a wrong key or another scheme is refused with 401 and a challenge.
        """
        client = await make_client(gateway_api_keys=KEYS)
        headers = {"Authorization": authorization} if authorization else {}

        response = await client.post(URL, json=VALID, headers=headers)

        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.json()["error"] == "unauthorized"
        assert response.json()["problems"][0]["field"] == "Authorization"
        assert sender.calls == []

    async def test_auth_is_checked_before_the_body(
        self, make_client: Callable[..., Any]
    ) -> None:
        """
        An unauthenticated request learns nothing about its body: 401, not 415/422.
        """
        client = await make_client(gateway_api_keys=KEYS)

        response = await client.post(
            URL, content=b"{", headers={"Content-Type": "text/plain"}
        )

        assert response.status_code == 401

    async def test_keys_never_reach_logs_or_answers(
        self, make_client: Callable[..., Any]
    ) -> None:
        """
        Neither a configured key nor a presented wrong one is logged or echoed.
        """
        with capture_logs(processors=[merge_contextvars]) as logs:
            client = await make_client(gateway_api_keys=KEYS)
            good = await client.post(
                URL, json=VALID, headers={"Authorization": "Bearer first-key-8f2c"}
            )
            bad = await client.post(
                URL, json=VALID, headers={"Authorization": "Bearer guessed-key-0000"}
            )

        assert (good.status_code, bad.status_code) == (202, 401)
        seen = repr(logs) + good.text + bad.text
        for secret in ("first-key-8f2c", "second-key-41aa", "guessed-key-0000"):
            assert secret not in seen
        assert any(e["event"] == "request_finished" for e in logs)

    @pytest.mark.parametrize("path", ["/healthz", "/readyz", "/docs", "/openapi.json"])
    async def test_operations_routes_stay_open(
        self, make_client: Callable[..., Any], path: str
    ) -> None:
        """
        Probes and docs need no key even when keys are configured.
        """
        client = await make_client(gateway_api_keys=KEYS)

        response = await client.get(path)

        assert response.status_code != 401


class TestAuthOff:
    async def test_no_keys_leaves_v1_open(
        self, make_client: Callable[..., Any]
    ) -> None:
        """
        Without GATEWAY_API_KEYS a request with no Authorization is accepted.
        """
        client = await make_client()

        assert (await client.post(URL, json=VALID)).status_code == 202

    async def test_open_gateway_warns_at_start_up(
        self, make_client: Callable[..., Any]
    ) -> None:
        """
        Starting without keys logs gateway_auth_disabled once, as a warning.
        """
        with capture_logs() as logs:
            await make_client()

        warnings = [e for e in logs if e["event"] == "gateway_auth_disabled"]
        assert [e["log_level"] for e in warnings] == ["warning"]

    async def test_gateway_with_keys_does_not_warn(
        self, make_client: Callable[..., Any]
    ) -> None:
        """
        With keys configured there is no gateway_auth_disabled warning.
        """
        with capture_logs() as logs:
            await make_client(gateway_api_keys=KEYS)

        assert not [e for e in logs if e["event"] == "gateway_auth_disabled"]


class TestKeySettings:
    def test_keys_are_split_on_commas_and_trimmed(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """
        GATEWAY_API_KEYS is comma-separated; blanks around and between are dropped.
        """
        monkeypatch.setenv("GATEWAY_API_KEYS", " alpha , beta,, ")

        keys = Settings().gateway_api_keys

        assert [key.get_secret_value() for key in keys] == ["alpha", "beta"]

    def test_empty_keys_leave_auth_off(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """
        An empty GATEWAY_API_KEYS means no keys, the same as leaving it unset.
        """
        monkeypatch.setenv("GATEWAY_API_KEYS", "")

        assert Settings().auth_enabled is False

    def test_settings_repr_hides_keys(self) -> None:
        """
        Printing the settings (say, in a crash report) shows no key.
        """
        settings = Settings(gateway_api_keys="alpha-secret", inngest_event_key="ek")

        assert "alpha-secret" not in repr(settings)
        assert "'ek'" not in repr(settings)

    def test_non_ascii_presented_key_is_simply_wrong(self) -> None:
        """
        A presented key with non-ASCII characters is a mismatch, not a crash.
        """
        assert (
            matches_any_key("ключ", Settings(gateway_api_keys="k").gateway_api_keys)
            is False
        )
