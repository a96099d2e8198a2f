from datetime import timedelta

import pytest
from pydantic import ValidationError

from meadow_functions.settings import Settings

REQUIRED = {"OMDB_API_KEY": "omdb-key", "RESEND_API_KEY": "re_key"}


@pytest.fixture
def env(monkeypatch):
    """
    A clean environment holding only the required keys.
    """
    for name in list(Settings.model_fields):
        monkeypatch.delenv(name.upper(), raising=False)
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


class TestSettings:
    def test_defaults_match_the_documented_values(self, env):
        """
        Only the two API keys are required; the rest has working defaults.
        """
        settings = Settings()

        assert settings.redis_url == "redis://redis:6379/0"
        assert settings.omdb_api_url == "https://www.omdbapi.com/"
        assert settings.omdb_timeout_seconds == 5
        assert settings.omdb_limit_delay == timedelta(seconds=1800)
        assert settings.resend_api_url == "https://api.resend.com"
        assert settings.plot_cache_ttl == 7 * 24 * 3600
        assert settings.not_found_cache_ttl == 3600
        assert settings.email_throttle_period == 60
        assert settings.follow_up_delay == 3 * 24 * 3600
        assert settings.follow_up_wait == timedelta(days=3)
        assert settings.log_level == "INFO"

    @pytest.mark.parametrize("missing", ["OMDB_API_KEY", "RESEND_API_KEY"])
    def test_missing_api_key_is_rejected(self, env, missing):
        """
        Starting without an API key fails and names the variable.
        """
        env.delenv(missing)

        with pytest.raises(ValidationError, match=missing.lower()):
            Settings()

    def test_blank_api_key_is_rejected(self, env):
        """
        An empty key is as good as none.
        """
        env.setenv("OMDB_API_KEY", "  ")

        with pytest.raises(ValidationError, match="must not be empty"):
            Settings()

    def test_keys_stay_out_of_repr(self, env):
        """
        Printing or logging the settings never shows a key.
        """
        text = repr(Settings()) + str(Settings().model_dump())

        assert "omdb-key" not in text
        assert "re_key" not in text

    def test_values_come_from_the_environment(self, env):
        """
        Each field reads its upper-case variable; URLs lose a trailing slash
        only where the SDK appends paths.
        """
        env.setenv("RESEND_API_URL", "http://sandbox:8025/resend/")
        env.setenv("OMDB_API_URL", "http://sandbox:8025/omdb/")
        env.setenv("EMAIL_THROTTLE_PERIOD", "120")
        env.setenv("FOLLOW_UP_DELAY", "30")
        env.setenv("LOG_LEVEL", "debug")

        settings = Settings()

        assert settings.resend_api_url == "http://sandbox:8025/resend"
        assert settings.omdb_api_url == "http://sandbox:8025/omdb/"
        assert settings.email_throttle_period == 120
        assert settings.follow_up_wait == timedelta(seconds=30)
        assert settings.log_level == "DEBUG"

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("EMAIL_THROTTLE_PERIOD", "0"),
            ("FOLLOW_UP_DELAY", "0"),
            ("FOLLOW_UP_DELAY", "2.5"),
            ("PLOT_CACHE_TTL", "-1"),
            ("NOT_FOUND_CACHE_TTL", "0"),
            ("OMDB_TIMEOUT_SECONDS", "0"),
            ("OMDB_LIMIT_RETRY_AFTER", "0"),
            ("OMDB_API_URL", "www.omdbapi.com"),
            ("RESEND_API_URL", "ftp://resend"),
            ("EMAIL_FROM", "Meadow"),
            ("LOG_LEVEL", "LOUD"),
        ],
    )
    def test_invalid_values_are_rejected(self, env, name, value):
        """
        Durations must be positive, URLs http(s), the sender an address.
        """
        env.setenv(name, value)

        with pytest.raises(ValidationError, match=name.lower()):
            Settings()


class TestSandboxStandIn:
    def test_api_without_key_is_reached_at_the_sandbox(self, env):
        """
        With SANDBOX_URL set, an empty key points that API at the sandbox.
        """
        env.setenv("SANDBOX_URL", "http://sandbox:8025/")
        env.setenv("OMDB_API_KEY", "")
        env.delenv("RESEND_API_KEY")

        settings = Settings()

        assert settings.omdb_api_url == "http://sandbox:8025/omdb/"
        assert settings.resend_api_url == "http://sandbox:8025/resend"

    def test_api_with_key_keeps_the_real_url(self, env):
        """
        A configured key wins over the sandbox: that API is the real one.
        """
        env.setenv("SANDBOX_URL", "http://sandbox:8025")
        env.setenv("RESEND_API_KEY", "")

        settings = Settings()

        assert settings.omdb_api_url == "https://www.omdbapi.com/"
        assert settings.omdb_api_key.get_secret_value() == "omdb-key"
        assert settings.resend_api_url == "http://sandbox:8025/resend"
