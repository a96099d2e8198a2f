"""The OMDb stand-in answers lookups as OMDb does."""

import httpx
import pytest

OMDB_FIELDS = (
    "Title Year Rated Released Runtime Genre Director Writer Actors Plot Language "
    "Country Awards Poster Ratings Metascore imdbRating imdbVotes imdbID Type DVD "
    "BoxOffice Production Website Response"
).split()


async def lookup(client: httpx.AsyncClient, **params: str) -> httpx.Response:
    return await client.get("/omdb/", params={"apikey": "k3y", **params})


class TestFound:
    async def test_title_lookup_returns_the_film_in_omdb_shape(
        self, client: httpx.AsyncClient
    ) -> None:
        """
        A known title answers 200 with every OMDb field, in OMDb's order.
        """
        response = await lookup(client, t="The Matrix")

        assert response.status_code == 200
        body = response.json()
        assert list(body) == OMDB_FIELDS
        assert body["Response"] == "True"
        assert body["imdbID"] == "tt0133093"
        assert body["Year"] == "1999"
        assert body["Runtime"] == "136 min"
        assert body["Director"] == "Lana Wachowski, Lilly Wachowski"
        assert body["Poster"] == "N/A"
        assert {"Source": "Metacritic", "Value": "73/100"} in body["Ratings"]

    @pytest.mark.parametrize("title", ["the matrix", "  THE MATRIX  ", "tHe MaTrIx"])
    async def test_title_match_ignores_case_and_padding(
        self, client: httpx.AsyncClient, title: str
    ) -> None:
        """
        Titles match whatever their case and surrounding whitespace.
        """
        response = await lookup(client, t=title)

        assert response.json()["Title"] == "The Matrix"

    async def test_unaccented_alias_finds_the_film(
        self, client: httpx.AsyncClient
    ) -> None:
        """
        "Amelie" finds "Amélie", as OMDb's lookup does.
        """
        response = await lookup(client, t="amelie")

        assert response.json()["imdbID"] == "tt0211915"

    async def test_full_plot_is_longer_than_the_short_one(
        self, client: httpx.AsyncClient
    ) -> None:
        """
        `plot=full` answers a longer plot than `plot=short`, the default.
        """
        short = (await lookup(client, t="Alien", plot="short")).json()["Plot"]
        default = (await lookup(client, t="Alien")).json()["Plot"]
        full = (await lookup(client, t="Alien", plot="full")).json()["Plot"]

        assert default == short
        assert len(full) > len(short)
        assert full.count(".") > short.count(".")

    async def test_imdb_id_lookup_returns_the_film(
        self, client: httpx.AsyncClient
    ) -> None:
        """
        `i` finds a film by its IMDb id and wins over `t` when both are sent.
        """
        response = await lookup(client, i="tt0245429", t="Jaws")

        assert response.json()["Title"] == "Spirited Away"

    async def test_year_picks_between_films_sharing_a_title(
        self, client: httpx.AsyncClient
    ) -> None:
        """
        A bare title gives the better-known film; `y` picks the other.
        """
        original = (await lookup(client, t="Psycho")).json()
        remake = (await lookup(client, t="Psycho", y="1998")).json()

        assert original["Director"] == "Alfred Hitchcock"
        assert remake["Director"] == "Gus Van Sant"

    async def test_path_without_trailing_slash_answers_directly(
        self, client: httpx.AsyncClient
    ) -> None:
        """
        `/omdb` answers without a redirect, which httpx would not follow.
        """
        response = await client.get("/omdb", params={"apikey": "k", "t": "Up"})

        assert response.status_code == 200
        assert response.json()["imdbID"] == "tt1049413"


class TestErrors:
    async def test_unknown_title_is_movie_not_found_with_200(
        self, client: httpx.AsyncClient
    ) -> None:
        """
        OMDb reports an unknown title with HTTP 200 and Response "False".
        """
        response = await lookup(client, t="No Such Film Anywhere")

        assert response.status_code == 200
        assert response.json() == {"Response": "False", "Error": "Movie not found!"}

    async def test_wrong_year_is_movie_not_found(
        self, client: httpx.AsyncClient
    ) -> None:
        """
        A title that exists, but not in the year asked for, is not found.
        """
        response = await lookup(client, t="The Matrix", y="2003")

        assert response.json()["Error"] == "Movie not found!"

    async def test_series_type_miss_says_series_not_found(
        self, client: httpx.AsyncClient
    ) -> None:
        """
        With `type=series`, OMDb words the miss as "Series not found!".
        """
        response = await lookup(client, t="The Matrix", type="series")

        assert response.json() == {"Response": "False", "Error": "Series not found!"}

    @pytest.mark.parametrize("imdb_id", ["tt9999999", "nonsense", "0133093"])
    async def test_bad_imdb_id_is_incorrect_imdb_id(
        self, client: httpx.AsyncClient, imdb_id: str
    ) -> None:
        """
        Unknown or malformed IMDb ids answer "Incorrect IMDb ID." with 200.
        """
        response = await lookup(client, i=imdb_id)

        assert response.status_code == 200
        assert response.json() == {"Response": "False", "Error": "Incorrect IMDb ID."}

    @pytest.mark.parametrize("params", [{}, {"t": "  "}, {"plot": "full"}])
    async def test_neither_title_nor_id_is_incorrect_imdb_id(
        self, client: httpx.AsyncClient, params: dict[str, str]
    ) -> None:
        """
        With no usable `t` or `i`, OMDb answers "Incorrect IMDb ID.".
        """
        response = await lookup(client, **params)

        assert response.status_code == 200
        assert response.json()["Error"] == "Incorrect IMDb ID."

    @pytest.mark.parametrize("query", [{"t": "Jaws"}, {"t": "Jaws", "apikey": ""}])
    async def test_missing_api_key_is_401(
        self, client: httpx.AsyncClient, query: dict[str, str]
    ) -> None:
        """
        No API key, or an empty one, answers 401 "No API key provided.".
        """
        response = await client.get("/omdb/", params=query)

        assert response.status_code == 401
        assert response.json() == {
            "Response": "False",
            "Error": "No API key provided.",
        }


async def test_lookups_are_recorded_without_the_key(
    client: httpx.AsyncClient,
) -> None:
    """
    Each lookup is listed with its parameters, status and error; the key is masked.
    """
    await lookup(client, t="Heat", plot="full")
    await lookup(client, t="Nope")

    records = (await client.get("/api/omdb/requests")).json()

    assert [r["params"] for r in records] == [
        {"apikey": "***", "t": "Heat", "plot": "full"},
        {"apikey": "***", "t": "Nope"},
    ]
    assert [(r["status_code"], r["error"]) for r in records] == [
        (200, None),
        (200, "Movie not found!"),
    ]
    assert all(r["received_at"].endswith("Z") for r in records)
    assert "k3y" not in str(records)
