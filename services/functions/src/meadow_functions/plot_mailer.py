"""
The Inngest function that mails a movie's plot when someone watched it.

Steps: fetch_plot (cache, else OMDb), check_suppression, send_email. The
suppression check runs right before sending, so an address suppressed while
an OMDb retry was pending still gets nothing.
"""

from datetime import timedelta
from typing import Any, cast

import httpx
import inngest
import redis.asyncio as redis
import structlog
from pydantic import BaseModel, Field, ValidationError
from structlog.contextvars import bound_contextvars

from meadow_functions.cache import REDIS_ERRORS, PlotCache
from meadow_functions.logs import mask_email
from meadow_functions.mailer import Mailer
from meadow_functions.omdb import Movie, MovieNotFoundError, OmdbClient
from meadow_functions.settings import Settings
from meadow_functions.suppression import is_suppressed

MOVIE_WATCHED = "meadow_api/movie.watched"
FUNCTION_ID = "send-movie-plot"

log = structlog.get_logger(__name__)


class MovieWatched(BaseModel):
    """
    The data of a `meadow_api/movie.watched` event.
    """

    movie_title: str = Field(min_length=1)
    recipient_email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")


class PlotSteps:
    """
    The work inside each step; runs once per successful attempt, never on replay.
    """

    def __init__(self, plots: PlotCache, client: redis.Redis, mailer: Mailer) -> None:
        self._plots = plots
        self._redis = client
        self._mailer = mailer

    async def fetch_plot(self, movie_title: str) -> dict[str, str]:
        """
        The movie as a JSON-ready dict (step output must serialise).
        """
        with bound_contextvars(step_id="fetch_plot"):
            movie = await self._plots.get_plot(movie_title)
        return movie.model_dump()

    async def check_suppression(self, recipient: str) -> bool:
        """
        Whether the recipient is suppressed; a Redis outage must not stop mail.
        """
        with bound_contextvars(step_id="check_suppression"):
            try:
                suppressed = await is_suppressed(self._redis, recipient)
            except REDIS_ERRORS as exc:
                log.warning(
                    "suppression_unavailable",
                    recipient=mask_email(recipient),
                    error=f"{type(exc).__name__}: {exc}",
                )
                return False

            if suppressed:
                log.info("email_skipped", recipient=mask_email(recipient))
            return suppressed

    async def send_email(self, movie: Movie, recipient: str, event_id: str) -> str:
        """
        Send the plot; the key makes a retried step send at most once.
        """
        with bound_contextvars(step_id="send_email"):
            return await self._mailer.send_plot(
                movie, recipient, idempotency_key=f"movie-plot/{event_id}"
            )


def create_functions(
    settings: Settings,
    *,
    client: inngest.Inngest,
    redis_client: redis.Redis,
    http: httpx.AsyncClient,
) -> list[inngest.Function[Any]]:
    """
    Build the app's Inngest functions; flow control comes from settings here.
    """
    plots = PlotCache(redis_client, OmdbClient(http, settings), settings)
    steps = PlotSteps(plots, redis_client, Mailer(http, settings))

    @client.create_function(
        fn_id=FUNCTION_ID,
        name="Send movie plot",
        trigger=inngest.TriggerEvent(event=MOVIE_WATCHED),
        # Throttle queues the runs past the limit; rate_limit would drop them.
        # The server's GCRA admits burst + 1 runs at once: the SDK's default
        # burst of 1 let two emails out together (dev server v1.44), 0 spaces
        # every one by the period.
        throttle=inngest.Throttle(
            key="event.data.recipient_email",
            limit=1,
            period=timedelta(seconds=settings.email_throttle_period),
            burst=0,
        ),
        on_failure=log_failure,
    )
    async def send_movie_plot(ctx: inngest.Context) -> dict[str, str]:
        with bound_contextvars(run_id=ctx.run_id, event_id=ctx.event.id):
            watched = _parse(ctx)
            movie_data = await ctx.step.run(
                "fetch_plot", steps.fetch_plot, watched.movie_title
            )
            movie = Movie.model_validate(movie_data)

            recipient = watched.recipient_email
            if await ctx.step.run(
                "check_suppression", steps.check_suppression, recipient
            ):
                return {"status": "skipped", "reason": "recipient_suppressed"}

            email_id = await ctx.step.run(
                "send_email", steps.send_email, movie, recipient, ctx.event.id
            )
        return {
            "status": "sent",
            "email_id": email_id,
            "movie_title": movie.title,
            "imdb_id": movie.imdb_id,
        }

    return [send_movie_plot]


def _parse(ctx: inngest.Context) -> MovieWatched:
    try:
        return MovieWatched.model_validate(ctx.event.data)
    except ValidationError as exc:
        # Listing fields and reasons only: the input values hold the address.
        problems = "; ".join(
            f"{'.'.join(map(str, error['loc']))}: {error['msg']}"
            for error in exc.errors()
        )
        run_log = cast(structlog.typing.FilteringBoundLogger, ctx.logger)
        run_log.error("event_invalid", event_name=ctx.event.name, problems=problems)
        msg = f"{ctx.event.name} event data is invalid ({problems}); fix the sender"
        raise inngest.NonRetriableError(msg) from None


class _FailedRun(BaseModel):
    run_id: str = ""
    error: dict[str, Any] = {}
    event: dict[str, Any] = {}


async def log_failure(ctx: inngest.Context) -> None:
    """
    Log a run that failed for good, unless the film was simply not found.
    """
    failed = _FailedRun.model_validate(dict(ctx.event.data))
    error_name = failed.error.get("name", "")
    if error_name == MovieNotFoundError.__name__:
        return

    data = failed.event.get("data") or {}
    recipient = data.get("recipient_email") if isinstance(data, dict) else None
    log.error(
        "run_failed",
        run_id=failed.run_id,
        event_id=failed.event.get("id"),
        error_name=error_name,
        error=failed.error.get("message", ""),
        recipient=mask_email(recipient) if isinstance(recipient, str) else None,
    )
