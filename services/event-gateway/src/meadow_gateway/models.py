"""Request and answer bodies of the gateway's routes."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

MovieTitle = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)
]


class MovieWatched(BaseModel):
    """
    A viewer finished a movie and wants its plot emailed.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    movie_title: MovieTitle = Field(
        description="Trimmed; 1 to 300 characters.", examples=["Alien"]
    )
    recipient_email: EmailStr = Field(examples=["jane@example.com"])


class EventAccepted(BaseModel):
    """
    Inngest holds the event; status_url will tell how its run went.
    """

    event_id: str
    status_url: str


class HealthStatus(BaseModel):
    """
    The process is up.
    """

    status: str = Field(examples=["ok"])


class ReadyStatus(BaseModel):
    """
    Every dependency the gateway needs answered.
    """

    status: str = Field(examples=["ready"])
    checks: dict[str, str] = Field(examples=[{"inngest": "ok"}])
