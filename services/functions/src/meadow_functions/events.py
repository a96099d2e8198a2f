"""
The events the functions take and send, by name and data.

`meadow_api/*` events come from the gateway's API and from our own functions;
`resend/*` events are Resend webhooks the gateway verified and forwarded, with
the address the webhook is about lower-cased in `recipient_email`.
"""

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

MOVIE_WATCHED = "meadow_api/movie.watched"
PLOT_EMAILED = "meadow_api/plot.emailed"
EMAIL_BOUNCED = "resend/email.bounced"
EMAIL_COMPLAINED = "resend/email.complained"

# Surrounding spaces are dropped; anything else odd is the sender's to fix.
Address = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[^@\s]+@[^@\s]+$")
]


class MovieWatched(BaseModel):
    """
    The data of a `meadow_api/movie.watched` event.
    """

    movie_title: str = Field(min_length=1)
    recipient_email: Address


class PlotEmailed(BaseModel):
    """
    The data of a `meadow_api/plot.emailed` event: which plot went to whom.
    """

    recipient_email: Address
    movie_title: str = Field(min_length=1)
    imdb_id: str
    email_id: str


class ResendWebhook(BaseModel):
    """
    The data of a `resend/<type>` event; only the fields we act on.
    """

    type: str = Field(min_length=1)
    recipient_email: Address
    email_id: str | None = None


def plot_emailed_id(watched_event_id: str) -> str:
    """
    The id of the plot.emailed event for a movie.watched event; the event API
    drops a second event with the same id, so a replayed step announces once.
    """
    return f"plot-emailed/{watched_event_id}"
