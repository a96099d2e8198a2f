"""The built-in catalogue is complete enough to stand in for OMDb."""

import re

import pytest

from meadow_sandbox.catalogue import FILMS, Film, find_by_imdb_id, find_by_title

SENTENCE_END = re.compile(r"[.!?](?:\s|$)")


def test_catalogue_holds_at_least_twelve_films_with_unique_ids() -> None:
    """
    The catalogue has at least 12 films, each with its own well-formed IMDb id.
    """
    ids = [film.imdb_id for film in FILMS]

    assert len(FILMS) >= 12
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"tt\d{7,8}", imdb_id) for imdb_id in ids)


@pytest.mark.parametrize("film", FILMS, ids=lambda film: f"{film.title}-{film.year}")
def test_plots_are_one_sentence_short_and_three_or_four_full(film: Film) -> None:
    """
    Short plots are one sentence; full plots are three or four, and longer.
    """
    assert len(SENTENCE_END.findall(film.plot_short)) == 1
    assert 3 <= len(SENTENCE_END.findall(film.plot_full)) <= 4
    assert len(film.plot_full) > len(film.plot_short)


def test_every_film_is_found_by_its_title_and_its_id() -> None:
    """
    Each film is reachable by IMDb id, and by title with its year.
    """
    for film in FILMS:
        assert find_by_imdb_id(film.imdb_id) is film
        assert find_by_title(film.title, year=str(film.year), kind=None) is film


def test_the_matrix_is_in_the_catalogue() -> None:
    """
    The Matrix, the film Meadow's examples use, is there with its real metadata.
    """
    film = find_by_title("The Matrix", year=None, kind="movie")

    assert film is not None
    assert (film.year, film.imdb_id, film.runtime_minutes) == (1999, "tt0133093", 136)
