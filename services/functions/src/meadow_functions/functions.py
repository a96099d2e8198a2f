"""
Every Inngest function the app serves, built from settings and shared clients.
"""

from typing import Any

import httpx
import inngest
import redis.asyncio as redis

from meadow_functions.bounces import create_suppressor
from meadow_functions.cache import PlotCache
from meadow_functions.follow_up import FollowUpSteps, create_follow_up
from meadow_functions.mailer import Mailer
from meadow_functions.omdb import OmdbClient
from meadow_functions.plot_mailer import PlotSteps, create_plot_mailer
from meadow_functions.settings import Settings


def create_functions(
    settings: Settings,
    *,
    client: inngest.Inngest,
    redis_client: redis.Redis,
    http: httpx.AsyncClient,
) -> list[inngest.Function[Any]]:
    """
    The plot mailer, its follow-up and the bounce suppressor.
    """
    mailer = Mailer(http, settings)
    plots = PlotCache(redis_client, OmdbClient(http, settings), settings)
    return [
        create_plot_mailer(client, settings, PlotSteps(plots, redis_client, mailer)),
        create_follow_up(client, settings, FollowUpSteps(redis_client, mailer)),
        create_suppressor(client, redis_client),
    ]
