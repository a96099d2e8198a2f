"""The inspection API lists and clears what the stand-ins received."""

from typing import Any

import httpx


async def send(
    client: httpx.AsyncClient, email: dict[str, Any], auth: dict[str, str], to: Any
) -> None:
    response = await client.post(
        "/resend/emails", json=email | {"to": to}, headers=auth
    )
    assert response.status_code == 200


async def test_emails_filter_by_recipient_ignoring_case_and_names(
    client: httpx.AsyncClient, email: dict[str, Any], auth: dict[str, str]
) -> None:
    """
    `?to=` keeps emails with that recipient, whatever the case or display name.
    """
    await send(client, email, auth, to="jane@example.com")
    await send(client, email, auth, to=["Sam <SAM@example.org>", "kim@example.net"])

    sam = (await client.get("/api/emails", params={"to": "sam@example.org"})).json()
    jane = (await client.get("/api/emails", params={"to": "JANE@example.com"})).json()
    nobody = (await client.get("/api/emails", params={"to": "x@example.com"})).json()

    assert [e["to"] for e in sam] == [["Sam <SAM@example.org>", "kim@example.net"]]
    assert [e["to"] for e in jane] == [["jane@example.com"]]
    assert nobody == []


async def test_emails_are_listed_oldest_first(
    client: httpx.AsyncClient, email: dict[str, Any], auth: dict[str, str]
) -> None:
    """
    The JSON list keeps the order emails arrived in.
    """
    for n in range(3):
        await send(client, email | {"subject": f"n{n}"}, auth, to="jane@example.com")

    emails = (await client.get("/api/emails")).json()

    assert [e["subject"] for e in emails] == ["n0", "n1", "n2"]


async def test_delete_endpoints_clear_their_own_list_only(
    client: httpx.AsyncClient, email: dict[str, Any], auth: dict[str, str]
) -> None:
    """
    Each DELETE empties one list and leaves the others alone.
    """
    await send(client, email, auth, to="jane@example.com")
    await client.get("/omdb/", params={"apikey": "k", "t": "Up"})

    assert (await client.delete("/api/emails")).status_code == 204
    assert (await client.get("/api/emails")).json() == []
    assert len((await client.get("/api/resend/requests")).json()) == 1

    assert (await client.delete("/api/resend/requests")).status_code == 204
    assert (await client.get("/api/resend/requests")).json() == []
    assert len((await client.get("/api/omdb/requests")).json()) == 1

    assert (await client.delete("/api/omdb/requests")).status_code == 204
    assert (await client.get("/api/omdb/requests")).json() == []
