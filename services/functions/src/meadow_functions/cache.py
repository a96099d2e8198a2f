"""
Plots cached in Redis, with one OMDb request per title however many runs ask.

A run that misses the cache takes a short lock for the title (SET NX PX with a
random token) and asks OMDb; the others poll the cache until the answer appears
or the lock frees, and after a bounded wait ask OMDb themselves. "Not found" is
cached too, for less time, so a repeated typo costs one lookup. Redis trouble
never fails a run: the plot then comes straight from OMDb.
"""

import asyncio
import hashlib
import secrets
import time
from datetime import timedelta

import redis.asyncio as redis
import structlog
from pydantic import BaseModel, ValidationError

from meadow_functions.omdb import Movie, MovieNotFoundError, OmdbClient
from meadow_functions.settings import Settings

REDIS_ERRORS = (redis.RedisError, OSError)

# Short, so a Redis outage costs a run about a second before it falls back.
_REDIS_TIMEOUT_SECONDS = 1.0

_KEY_PREFIX = "meadow:plot:v1:"
_LOCK_PREFIX = "meadow:plot-lock:v1:"

# Deletes the lock only if it still holds our token, so a run whose lock
# expired cannot free a lock another run has taken since.
_RELEASE_LOCK = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""

log = structlog.get_logger(__name__)


class _Entry(BaseModel):
    """
    A cached answer: the movie, or None when OMDb had no plot for the title.
    """

    movie: Movie | None


def create_redis(settings: Settings) -> redis.Redis:
    """
    A Redis client that gives up quickly when Redis is unreachable.
    """
    return redis.Redis.from_url(
        settings.redis_url,
        decode_responses=True,
        socket_connect_timeout=_REDIS_TIMEOUT_SECONDS,
        socket_timeout=_REDIS_TIMEOUT_SECONDS,
    )


def plot_cache_key(movie_title: str) -> str:
    """
    Redis key for a title: case and spacing do not matter.
    """
    normalised = " ".join(movie_title.split()).casefold()
    digest = hashlib.sha256(normalised.encode()).hexdigest()
    return f"{_KEY_PREFIX}{digest}"


class PlotCache:
    """
    Answers plot lookups from Redis, asking OMDb only on a miss.
    """

    def __init__(
        self,
        client: redis.Redis,
        omdb: OmdbClient,
        settings: Settings,
        *,
        lock_ttl: timedelta | None = None,
        poll_interval: timedelta = timedelta(milliseconds=50),
    ) -> None:
        self._redis = client
        self._omdb = omdb
        self._plot_ttl = settings.plot_cache_ttl
        self._not_found_ttl = settings.not_found_cache_ttl
        # Outlast a slow OMDb answer (connect plus read timeouts) with room.
        self._lock_ttl = lock_ttl or timedelta(
            seconds=3 * settings.omdb_timeout_seconds
        )
        self._poll_interval = poll_interval.total_seconds()
        self._release = client.register_script(_RELEASE_LOCK)

    async def get_plot(self, movie_title: str) -> Movie:
        """
        Return the movie for this title; raise MovieNotFoundError if OMDb has
        none, or any error of OmdbClient.fetch_movie.
        """
        cache_key = plot_cache_key(movie_title)
        try:
            entry, token = await self._read_or_lock(cache_key)
        except REDIS_ERRORS as exc:
            _log_unavailable(exc, cache_key)
            return await self._omdb.fetch_movie(movie_title)

        if entry is not None:
            return _from_entry(entry, movie_title, cache_key)

        log.info("plot_cache_miss", cache_key=cache_key)
        try:
            return await self._fetch_and_store(movie_title, cache_key)
        finally:
            if token is not None:
                await self._unlock(cache_key, token)

    async def _read_or_lock(self, cache_key: str) -> tuple[_Entry | None, str | None]:
        deadline = time.monotonic() + self._lock_ttl.total_seconds()
        while True:
            entry = await self._read(cache_key)
            if entry is not None:
                return entry, None

            token = secrets.token_hex(16)
            locked = await self._redis.set(
                _LOCK_PREFIX + cache_key, token, nx=True, px=self._lock_ttl
            )
            if locked:
                # Another run may have stored the answer between our read and
                # our lock; reading again spares OMDb a second request.
                entry = await self._read(cache_key)
                if entry is not None:
                    await self._unlock(cache_key, token)
                    return entry, None
                return None, token

            if time.monotonic() >= deadline:
                log.warning("plot_lock_wait_expired", cache_key=cache_key)
                return None, None
            await asyncio.sleep(self._poll_interval)

    async def _read(self, cache_key: str) -> _Entry | None:
        raw = await self._redis.get(cache_key)
        if raw is None:
            return None
        try:
            return _Entry.model_validate_json(raw)
        except ValidationError:
            log.warning("plot_cache_entry_invalid", cache_key=cache_key)
            return None

    async def _fetch_and_store(self, movie_title: str, cache_key: str) -> Movie:
        try:
            movie = await self._omdb.fetch_movie(movie_title)
        except MovieNotFoundError:
            await self._store(cache_key, _Entry(movie=None), self._not_found_ttl)
            raise

        await self._store(cache_key, _Entry(movie=movie), self._plot_ttl)
        return movie

    async def _store(self, cache_key: str, entry: _Entry, ttl: int) -> None:
        try:
            await self._redis.set(cache_key, entry.model_dump_json(), ex=ttl)
        except REDIS_ERRORS as exc:
            _log_unavailable(exc, cache_key)

    async def _unlock(self, cache_key: str, token: str) -> None:
        try:
            await self._release(keys=[_LOCK_PREFIX + cache_key], args=[token])
        except REDIS_ERRORS as exc:
            # The lock expires on its own; this only delays waiting runs.
            _log_unavailable(exc, cache_key)


def _from_entry(entry: _Entry, movie_title: str, cache_key: str) -> Movie:
    if entry.movie is None:
        log.info("plot_cache_hit", cache_key=cache_key, not_found=True)
        raise MovieNotFoundError(movie_title)

    log.info("plot_cache_hit", cache_key=cache_key, imdb_id=entry.movie.imdb_id)
    return entry.movie


def _log_unavailable(exc: BaseException, cache_key: str) -> None:
    log.warning(
        "cache_unavailable",
        cache_key=cache_key,
        error=f"{type(exc).__name__}: {exc}",
    )
