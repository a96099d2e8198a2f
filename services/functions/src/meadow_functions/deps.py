"""Typed dependencies for routes, read from the app's state."""

from typing import Annotated, cast

import redis.asyncio as redis
from fastapi import Depends, Request

from meadow_functions.settings import Settings


def get_settings(request: Request) -> Settings:
    """
    The settings the app was built with.
    """
    return cast(Settings, request.app.state.settings)


def get_redis(request: Request) -> redis.Redis:
    """
    The process's Redis client.
    """
    return cast(redis.Redis, request.app.state.redis)


SettingsDep = Annotated[Settings, Depends(get_settings)]
RedisDep = Annotated[redis.Redis, Depends(get_redis)]
