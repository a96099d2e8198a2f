"""`GET /` shows captured emails as a safe, plain HTML page."""

from typing import Any

import httpx

HOSTILE_HTML = '<p onclick="steal()">Hi</p><script>alert("x")</script>'


async def test_inbox_escapes_everything_from_the_email(
    client: httpx.AsyncClient, email: dict[str, Any], auth: dict[str, str]
) -> None:
    """
    Subject, text and HTML bodies are escaped; the HTML sits in a sandboxed srcdoc.
    """
    hostile = email | {
        "subject": "<script>alert(1)</script>",
        "text": "</pre><img src=x onerror=alert(2)>",
        "html": HOSTILE_HTML,
    }
    await client.post("/resend/emails", json=hostile, headers=auth)

    page = (await client.get("/")).text

    assert "<script>" not in page
    assert "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;/pre&gt;&lt;img src=x onerror=alert(2)&gt;" in page
    assert (
        'sandbox="" title="HTML body" srcdoc="&lt;p onclick=&quot;steal()&quot;&gt;'
        in page
    )


async def test_inbox_lists_newest_first_and_explains_itself(
    client: httpx.AsyncClient, email: dict[str, Any], auth: dict[str, str]
) -> None:
    """
    The newest email comes first, under a header saying this is Meadow's sandbox.
    """
    for subject in ("older", "newer"):
        await client.post(
            "/resend/emails", json=email | {"subject": subject}, headers=auth
        )

    response = await client.get("/")

    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "This is Meadow's sandbox" in response.text
    assert response.text.index("newer") < response.text.index("older")
    assert '<meta http-equiv="refresh" content="5">' in response.text


async def test_empty_inbox_says_so(client: httpx.AsyncClient) -> None:
    """
    With nothing captured the page says so instead of showing an empty list.
    """
    page = (await client.get("/")).text

    assert "No emails captured yet." in page
