"""Bearer-key check for the /v1 routes."""

import hmac
from collections.abc import Iterable
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from pydantic import SecretStr

from .deps import SettingsDep
from .errors import ApiError, Problem
from .settings import Settings

_bearer = HTTPBearer(
    auto_error=False,
    description="One of the keys in GATEWAY_API_KEYS; not needed when none is set.",
)
BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def matches_any_key(presented: str, keys: Iterable[SecretStr]) -> bool:
    """
    Whether presented equals one of keys, compared in constant time.

    Every key is compared even after a match, so timing does not tell how many
    keys there are or which one matched.
    """
    presented_bytes = presented.encode()
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(presented_bytes, key.get_secret_value().encode())
    return matched


def authenticate(settings: Settings, presented: str | None) -> str | None:
    """
    The bearer key a request was let in with, or None while auth is off.

    Raises 401 when keys are configured and `presented` is missing or none of them.
    """
    if not settings.auth_enabled:
        return None
    if presented is None:
        raise _unauthorized("The request has no bearer key", "is missing")
    if not matches_any_key(presented, settings.gateway_api_keys):
        raise _unauthorized("The bearer key is not valid", "is not a valid key")
    return presented


def bearer_key(authorization: str | None) -> str | None:
    """
    The key in an `Authorization: Bearer <key>` header, read as HTTPBearer does.
    """
    scheme, credentials = get_authorization_scheme_param(authorization)
    if scheme.lower() != "bearer" or not credentials:
        return None
    return credentials


async def require_api_key(
    settings: SettingsDep, credentials: BearerCredentials
) -> None:
    """
    Refuse (401) a request without a valid bearer key when keys are configured.
    """
    authenticate(settings, credentials.credentials if credentials else None)


def _unauthorized(message: str, problem: str) -> ApiError:
    return ApiError(
        401,
        "unauthorized",
        f"{message}; send the header Authorization: Bearer <your gateway key>.",
        problems=[Problem(field="Authorization", problem=problem)],
        headers={"WWW-Authenticate": "Bearer"},
    )
