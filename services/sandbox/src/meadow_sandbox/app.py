"""The sandbox's ASGI app: OMDb and Resend stand-ins plus inspection routes."""

from fastapi import FastAPI

from meadow_sandbox import faults, inbox, inspection, omdb, resend_api
from meadow_sandbox.logs import configure_logging
from meadow_sandbox.settings import Settings
from meadow_sandbox.state import SandboxState


def create_app(settings: Settings | None = None) -> FastAPI:
    """
    Build the app with its own empty state; tests pass their own settings.
    """
    settings = settings or Settings()
    configure_logging(settings.log_level)

    app = FastAPI(
        title="Meadow sandbox",
        summary="Offline stand-ins for the OMDb and Resend APIs.",
    )
    app.state.settings = settings
    app.state.sandbox = SandboxState()
    for module in (omdb, resend_api, inspection, faults, inbox):
        app.include_router(module.router)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        """
        Report that the process is up.
        """
        return {"status": "ok"}

    return app


app = create_app()
