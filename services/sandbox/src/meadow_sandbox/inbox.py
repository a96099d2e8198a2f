"""`GET /`: a plain HTML inbox of the captured emails, newest first."""

from html import escape
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from meadow_sandbox.deps import StateDep

router = APIRouter(tags=["inbox"])

# Emails carry user input: nothing on the page may run scripts or fetch from
# elsewhere. srcdoc frames inherit this policy, and `sandbox` isolates them too.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="5">
<title>Meadow sandbox inbox</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; }}
header p {{ color: #555; }}
article {{ border: 1px solid #ccc; border-radius: 6px; margin: 1rem 0;
  padding: 1rem; }}
dl {{ display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }}
dt {{ font-weight: 600; }}
pre {{ white-space: pre-wrap; background: #f6f6f6; padding: .5rem; }}
iframe {{ width: 100%; height: 16rem; border: 1px solid #ddd; }}
</style>
</head>
<body>
<header>
<h1>Meadow sandbox inbox</h1>
<p>This is Meadow's sandbox. It stands in for OMDb and Resend so the stack runs
offline: emails sent to its Resend API are kept here and never delivered.
{count} captured. The page refreshes every 5 seconds; JSON is at
<code>/api/emails</code>.</p>
</header>
<main>
{emails}
</main>
</body>
</html>
"""


@router.get("/", response_class=HTMLResponse)
async def inbox(state: StateDep) -> HTMLResponse:
    """
    Show the captured emails, newest first.
    """
    return HTMLResponse(
        render_inbox(state.emails), headers={"Content-Security-Policy": _CSP}
    )


def render_inbox(emails: list[dict[str, Any]]) -> str:
    """
    Render the inbox page; every value from an email is escaped.
    """
    items = [_render_email(email) for email in reversed(emails)]
    body = "\n".join(items) or "<p>No emails captured yet.</p>"
    return _PAGE.format(count=len(emails), emails=body)


def _render_email(email: dict[str, Any]) -> str:
    fields = (
        ("To", ", ".join(str(address) for address in email.get("to", []))),
        ("From", email.get("from", "")),
        ("Subject", email.get("subject", "")),
        ("Received", email.get("received_at", "")),
        ("Id", email.get("id", "")),
    )
    rows = "".join(
        f"<dt>{name}</dt><dd>{escape(str(value))}</dd>" for name, value in fields
    )
    parts = [f"<article><dl>{rows}</dl>"]
    if email.get("text") is not None:
        parts.append(f"<h3>Text</h3><pre>{escape(str(email['text']))}</pre>")
    if email.get("html") is not None:
        # srcdoc is an attribute: escaping with quote=True keeps the markup
        # inside it, and the empty sandbox stops it running anything.
        srcdoc = escape(str(email["html"]), quote=True)
        parts.append(
            f'<h3>HTML</h3><iframe sandbox="" title="HTML body" '
            f'srcdoc="{srcdoc}"></iframe>'
        )
    parts.append("</article>")
    return "".join(parts)
