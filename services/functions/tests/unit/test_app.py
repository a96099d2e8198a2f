import httpx

import meadow_functions.app as app_module
from meadow_functions.app import create_app
from meadow_functions.cache import create_redis


def client_for(app):
    return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://fn")


class TestProbes:
    async def test_healthz_answers_ok(self, settings, http, redis_client):
        """
        /healthz answers 200 while the process runs.
        """
        app = create_app(settings, http=http, redis_client=redis_client)

        async with client_for(app) as client:
            response = await client.get("/healthz")

        assert response.status_code == 200
        assert response.json() == {"status": "ok"}

    async def test_readyz_answers_ok_when_redis_does(
        self, settings, http, redis_client
    ):
        """
        /readyz answers 200 when Redis answers PING.
        """
        app = create_app(settings, http=http, redis_client=redis_client)

        async with client_for(app) as client:
            response = await client.get("/readyz")

        assert response.status_code == 200

    async def test_readyz_names_redis_when_it_is_down(
        self, make_settings, http, closed_port
    ):
        """
        /readyz answers 503 and says Redis is what is missing.
        """
        settings = make_settings(redis_url=f"redis://127.0.0.1:{closed_port}/0")
        redis_client = create_redis(settings)
        app = create_app(settings, http=http, redis_client=redis_client)

        async with client_for(app) as client:
            response = await client.get("/readyz")
        await redis_client.aclose()

        assert response.status_code == 503
        assert "Redis" in response.json()["reason"]

    async def test_inngest_endpoint_is_served(self, settings, http, redis_client):
        """
        The Inngest SDK answers at /api/inngest and lists our three functions:
        plot mailer, follow-up and bounce suppressor.
        """
        app = create_app(settings, http=http, redis_client=redis_client)

        async with client_for(app) as client:
            response = await client.get("/api/inngest")

        assert response.status_code == 200
        assert response.json()["function_count"] == 3
        assert response.json()["mode"] == "dev"


class TestModuleApp:
    def test_app_is_built_from_the_environment_on_first_use(self, monkeypatch):
        """
        `meadow_functions.app:app` exists for uvicorn once the keys are set.
        """
        monkeypatch.setenv("OMDB_API_KEY", "omdb-key")
        monkeypatch.setenv("RESEND_API_KEY", "re_key")
        monkeypatch.delitem(vars(app_module), "app", raising=False)

        app = app_module.app

        assert app.title == "Meadow functions"
        assert set(app.openapi()["paths"]) >= {"/healthz", "/readyz", "/api/inngest"}
        monkeypatch.delitem(vars(app_module), "app")
