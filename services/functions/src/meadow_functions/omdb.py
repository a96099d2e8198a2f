"""
Plot lookups on OMDb.

OMDb reports most failures in the body, so answers are told apart by their
`Error` text rather than their status (its daily limit comes as HTTP 401):

- "Movie not found!", or a film without a plot -> MovieNotFoundError (no retry)
- "Request limit reached!" -> OmdbLimitReachedError (retry after a delay)
- "Invalid API key!" / "No API key provided." -> OmdbKeyInvalidError (no retry)
- timeouts, connection errors, 5xx, unreadable bodies -> OmdbUnavailableError
  (an ordinary exception, so Inngest retries with backoff)
"""

import time
from typing import Any, NoReturn

import httpx
import inngest
import structlog
from pydantic import BaseModel, ConfigDict

from meadow_functions.settings import Settings

# A full plot is IMDb's paragraph summary; the short one is a single teaser
# line, too thin to be the body of an email whose whole point is the plot.
PLOT_LENGTH = "full"

_NOT_FOUND = "movie not found!"
_LIMIT_REACHED = "request limit reached!"
_KEY_ERRORS = ("invalid api key!", "no api key provided.")

log = structlog.get_logger(__name__)


class Movie(BaseModel):
    """
    The few OMDb fields a plot email needs.
    """

    model_config = ConfigDict(frozen=True)

    title: str
    year: str
    imdb_id: str
    plot: str


class MovieNotFoundError(inngest.NonRetriableError):
    """
    OMDb knows no film by this title, or has no plot for it.
    """

    def __init__(self, movie_title: str) -> None:
        super().__init__(
            f"OMDb has no plot for a movie titled {movie_title!r}; "
            "no email was sent. Check the title's spelling."
        )
        self.movie_title = movie_title


class OmdbLimitReachedError(inngest.RetryAfterError):
    """
    The API key has used up its daily requests; the run waits, then retries.
    """


class OmdbKeyInvalidError(inngest.NonRetriableError):
    """
    OMDb rejected the API key; no retry can succeed until it is replaced.
    """


class OmdbUnavailableError(Exception):
    """
    OMDb could not answer this time; retrying later may succeed.
    """


def normalise_title(movie_title: str) -> str:
    """
    Collapse runs of whitespace and trim the ends, keeping the case.
    """
    return " ".join(movie_title.split())


class OmdbClient:
    """
    Looks movies up by title through a shared httpx client.
    """

    def __init__(self, http: httpx.AsyncClient, settings: Settings) -> None:
        self._http = http
        self._url = settings.omdb_api_url
        self._api_key = settings.omdb_api_key
        self._timeout = settings.omdb_timeout_seconds
        self._limit_delay = settings.omdb_limit_delay

    async def fetch_movie(self, movie_title: str) -> Movie:
        """
        Return the movie OMDb finds for this exact title, or raise (see module).
        """
        started = time.perf_counter()
        response = await self._get(movie_title)
        duration_ms = round((time.perf_counter() - started) * 1000)

        fields = {"status_code": response.status_code, "duration_ms": duration_ms}
        movie = self._classify(movie_title, response, fields)
        log.info("plot_fetched", imdb_id=movie.imdb_id, **fields)
        return movie

    async def _get(self, movie_title: str) -> httpx.Response:
        params = {
            "apikey": self._api_key.get_secret_value(),
            "t": normalise_title(movie_title),
            "plot": PLOT_LENGTH,
        }
        try:
            return await self._http.get(self._url, params=params, timeout=self._timeout)
        except httpx.HTTPError as exc:
            reason = self._describe(exc)
            log.warning("omdb_unavailable", movie_title=movie_title, reason=reason)
            msg = f"OMDb request for {movie_title!r} failed ({reason}); will retry"
            raise OmdbUnavailableError(msg) from None

    def _classify(
        self, movie_title: str, response: httpx.Response, fields: dict[str, Any]
    ) -> Movie:
        body = _json_object(response)
        if response.status_code >= 500 or body is None:
            reason = f"HTTP {response.status_code} with an unreadable body"
            if body is not None:
                reason = f"HTTP {response.status_code}"
            self._unavailable(movie_title, reason, fields)

        if body.get("Response") == "False":
            self._raise_for_error(movie_title, str(body.get("Error", "")), fields)

        plot = body.get("Plot")
        if not isinstance(plot, str) or plot.strip() in ("", "N/A"):
            log.info("plot_not_found", movie_title=movie_title, **fields)
            raise MovieNotFoundError(movie_title)

        try:
            return Movie(
                title=body["Title"],
                year=body.get("Year", "N/A"),
                imdb_id=body["imdbID"],
                plot=plot.strip(),
            )
        except (KeyError, ValueError):
            self._unavailable(movie_title, "answer lacks Title or imdbID", fields)

    def _raise_for_error(
        self, movie_title: str, error: str, fields: dict[str, Any]
    ) -> NoReturn:
        kind = error.strip().casefold()
        if kind == _NOT_FOUND:
            log.info("plot_not_found", movie_title=movie_title, **fields)
            raise MovieNotFoundError(movie_title)

        if kind == _LIMIT_REACHED:
            retry_after = self._limit_delay
            log.warning(
                "omdb_limit_reached",
                movie_title=movie_title,
                retry_after_seconds=int(retry_after.total_seconds()),
                **fields,
            )
            msg = f"OMDb's daily request limit is reached; retrying in {retry_after}"
            raise OmdbLimitReachedError(msg, retry_after)

        if kind in _KEY_ERRORS:
            msg = (
                f"OMDb rejected the API key ({error!r}): "
                "set OMDB_API_KEY to a valid key and replay the run"
            )
            key_error = OmdbKeyInvalidError(msg)
            log.error("omdb_key_invalid", exc_info=key_error, **fields)
            raise key_error

        self._unavailable(movie_title, f"OMDb error {error!r}", fields)

    def _unavailable(
        self, movie_title: str, reason: str, fields: dict[str, Any]
    ) -> NoReturn:
        log.warning(
            "omdb_unavailable", movie_title=movie_title, reason=reason, **fields
        )
        msg = f"OMDb lookup for {movie_title!r} failed ({reason}); will retry"
        raise OmdbUnavailableError(msg)

    def _describe(self, exc: httpx.HTTPError) -> str:
        detail = str(exc).replace(self._api_key.get_secret_value(), "***")
        return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
