"""
The Inngest function that mails a movie's plot when someone watched it.

Steps: fetch_plot (cache, else OMDb), check_suppression, send_email, then
announce_email, which sends `meadow_api/plot.emailed` for the follow-up. The
suppression check runs right before sending, so an address suppressed while
an OMDb retry was pending still gets nothing.
"""

from datetime import timedelta
from typing import Any

import inngest
import redis.asyncio as redis
from structlog.contextvars import bound_contextvars

from meadow_functions.cache import PlotCache
from meadow_functions.events import (
    MOVIE_WATCHED,
    PLOT_EMAILED,
    MovieWatched,
    PlotEmailed,
    plot_emailed_id,
)
from meadow_functions.mailer import Mailer
from meadow_functions.omdb import Movie
from meadow_functions.runs import log_failure, parse_event
from meadow_functions.settings import Settings
from meadow_functions.suppression import check_suppression, normalise_address

FUNCTION_ID = "send-movie-plot"


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
            return await check_suppression(self._redis, recipient)

    async def send_email(self, movie: Movie, recipient: str, event_id: str) -> str:
        """
        Send the plot; the key makes a retried step send at most once.
        """
        with bound_contextvars(step_id="send_email"):
            return await self._mailer.send_plot(
                movie, recipient, idempotency_key=f"movie-plot/{event_id}"
            )


def plot_emailed_event(
    movie: Movie, recipient: str, email_id: str, watched_event_id: str
) -> inngest.Event:
    """
    The `meadow_api/plot.emailed` event announcing a sent plot email; the
    address is normalised so cancel expressions can compare it as is.
    """
    data = PlotEmailed(
        recipient_email=normalise_address(recipient),
        movie_title=movie.title,
        imdb_id=movie.imdb_id,
        email_id=email_id,
    )
    return inngest.Event(
        name=PLOT_EMAILED,
        id=plot_emailed_id(watched_event_id),
        data=data.model_dump(),
    )


def create_plot_mailer(
    client: inngest.Inngest, settings: Settings, steps: PlotSteps
) -> inngest.Function[Any]:
    """
    The `send-movie-plot` function; its throttle comes from settings.
    """

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
            watched = parse_event(ctx, MovieWatched)
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
            await ctx.step.send_event(
                "announce_email",
                plot_emailed_event(movie, recipient, email_id, ctx.event.id),
            )
        return {
            "status": "sent",
            "email_id": email_id,
            "movie_title": movie.title,
            "imdb_id": movie.imdb_id,
        }

    return send_movie_plot
