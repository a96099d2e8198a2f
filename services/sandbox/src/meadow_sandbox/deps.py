"""Typed dependencies handed to routes."""

from typing import Annotated

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


SettingsDep = Annotated[Settings, Depends(get_settings)]
StateDep = Annotated[SandboxState, Depends(get_state)]
