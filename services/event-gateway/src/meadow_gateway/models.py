"""Request and answer bodies of the gateway's routes."""

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
)

MovieTitle = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)
]
# Lower-cased whole: the function's throttle and suppression keys compare the
# address as an exact string, so Jane@ and jane@ must be one recipient.
Recipient = Annotated[EmailStr, AfterValidator(str.lower)]


class MovieWatched(BaseModel):
    """
    A viewer finished a movie and wants its plot emailed.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    movie_title: MovieTitle = Field(
        description="Trimmed; 1 to 300 characters.", examples=["Alien"]
    )
    recipient_email: Recipient = Field(
        description="Lower-cased before the event is sent.",
        examples=["jane@example.com"],
    )


class EventAccepted(BaseModel):
    """
    Inngest holds the event; status_url will tell how its run went.
    """

    event_id: str
    status_url: str


EmailStatus = Literal["queued", "running", "sent", "skipped", "failed"]


class EventStatus(BaseModel):
    """
    How far the email for an accepted event has come.
    """

    event_id: str
    status: EmailStatus = Field(
        description=(
            "queued: no run yet, or waiting in Inngest's queue; running; sent; "
            "skipped: no email on purpose (see reason); failed: see reason."
        )
    )
    accepted_at: str | None = Field(
        default=None, description="When the gateway accepted the event (UTC)."
    )
    run_id: str | None = Field(default=None, description="Inngest's run id.")
    email_id: str | None = Field(default=None, description="Resend's id, if sent.")
    reason: str | None = Field(
        default=None,
        description=(
            "skipped: recipient_suppressed or movie_not_found; failed: the error."
        ),
        examples=["recipient_suppressed"],
    )
    message: str | None = Field(
        default=None, description="The error message behind movie_not_found."
    )


class WebhookAccepted(BaseModel):
    """
    Inngest holds the event made from the webhook.
    """

    event_id: str


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
    checks: dict[str, str] = Field(examples=[{"inngest": "ok", "redis": "ok"}])
