"""
Plot and follow-up emails, rendered here and sent through the Resend SDK.

Resend failures map onto Inngest's retry rules:

- 429 rate limit -> RetryAfterError after Resend's `retry-after` (at least 1 s)
- 429 daily or monthly quota -> RetryAfterError after an hour or more
- 409 concurrent request with our idempotency key -> retried
- 5xx, network errors -> EmailSendError, retried with backoff
- 401/403 (key), 422 (validation) and every other 4xx -> NonRetriableError
"""

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import inngest
import resend
import structlog
from resend.exceptions import ResendError

from meadow_functions.logs import mask_email
from meadow_functions.omdb import Movie
from meadow_functions.settings import Settings

QUOTA_RETRY_AFTER = timedelta(hours=1)
_QUOTA_ERRORS = ("daily_quota_exceeded", "monthly_quota_exceeded")
_SEND_TIMEOUT_SECONDS = 15.0
_FOOTER = "Sent by Meadow because you watched this film."
# Only ids of this form go into a link; OMDb data is not ours.
_IMDB_ID = re.compile(r"tt\d{1,10}")

log = structlog.get_logger(__name__)


class EmailSendError(Exception):
    """
    Resend could not take the email this time; retrying later may succeed.
    """


@dataclass(frozen=True)
class Email:
    """
    A rendered email: subject, HTML body and plain-text body.
    """

    subject: str
    html: str
    text: str


def render_plot_email(movie: Movie) -> Email:
    """
    The plot email; every OMDb value is escaped in the HTML body.
    """
    heading = movie.title if movie.year == "N/A" else f"{movie.title} ({movie.year})"
    body = _html_page(html.escape(heading), [html.escape(movie.plot)])
    text = f"{heading}\n\n{movie.plot}\n\n-- \n{_FOOTER}\n"
    return Email(subject=_one_line(f"The plot of {heading}"), html=body, text=text)


def render_follow_up_email(movie_title: str, imdb_id: str) -> Email:
    """
    The follow-up to a plot email, pointing at the film's IMDb page when the
    id looks like one; every value is escaped in the HTML body.
    """
    opening = (
        f"You watched {movie_title} recently. "
        "Curious about the cast, the trivia or what to watch next?"
    )
    paragraphs = [html.escape(opening)]
    text = f"{opening}\n\n"
    if _IMDB_ID.fullmatch(imdb_id):
        url = f"https://www.imdb.com/title/{imdb_id}/"
        paragraphs.append(f'Read more on <a href="{url}">IMDb</a>.')
        text += f"Read more on IMDb: {url}\n\n"

    body = _html_page(html.escape(movie_title), paragraphs)
    text += f"-- \n{_FOOTER}\n"
    return Email(subject=_one_line(f"More about {movie_title}?"), html=body, text=text)


def _html_page(safe_heading: str, safe_paragraphs: list[str]) -> str:
    paragraphs = "".join(f"<p>{paragraph}</p>\n" for paragraph in safe_paragraphs)
    return (
        "<!doctype html>\n"
        '<html><body style="font-family: sans-serif; line-height: 1.5">\n'
        f"<h1>{safe_heading}</h1>\n"
        f"{paragraphs}"
        f"<p><small>{_FOOTER}</small></p>\n"
        "</body></html>\n"
    )


def _one_line(subject: str) -> str:
    # A line break in a subject would end the header; OMDb data is not ours.
    return " ".join(subject.split())


class _SharedHttpxClient(resend.AsyncHTTPClient):
    """
    Lets the SDK use the process's httpx client (and tests' mock transports).
    """

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        json: dict[str, object] | list[object] | None = None,
        files: dict[str, Any] | None = None,
        data: dict[str, str] | None = None,
    ) -> tuple[bytes, int, Mapping[str, str]]:
        response = await self._http.request(
            method,
            url,
            headers=headers,
            json=json,
            files=files,
            data=data,
            timeout=_SEND_TIMEOUT_SECONDS,
        )
        return response.content, response.status_code, response.headers


class Mailer:
    """
    Sends emails from EMAIL_FROM through Resend.
    """

    def __init__(self, http: httpx.AsyncClient, settings: Settings) -> None:
        self._transport = _SharedHttpxClient(http)
        self._api_key = settings.resend_api_key
        self._api_url = settings.resend_api_url
        self._sender = settings.email_from

    async def send_plot(
        self, movie: Movie, recipient: str, *, idempotency_key: str
    ) -> str:
        """
        Send the plot email once per idempotency key; return Resend's email id.
        """
        email = render_plot_email(movie)
        return await self.send(email, recipient, idempotency_key=idempotency_key)

    async def send_follow_up(
        self, movie_title: str, imdb_id: str, recipient: str, *, idempotency_key: str
    ) -> str:
        """
        Send the follow-up email once per idempotency key; return its email id.
        """
        email = render_follow_up_email(movie_title, imdb_id)
        return await self.send(email, recipient, idempotency_key=idempotency_key)

    async def send(self, email: Email, recipient: str, *, idempotency_key: str) -> str:
        """
        Send a rendered email once per idempotency key; return Resend's email
        id, or raise the exception that tells Inngest whether to retry.
        """
        params: resend.Emails.SendParams = {
            "from": self._sender,
            "to": [recipient],
            "subject": email.subject,
            "html": email.html,
            "text": email.text,
        }
        options: resend.Emails.SendOptions = {"idempotency_key": idempotency_key}

        self._configure_sdk()
        try:
            sent = await resend.Emails.send_async(params, options)
        except ResendError as exc:
            # Not chained: the SDK's message may hold the full address, and the
            # stack travels to the Inngest UI.
            raise _failure(exc, recipient) from None

        log.info("email_sent", email_id=sent["id"], recipient=mask_email(recipient))
        return sent["id"]

    def _configure_sdk(self) -> None:
        # The SDK keeps its settings in module globals, read from the environment
        # at import. Setting them right before each send (nothing awaits in
        # between) keeps every Mailer's own settings in force.
        resend.api_key = self._api_key.get_secret_value()
        resend.api_url = self._api_url
        resend.default_async_http_client = self._transport


def classify_resend_error(exc: ResendError, recipient: str) -> Exception:
    """
    The exception that tells Inngest whether and when to retry this failure.
    """
    status = _status_code(exc)
    # Resend may quote the address back; messages reach logs and the Inngest UI.
    detail = exc.message.replace(recipient, mask_email(recipient))
    what = f"Resend answered {status} {exc.error_type}: {detail}"

    if status == 429:
        delay = _retry_after(exc.headers)
        if exc.error_type in _QUOTA_ERRORS:
            delay = max(delay, QUOTA_RETRY_AFTER)
        return inngest.RetryAfterError(f"{what}; retrying in {delay}", delay)

    if status >= 500 or (status == 409 and "concurrent" in exc.error_type):
        return EmailSendError(f"{what}; will retry")

    if status in (401, 403):
        return inngest.NonRetriableError(
            f"{what}; set RESEND_API_KEY to a valid key and replay the run"
        )
    return inngest.NonRetriableError(f"{what}; the request needs fixing, not a retry")


def _failure(exc: ResendError, recipient: str) -> Exception:
    failure = classify_resend_error(exc, recipient)
    fields = {
        "recipient": mask_email(recipient),
        "status_code": _status_code(exc),
        "error_type": exc.error_type,
    }
    if isinstance(failure, inngest.NonRetriableError):
        log.error("email_failed", retried=False, exc_info=failure, **fields)
    else:
        log.warning("email_failed", retried=True, error=str(failure), **fields)
    return failure


def _status_code(exc: ResendError) -> int:
    try:
        return int(exc.code)
    except (TypeError, ValueError):
        return 500


def _retry_after(headers: Mapping[str, str]) -> timedelta:
    lowered = {name.lower(): value for name, value in headers.items()}
    try:
        seconds = float(lowered.get("retry-after", "1"))
    except ValueError:
        seconds = 1.0
    return timedelta(seconds=max(seconds, 1.0))
