"""Typed dependencies handed to routes."""

from typing import Annotated

import httpx
from fastapi import Depends, Request

from meadow_sandbox.settings import Settings
from meadow_sandbox.state import SandboxState


def get_settings(request: Request) -> Settings:
    """
    Return the settings the app was built with.
    """
    settings: Settings = request.app.state.settings
    return settings


def get_state(request: Request) -> SandboxState:
    """
    Return the app's in-memory state.
    """
    state: SandboxState = request.app.state.sandbox
    return state


def get_http(request: Request) -> httpx.AsyncClient:
    """
    Return the app's HTTP client, for the webhooks the sandbox sends.
    """
    http: httpx.AsyncClient = request.app.state.http
    return http


SettingsDep = Annotated[Settings, Depends(get_settings)]
StateDep = Annotated[SandboxState, Depends(get_state)]
HttpDep = Annotated[httpx.AsyncClient, Depends(get_http)]
