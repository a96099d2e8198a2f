"""Health and readiness probes."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from meadow_functions.cache import REDIS_ERRORS
from meadow_functions.deps import RedisDep

router = APIRouter()


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    """
    Answer 200 while the process serves requests.
    """
    return {"status": "ok"}


@router.get("/readyz", summary="Redis answers", response_model=None)
async def readyz(client: RedisDep) -> dict[str, str] | JSONResponse:
    """
    Answer 200 when Redis answers a PING, 503 naming Redis otherwise.
    """
    try:
        await client.ping()
    except REDIS_ERRORS as exc:
        return JSONResponse(
            status_code=503,
            content={
                "status": "unavailable",
                "reason": f"Redis did not answer PING: {type(exc).__name__}",
            },
        )
    return {"status": "ok"}
