from datetime import datetime

import httpx
import inngest
import pytest
from structlog.testing import capture_logs

from meadow_functions.omdb import (
    Movie,
    MovieNotFoundError,
    OmdbClient,
    OmdbKeyInvalidError,
    OmdbLimitReachedError,
    OmdbUnavailableError,
)


@pytest.fixture
def omdb(http, settings):
    """
    An OMDb client talking to the fake OMDb.
    """
    return OmdbClient(http, settings)


class TestFound:
    async def test_found_movie_returns_its_plot(self, omdb, apis):
        """
        A found film comes back as a Movie with title, year, IMDb id and plot.
        """
        movie = await omdb.fetch_movie("The Matrix")

        assert movie == Movie(
            title="The Matrix",
            year="1999",
            imdb_id="tt0133093",
            plot="A hacker learns what the Matrix really is.",
        )

    async def test_request_sends_title_key_and_full_plot_as_params(self, omdb, apis):
        """
        The title travels URL-encoded as `t`, with the key and plot=full.
        """
        await omdb.fetch_movie("Amélie & Nino: 2?")

        (request,) = apis.omdb_requests
        assert request.url.params["t"] == "Amélie & Nino: 2?"
        assert request.url.params["apikey"] == "test-omdb-key"
        assert request.url.params["plot"] == "full"
        assert "%26" in str(request.url)

    async def test_extra_whitespace_in_title_is_collapsed(self, omdb, apis):
        """
        Stray spaces would make OMDb miss a title the cache key treats as equal.
        """
        await omdb.fetch_movie("  The   Matrix ")

        assert apis.omdb_requests[0].url.params["t"] == "The Matrix"

    async def test_found_movie_logs_plot_fetched_with_timing(self, omdb):
        """
        A successful lookup logs plot_fetched with status and duration.
        """
        with capture_logs() as logs:
            await omdb.fetch_movie("The Matrix")

        (entry,) = logs
        assert entry["event"] == "plot_fetched"
        assert entry["status_code"] == 200
        assert entry["imdb_id"] == "tt0133093"
        assert isinstance(entry["duration_ms"], int)


class TestNotFound:
    async def test_unknown_title_is_not_found_without_retry(self, omdb, apis):
        """
        "Movie not found!" ends the run at once, naming the title.
        """
        apis.omdb_fails("Movie not found!")

        with capture_logs() as logs:
            with pytest.raises(MovieNotFoundError, match="'Teh Matrix'") as caught:
                await omdb.fetch_movie("Teh Matrix")

        assert isinstance(caught.value, inngest.NonRetriableError)
        assert [e["event"] for e in logs] == ["plot_not_found"]

    @pytest.mark.parametrize("plot", ["N/A", "", None])
    async def test_film_without_plot_counts_as_not_found(self, omdb, apis, plot):
        """
        A film whose plot is missing or "N/A" gives nothing to mail.
        """
        body = apis.movie()
        if plot is None:
            del body["Plot"]
        else:
            body["Plot"] = plot
        apis.omdb_answers(200, body)

        with pytest.raises(MovieNotFoundError):
            await omdb.fetch_movie("The Matrix")


class TestLimitAndKey:
    async def test_daily_limit_asks_to_retry_after_the_configured_delay(
        self, make_settings, http, apis
    ):
        """
        "Request limit reached!" (HTTP 401) waits OMDB_LIMIT_RETRY_AFTER seconds.
        """
        omdb = OmdbClient(http, make_settings(omdb_limit_retry_after=900))
        apis.omdb_fails("Request limit reached!", status=401)

        with capture_logs() as logs:
            with pytest.raises(OmdbLimitReachedError) as caught:
                await omdb.fetch_movie("The Matrix")

        assert isinstance(caught.value, inngest.RetryAfterError)
        assert not isinstance(caught.value, inngest.NonRetriableError)
        remaining = caught.value.retry_after - datetime.now()
        assert 890 < remaining.total_seconds() <= 900
        (entry,) = logs
        assert entry["event"] == "omdb_limit_reached"
        assert entry["log_level"] == "warning"

    async def test_invalid_key_with_401_stops_and_names_the_setting(self, omdb, apis):
        """
        "Invalid API key!" (also HTTP 401) is permanent and says what to set.
        """
        apis.omdb_fails("Invalid API key!", status=401)

        with pytest.raises(OmdbKeyInvalidError, match="OMDB_API_KEY") as caught:
            await omdb.fetch_movie("The Matrix")

        assert isinstance(caught.value, inngest.NonRetriableError)

    async def test_key_never_appears_in_logs_or_errors(self, omdb, apis):
        """
        The API key stays out of log lines and error messages.
        """
        apis.omdb_fails("Invalid API key!", status=401)

        with capture_logs() as logs:
            with pytest.raises(OmdbKeyInvalidError) as caught:
                await omdb.fetch_movie("The Matrix")

        assert "test-omdb-key" not in str(logs)
        assert "test-omdb-key" not in str(caught.value)


class TestTransient:
    @pytest.mark.parametrize(
        "error",
        [httpx.ReadTimeout("timed out"), httpx.ConnectError("connection refused")],
    )
    async def test_network_failures_are_retried(self, omdb, apis, error):
        """
        Timeouts and refused connections raise an ordinary, retried error.
        """

        def fail(request):
            raise error

        apis.omdb = fail

        with capture_logs() as logs:
            with pytest.raises(OmdbUnavailableError, match=type(error).__name__):
                await omdb.fetch_movie("The Matrix")

        assert logs[0]["event"] == "omdb_unavailable"
        assert logs[0]["log_level"] == "warning"

    async def test_server_error_is_retried(self, omdb, apis):
        """
        A 503 is retried whatever its body says.
        """
        apis.omdb_answers(503, {"Response": "False", "Error": "Movie not found!"})

        with pytest.raises(OmdbUnavailableError, match="503"):
            await omdb.fetch_movie("The Matrix")

    async def test_unreadable_body_is_retried(self, omdb, apis):
        """
        A body that is not a JSON object is retried, not mistaken for a film.
        """
        apis.omdb = lambda _: httpx.Response(200, text="<html>busy</html>")

        with pytest.raises(OmdbUnavailableError, match="unreadable"):
            await omdb.fetch_movie("The Matrix")

    async def test_unknown_error_text_is_retried(self, omdb, apis):
        """
        An error text we do not know is treated as passing trouble.
        """
        apis.omdb_fails("Something went wrong.")

        with pytest.raises(OmdbUnavailableError, match="Something went wrong"):
            await omdb.fetch_movie("The Matrix")

    async def test_answer_without_imdb_id_is_retried(self, omdb, apis):
        """
        A found answer lacking fields we need is not turned into an email.
        """
        body = apis.movie()
        del body["imdbID"]
        apis.omdb_answers(200, body)

        with pytest.raises(OmdbUnavailableError, match="imdbID"):
            await omdb.fetch_movie("The Matrix")
