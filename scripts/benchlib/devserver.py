"""
Holding the functions back while ingest alone is measured.

Each run costs the dev server's executor about 80-100 ms of CPU on a 2-core
machine, far more than taking the event in. Left running, the executor works
through a round's runs while that round is still being measured, and it takes
a larger share of a longer round: whichever side is slower pays for the runs
most, and the comparison measures the executor more than the two routes. So
for the gateway-vs-direct rounds the functions app is unsynced (events are
stored, nothing runs) and synced again from the same URL afterwards.
"""

from typing import Any

import httpx


class DevServerError(RuntimeError):
    """
    The dev server's GraphQL API refused or failed a query.
    """


class DevServerApps:
    """
    The apps synced to an Inngest dev server, through its GraphQL API.
    """

    def __init__(self, client: httpx.AsyncClient, inngest_url: str) -> None:
        self._client = client
        self._url = f"{inngest_url}/v0/gql"

    async def apps(self) -> list[dict[str, Any]]:
        """
        Each synced app's name, URL and number of functions.
        """
        data = await self._query("{ apps { name url functionCount } }")
        apps: list[dict[str, Any]] = data["apps"]
        return apps

    async def unsync_all(self) -> list[str]:
        """
        Unsync every app (its events are then stored, and start no run);
        return their URLs, for sync() to bring them back.

        If the bench is killed before syncing them again, restart the dev
        server (`docker compose restart inngest`): it syncs its -u URL.
        """
        apps = await self.apps()
        for app in apps:
            await self._query(
                "mutation($name: String!) { deleteAppByName(name: $name) }",
                name=app["name"],
            )
        return [app["url"] for app in apps]

    async def sync(self, url: str) -> None:
        """
        Sync the app served at url; raise DevServerError if the sync failed.
        """
        data = await self._query(
            "mutation($url: String!) { createApp(input: {url: $url}) { error } }",
            url=url,
        )
        if data["createApp"]["error"]:
            msg = f"syncing {url} failed: {data['createApp']['error']}"
            raise DevServerError(msg)

    async def _query(self, query: str, **variables: Any) -> dict[str, Any]:
        response = await self._client.post(
            self._url, json={"query": query, "variables": variables}
        )
        if response.status_code != 200:
            msg = f"{self._url} answered {response.status_code}: {response.text[:200]}"
            raise DevServerError(msg)
        body = response.json()
        if body.get("errors"):
            raise DevServerError(f"{self._url}: {body['errors'][0].get('message')}")
        data: dict[str, Any] = body["data"]
        return data
