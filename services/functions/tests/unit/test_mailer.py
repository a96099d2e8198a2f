import json
from datetime import datetime

import httpx
import inngest
import pytest
import resend
from resend.exceptions import ResendError
from structlog.testing import capture_logs

from meadow_functions.mailer import (
    EmailSendError,
    Mailer,
    classify_resend_error,
    render_follow_up_email,
    render_plot_email,
)
from meadow_functions.omdb import Movie

MATRIX = Movie(
    title="The Matrix",
    year="1999",
    imdb_id="tt0133093",
    plot="A hacker learns what the Matrix really is.",
)
RECIPIENT = "jane.doe@example.com"


@pytest.fixture
def mailer(http, settings):
    """
    A mailer sending through the fake Resend.
    """
    return Mailer(http, settings)


class TestRendering:
    def test_subject_names_the_film_and_year(self):
        """
        The subject reads "The plot of <title> (<year>)".
        """
        assert render_plot_email(MATRIX).subject == "The plot of The Matrix (1999)"

    def test_unknown_year_is_left_out(self):
        """
        OMDb's "N/A" year never shows up in the email.
        """
        email = render_plot_email(MATRIX.model_copy(update={"year": "N/A"}))

        assert email.subject == "The plot of The Matrix"
        assert "N/A" not in email.html + email.text

    def test_both_bodies_carry_title_year_and_plot(self):
        """
        HTML and plain-text bodies each hold the title, the year and the plot.
        """
        email = render_plot_email(MATRIX)

        for body in (email.html, email.text):
            assert "The Matrix (1999)" in body
            assert MATRIX.plot in body

    def test_html_body_escapes_omdb_values(self):
        """
        Markup in any OMDb field is shown as text, never run as HTML.
        """
        movie = Movie(
            title="<script>alert(1)</script>",
            year='1999"><b>',
            imdb_id="tt1",
            plot="Tom & Jerry <i>fight</i>",
        )

        email = render_plot_email(movie)

        assert "<script>" not in email.html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in email.html
        assert "Tom &amp; Jerry &lt;i&gt;fight&lt;/i&gt;" in email.html
        assert "1999&quot;&gt;&lt;b&gt;" in email.html
        assert "Tom & Jerry <i>fight</i>" in email.text

    def test_line_breaks_cannot_reach_the_subject(self):
        """
        A title with a line break still makes a single-line subject.
        """
        email = render_plot_email(MATRIX.model_copy(update={"title": "A\r\nBcc: x"}))

        assert "\n" not in email.subject
        assert "\r" not in email.subject


class TestFollowUpRendering:
    def test_subject_asks_about_the_film(self):
        """
        The subject reads "More about <title>?".
        """
        email = render_follow_up_email("The Matrix", "tt0133093")

        assert email.subject == "More about The Matrix?"

    def test_both_bodies_name_the_film_and_link_to_imdb(self):
        """
        HTML and text bodies hold the title and the film's IMDb page.
        """
        email = render_follow_up_email("The Matrix", "tt0133093")

        for body in (email.html, email.text):
            assert "The Matrix" in body
            assert "https://www.imdb.com/title/tt0133093/" in body
        assert '<a href="https://www.imdb.com/title/tt0133093/">' in email.html

    def test_html_body_escapes_the_title(self):
        """
        Markup in the title is shown as text in the HTML, kept in the text.
        """
        email = render_follow_up_email("<b>Tom & Jerry</b>", "tt1")

        assert "<b>" not in email.html
        assert "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;" in email.html
        assert "<b>Tom & Jerry</b>" in email.text

    @pytest.mark.parametrize("imdb_id", ["N/A", '"><script>', "tt12x", ""])
    def test_odd_imdb_id_makes_no_link(self, imdb_id):
        """
        Only an id shaped like IMDb's (tt and digits) becomes a link.
        """
        email = render_follow_up_email("The Matrix", imdb_id)

        assert "<a " not in email.html
        assert "imdb.com" not in email.text
        assert "<script>" not in email.html

    def test_line_breaks_cannot_reach_the_subject(self):
        """
        A title with a line break still makes a single-line subject.
        """
        email = render_follow_up_email("A\r\nBcc: x", "tt1")

        assert "\n" not in email.subject
        assert "\r" not in email.subject


class TestSending:
    async def test_sends_rendered_email_with_idempotency_key(self, mailer, apis):
        """
        One POST to Resend's /emails with both bodies, sender and the key.
        """
        email_id = await mailer.send_plot(
            MATRIX, RECIPIENT, idempotency_key="movie-plot/01EVENT"
        )

        assert email_id == "email-123"
        (request,) = apis.resend_requests
        assert str(request.url) == "https://resend.test/emails"
        assert request.headers["Idempotency-Key"] == "movie-plot/01EVENT"
        assert request.headers["Authorization"] == "Bearer re_test_key"
        sent = json.loads(request.content)
        assert sent["from"] == "Meadow <plots@meadow.test>"
        assert sent["to"] == [RECIPIENT]
        assert sent["subject"] == "The plot of The Matrix (1999)"
        assert MATRIX.plot in sent["html"]
        assert MATRIX.plot in sent["text"]

    async def test_follow_up_goes_out_with_its_own_key(self, mailer, apis):
        """
        The follow-up is one POST with its subject, bodies and key.
        """
        email_id = await mailer.send_follow_up(
            "The Matrix", "tt0133093", RECIPIENT, idempotency_key="follow-up/01E"
        )

        assert email_id == "email-123"
        (request,) = apis.resend_requests
        assert request.headers["Idempotency-Key"] == "follow-up/01E"
        sent = json.loads(request.content)
        assert sent["from"] == "Meadow <plots@meadow.test>"
        assert sent["to"] == [RECIPIENT]
        assert sent["subject"] == "More about The Matrix?"
        assert "tt0133093" in sent["html"]
        assert "tt0133093" in sent["text"]

    async def test_follow_up_failure_is_mapped_like_any_send(self, mailer, apis):
        """
        A rejected follow-up stops the run, as a rejected plot email does.
        """
        apis.resend_answers(
            403, {"statusCode": 403, "name": "invalid_api_key", "message": "no"}
        )

        with pytest.raises(inngest.NonRetriableError, match="RESEND_API_KEY"):
            await mailer.send_follow_up(
                "The Matrix", "tt0133093", RECIPIENT, idempotency_key="k"
            )

    async def test_settings_win_over_the_sdk_environment(self, mailer, apis):
        """
        The SDK's import-time key and URL are replaced by our settings.
        """
        resend.api_key = "re_from_environment"
        resend.api_url = "https://elsewhere.test"

        await mailer.send_plot(MATRIX, RECIPIENT, idempotency_key="k")

        assert apis.resend_requests[0].headers["Authorization"] == "Bearer re_test_key"

    async def test_sent_email_is_logged_with_masked_recipient(self, mailer):
        """
        email_sent carries the email id and never the full address.
        """
        with capture_logs() as logs:
            await mailer.send_plot(MATRIX, RECIPIENT, idempotency_key="k")

        (entry,) = logs
        assert entry["event"] == "email_sent"
        assert entry["email_id"] == "email-123"
        assert entry["recipient"] == "j***@example.com"

    async def test_resend_failure_is_mapped_and_logged(self, mailer, apis):
        """
        A rejected email raises NonRetriableError and logs email_failed.
        """
        apis.resend_answers(
            422,
            {
                "statusCode": 422,
                "name": "validation_error",
                "message": f"Invalid `to` field: {RECIPIENT}",
            },
        )

        with capture_logs() as logs:
            with pytest.raises(inngest.NonRetriableError) as caught:
                await mailer.send_plot(MATRIX, RECIPIENT, idempotency_key="k")

        assert RECIPIENT not in str(caught.value)
        assert "j***@example.com" in str(caught.value)
        (entry,) = logs
        assert entry["event"] == "email_failed"
        assert entry["log_level"] == "error"
        assert RECIPIENT not in str(logs)

    async def test_server_error_raises_a_retried_error(self, mailer, apis):
        """
        A 5xx answer (even a non-JSON one) is retried, with a warning.
        """
        apis.resend = lambda _: httpx.Response(502, text="Bad gateway")

        with capture_logs() as logs:
            with pytest.raises(EmailSendError):
                await mailer.send_plot(MATRIX, RECIPIENT, idempotency_key="k")

        assert logs[0]["log_level"] == "warning"


def _error(code, name, headers=None):
    """
    A ResendError as the SDK raises it for an error answer.
    """
    return ResendError(
        code=code,
        error_type=name,
        message="Something about the request",
        suggested_action="",
        headers=headers,
    )


def _seconds_until(moment: datetime) -> float:
    return (moment - datetime.now()).total_seconds()


class TestErrorMapping:
    @pytest.mark.parametrize(
        ("code", "name"),
        [
            (401, "missing_api_key"),
            (403, "invalid_api_key"),
            (422, "validation_error"),
            (400, "validation_error"),
            (404, "not_found"),
            ("409", "invalid_idempotent_request"),
        ],
    )
    def test_client_errors_are_not_retried(self, code, name):
        """
        Bad keys, invalid emails and other 4xx answers stop the run.
        """
        failure = classify_resend_error(_error(code, name), RECIPIENT)

        assert isinstance(failure, inngest.NonRetriableError)

    @pytest.mark.parametrize("code", [401, 403])
    def test_key_errors_name_the_setting(self, code):
        """
        A rejected key says which variable to set.
        """
        failure = classify_resend_error(_error(code, "invalid_api_key"), RECIPIENT)

        assert "RESEND_API_KEY" in str(failure)

    @pytest.mark.parametrize(
        ("code", "name"),
        [
            (500, "application_error"),
            (503, "service_unavailable"),
            (500, "HttpClientError"),
            (409, "concurrent_idempotent_requests"),
        ],
    )
    def test_server_and_network_errors_are_retried(self, code, name):
        """
        5xx, network trouble and a concurrent duplicate retry with backoff.
        """
        failure = classify_resend_error(_error(code, name), RECIPIENT)

        assert isinstance(failure, EmailSendError)

    def test_rate_limit_retries_after_resends_delay(self):
        """
        A 429 rate limit waits as long as Resend's retry-after header says.
        """
        error = _error(429, "rate_limit_exceeded", {"Retry-After": "7"})

        failure = classify_resend_error(error, RECIPIENT)

        assert isinstance(failure, inngest.RetryAfterError)
        assert 5 < _seconds_until(failure.retry_after) <= 7

    def test_rate_limit_without_header_waits_a_second(self):
        """
        Without a usable header the wait is one second, the SDK's minimum.
        """
        error = _error(429, "rate_limit_exceeded", {"retry-after": "soon"})

        failure = classify_resend_error(error, RECIPIENT)

        assert isinstance(failure, inngest.RetryAfterError)
        assert 0 < _seconds_until(failure.retry_after) <= 1

    @pytest.mark.parametrize("name", ["daily_quota_exceeded", "monthly_quota_exceeded"])
    def test_quota_waits_at_least_an_hour(self, name):
        """
        An exhausted quota is not retried quickly.
        """
        failure = classify_resend_error(
            _error(429, name, {"retry-after": "1"}), RECIPIENT
        )

        assert isinstance(failure, inngest.RetryAfterError)
        assert 3590 < _seconds_until(failure.retry_after) <= 3600

    def test_quota_honours_a_longer_header(self):
        """
        When Resend names a longer wait for a quota, that wait is kept.
        """
        error = _error(429, "daily_quota_exceeded", {"retry-after": "7200"})

        failure = classify_resend_error(error, RECIPIENT)

        assert 7190 < _seconds_until(failure.retry_after) <= 7200
