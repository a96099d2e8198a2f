import asyncio
from datetime import timedelta

import httpx
import pytest
import redis.asyncio as redis
from structlog.testing import capture_logs

from meadow_functions.cache import PlotCache, create_redis, plot_cache_key
from meadow_functions.omdb import MovieNotFoundError, OmdbClient, OmdbUnavailableError


@pytest.fixture
def plots(redis_client, http, settings):
    """
    A plot cache on the test Redis, in front of the fake OMDb.
    """
    return PlotCache(redis_client, OmdbClient(http, settings), settings)


class TestCacheKey:
    def test_case_and_spacing_share_one_key(self):
        """
        "The Matrix", "the  matrix " and "THE MATRIX" are one cache entry.
        """
        keys = {plot_cache_key(t) for t in ("The Matrix", "the  matrix ", "THE MATRIX")}

        assert len(keys) == 1

    def test_different_titles_get_different_keys(self):
        """
        Distinct titles never collide.
        """
        assert plot_cache_key("The Matrix") != plot_cache_key("The Matrix Reloaded")


class TestHitAndMiss:
    async def test_miss_asks_omdb_and_stores_with_plot_ttl(
        self, plots, apis, redis_client, settings
    ):
        """
        A miss fetches from OMDb and caches the plot for PLOT_CACHE_TTL.
        """
        with capture_logs() as logs:
            movie = await plots.get_plot("The Matrix")

        assert movie.imdb_id == "tt0133093"
        assert len(apis.omdb_requests) == 1
        ttl = await redis_client.ttl(plot_cache_key("The Matrix"))
        assert settings.plot_cache_ttl - 5 < ttl <= settings.plot_cache_ttl
        assert [e["event"] for e in logs] == ["plot_cache_miss", "plot_fetched"]

    async def test_cached_plot_skips_omdb(self, plots, apis):
        """
        A second lookup, even spelled differently, is answered from Redis.
        """
        await plots.get_plot("The Matrix")

        with capture_logs() as logs:
            movie = await plots.get_plot("the   MATRIX")

        assert movie.plot == "A hacker learns what the Matrix really is."
        assert len(apis.omdb_requests) == 1
        (hit,) = logs
        assert hit["event"] == "plot_cache_hit"
        assert hit["imdb_id"] == "tt0133093"
        assert hit["cache_key"] == plot_cache_key("The Matrix")

    async def test_not_found_is_cached_with_its_own_ttl(
        self, plots, apis, redis_client, settings
    ):
        """
        A typo costs one OMDb lookup; repeats are answered from the cache.
        """
        apis.omdb_fails("Movie not found!")

        for _ in range(3):
            with pytest.raises(MovieNotFoundError):
                await plots.get_plot("Teh Matrix")

        assert len(apis.omdb_requests) == 1
        ttl = await redis_client.ttl(plot_cache_key("Teh Matrix"))
        assert settings.not_found_cache_ttl - 5 < ttl <= settings.not_found_cache_ttl

    async def test_transient_failure_is_not_cached(self, plots, apis):
        """
        An OMDb outage is retried later, not remembered as an answer.
        """
        apis.omdb_answers(503, {})
        with pytest.raises(OmdbUnavailableError):
            await plots.get_plot("The Matrix")

        apis.omdb_answers(200, apis.movie())
        movie = await plots.get_plot("The Matrix")

        assert movie.title == "The Matrix"
        assert len(apis.omdb_requests) == 2

    async def test_corrupt_entry_is_treated_as_a_miss(self, plots, apis, redis_client):
        """
        An unreadable cache value is replaced by a fresh lookup.
        """
        await redis_client.set(plot_cache_key("The Matrix"), "not json")

        movie = await plots.get_plot("The Matrix")

        assert movie.imdb_id == "tt0133093"
        assert len(apis.omdb_requests) == 1


class TestLock:
    async def test_concurrent_lookups_make_one_omdb_request(self, plots, apis):
        """
        Twenty runs missing the cache together share a single OMDb request.
        """

        async def slow_answer(request):
            await asyncio.sleep(0.2)
            return httpx.Response(200, json=apis.movie())

        apis.omdb = slow_answer

        movies = await asyncio.gather(
            *(plots.get_plot("The Matrix") for _ in range(20))
        )

        assert len(apis.omdb_requests) == 1
        assert {m.imdb_id for m in movies} == {"tt0133093"}

    async def test_waiters_share_a_cached_not_found(self, plots, apis):
        """
        Runs waiting on the lock also learn the title is unknown, without asking.
        """

        async def slow_not_found(request):
            await asyncio.sleep(0.1)
            return httpx.Response(
                200, json={"Response": "False", "Error": "Movie not found!"}
            )

        apis.omdb = slow_not_found

        results = await asyncio.gather(
            *(plots.get_plot("Teh Matrix") for _ in range(5)), return_exceptions=True
        )

        assert all(isinstance(r, MovieNotFoundError) for r in results)
        assert len(apis.omdb_requests) == 1

    async def test_waiter_fetches_itself_when_the_holder_fails(self, plots, apis):
        """
        If the lock holder's lookup fails, a waiter takes the lock and asks OMDb.
        """
        answers = iter([httpx.Response(503), httpx.Response(200, json=apis.movie())])

        async def fail_then_answer(request):
            await asyncio.sleep(0.1)
            return next(answers)

        apis.omdb = fail_then_answer

        first, second = await asyncio.gather(
            plots.get_plot("The Matrix"),
            plots.get_plot("The Matrix"),
            return_exceptions=True,
        )

        assert isinstance(first, OmdbUnavailableError)
        assert second.imdb_id == "tt0133093"
        assert len(apis.omdb_requests) == 2

    async def test_wait_is_bounded_then_omdb_is_asked(
        self, redis_client, http, settings, apis
    ):
        """
        A lock that never frees delays a run only up to the lock's lifetime.
        """
        plots = PlotCache(
            redis_client,
            OmdbClient(http, settings),
            settings,
            lock_ttl=timedelta(milliseconds=300),
        )
        lock_key = "meadow:plot-lock:v1:" + plot_cache_key("The Matrix")
        await redis_client.set(lock_key, "someone-else", px=60_000)

        with capture_logs() as logs:
            movie = await plots.get_plot("The Matrix")

        assert movie.imdb_id == "tt0133093"
        assert "plot_lock_wait_expired" in [e["event"] for e in logs]
        assert await redis_client.get(lock_key) == "someone-else"

    async def test_lock_is_released_after_the_lookup(self, plots, redis_client):
        """
        No lock is left behind once the answer is cached.
        """
        await plots.get_plot("The Matrix")

        assert await redis_client.keys("meadow:plot-lock:*") == []


class TestRedisDown:
    async def test_plot_still_arrives_when_redis_is_down(
        self, make_settings, http, apis, closed_port
    ):
        """
        With Redis unreachable the run asks OMDb directly and logs a warning.
        """
        settings = make_settings(redis_url=f"redis://127.0.0.1:{closed_port}/0")
        client: redis.Redis = create_redis(settings)
        plots = PlotCache(client, OmdbClient(http, settings), settings)

        with capture_logs() as logs:
            movie = await plots.get_plot("The Matrix")
        await client.aclose()

        assert movie.imdb_id == "tt0133093"
        assert len(apis.omdb_requests) == 1
        unavailable = [e for e in logs if e["event"] == "cache_unavailable"]
        assert unavailable
        assert unavailable[0]["log_level"] == "warning"
