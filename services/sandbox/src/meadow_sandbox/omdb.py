"""The OMDb stand-in: `GET /omdb/?t=...|i=...&apikey=...`, answered like OMDb."""

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import HTMLResponse, JSONResponse

from meadow_sandbox.catalogue import (
    NOT_AVAILABLE,
    Film,
    find_by_imdb_id,
    find_by_title,
)
from meadow_sandbox.deps import StateDep
from meadow_sandbox.faults import log_fault_applied
from meadow_sandbox.state import Fault, utc_now_iso

router = APIRouter(prefix="/omdb", tags=["omdb"])

OptionalParam = Annotated[str | None, Query()]

# What a proxy in front of OMDb serves when the origin is down: HTML, not JSON.
_UNAVAILABLE_PAGE = (
    "<html><head><title>503 Service Temporarily Unavailable</title></head>"
    "<body><center><h1>503 Service Temporarily Unavailable</h1></center>"
    "<hr><center>nginx</center></body></html>"
)
_FAULT_ERRORS = {
    "limit": "Request limit reached!",
    "invalid_key": "Invalid API key!",
}


@router.get("/")
@router.get("", include_in_schema=False)
async def lookup(
    request: Request,
    state: StateDep,
    apikey: OptionalParam = None,
    t: OptionalParam = None,
    i: OptionalParam = None,
    y: OptionalParam = None,
    kind: Annotated[str | None, Query(alias="type")] = None,
    plot: OptionalParam = None,
    s: OptionalParam = None,
) -> Response:
    """
    Look a film up by title (`t`) or IMDb id (`i`), as OMDb's API does.
    """
    received_at = utc_now_iso()
    fault = await state.take_fault("omdb")

    if fault is not None and fault.fault != "slow":
        status_code, body = _fault_answer(fault)
    else:
        status_code, body = _answer(
            apikey=apikey, title=t, imdb_id=i, year=y, kind=kind, plot=plot, search=s
        )

    state.omdb_requests.append(
        _request_record(request, status_code, body, fault, received_at)
    )
    if fault is not None:
        log_fault_applied(fault)
        if fault.delay_seconds:
            await asyncio.sleep(fault.delay_seconds)
    if isinstance(body, str):
        return HTMLResponse(body, status_code=status_code)
    return JSONResponse(body, status_code=status_code)


def _answer(
    *,
    apikey: str | None,
    title: str | None,
    imdb_id: str | None,
    year: str | None,
    kind: str | None,
    plot: str | None,
    search: str | None,
) -> tuple[int, dict[str, Any]]:
    if not (apikey or "").strip():
        return status.HTTP_401_UNAUTHORIZED, _error("No API key provided.")

    # OMDb gives `i` precedence over `t`, and treats empty values as absent.
    if imdb_id and imdb_id.strip():
        film = find_by_imdb_id(imdb_id)
        if film is None:
            return status.HTTP_200_OK, _error("Incorrect IMDb ID.")
    elif title and title.strip():
        film = find_by_title(title, year=year, kind=kind)
        if film is None:
            return status.HTTP_200_OK, _error(_not_found_message(kind))
    elif search and search.strip():
        return status.HTTP_200_OK, _error(
            "Search (s=) is not supported by the Meadow sandbox; use t= or i=."
        )
    else:
        return status.HTTP_200_OK, _error("Incorrect IMDb ID.")

    full = (plot or "").strip().lower() == "full"
    return status.HTTP_200_OK, film_payload(film, full_plot=full)


def _not_found_message(kind: str | None) -> str:
    if (kind or "").strip().lower() == "series":
        return "Series not found!"
    return "Movie not found!"


def _error(message: str) -> dict[str, Any]:
    return {"Response": "False", "Error": message}


def _fault_answer(fault: Fault) -> tuple[int, dict[str, Any] | str]:
    if fault.fault == "server_error":
        return status.HTTP_503_SERVICE_UNAVAILABLE, _UNAVAILABLE_PAGE
    return status.HTTP_401_UNAUTHORIZED, _error(_FAULT_ERRORS[fault.fault])


def film_payload(film: Film, *, full_plot: bool) -> dict[str, Any]:
    """
    Return a film as OMDb's JSON answer, fields in OMDb's order.
    """
    ratings = []
    if film.imdb_rating != NOT_AVAILABLE:
        ratings.append(
            {"Source": "Internet Movie Database", "Value": f"{film.imdb_rating}/10"}
        )
    if film.metascore != NOT_AVAILABLE:
        ratings.append({"Source": "Metacritic", "Value": f"{film.metascore}/100"})

    return {
        "Title": film.title,
        "Year": str(film.year),
        "Rated": film.rated,
        "Released": film.released,
        "Runtime": f"{film.runtime_minutes} min",
        "Genre": film.genre,
        "Director": film.director,
        "Writer": film.writer,
        "Actors": film.actors,
        "Plot": film.plot_full if full_plot else film.plot_short,
        "Language": film.language,
        "Country": film.country,
        "Awards": film.awards,
        # Real posters live on a CDN the offline stack cannot reach.
        "Poster": NOT_AVAILABLE,
        "Ratings": ratings,
        "Metascore": film.metascore,
        "imdbRating": film.imdb_rating,
        "imdbVotes": NOT_AVAILABLE,
        "imdbID": film.imdb_id,
        "Type": film.kind,
        "DVD": NOT_AVAILABLE,
        "BoxOffice": NOT_AVAILABLE,
        "Production": NOT_AVAILABLE,
        "Website": NOT_AVAILABLE,
        "Response": "True",
    }


def _request_record(
    request: Request,
    status_code: int,
    body: dict[str, Any] | str,
    fault: Fault | None,
    received_at: str,
) -> dict[str, Any]:
    params = dict(request.query_params)
    if params.get("apikey"):
        params["apikey"] = "***"
    return {
        "params": params,
        "status_code": status_code,
        "error": body.get("Error") if isinstance(body, dict) else None,
        "fault": fault.fault if fault is not None else None,
        "received_at": received_at,
    }
