"""
One JSON shape for every error answer, and the handlers that produce it.

Map of what answers what:
- ApiError: raised by our own code, carries its status, code and problems.
- RequestValidationError: FastAPI parameter validation, answered as 422.
- Starlette HTTPException: routing errors (404, 405), answered with their status.
- Anything else is a JSON 500 (internal_error): answered by the request
  middleware, or, in a route FastAPI serves, by FastAPI's error middleware
  through the handler installed here; the request middleware logs it either way.
"""

from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException


class Problem(BaseModel):
    """
    One thing wrong with a request: which field (or header) and what is wrong.
    """

    field: str = Field(examples=["recipient_email"])
    problem: str = Field(examples=["is not a valid email address"])


class ErrorBody(BaseModel):
    """
    The body of every error answer.
    """

    error: str = Field(examples=["validation_failed"])
    message: str
    problems: list[Problem] = Field(default_factory=list)


class ApiError(HTTPException):
    """
    An error answer: status, machine-readable code, plain-words message, problems.
    """

    def __init__(
        self,
        status_code: int,
        error: str,
        message: str,
        *,
        problems: Iterable[Problem] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status_code, detail=message, headers=dict(headers or {}))
        self.error = error
        self.message = message
        self.problems = list(problems)

    def to_response(self) -> JSONResponse:
        """
        This error as a JSON answer in the shared shape.
        """
        return error_response(
            self.status_code,
            self.error,
            self.message,
            problems=self.problems,
            headers=self.headers,
        )


def error_response(
    status_code: int,
    error: str,
    message: str,
    *,
    problems: Iterable[Problem] = (),
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """
    Build an error answer in the one shape all errors share.
    """
    body = ErrorBody(error=error, message=message, problems=list(problems))
    return JSONResponse(
        body.model_dump(mode="json"), status_code=status_code, headers=headers
    )


def internal_error() -> JSONResponse:
    """
    The answer to a request the gateway failed on unexpectedly.
    """
    return error_response(
        500,
        "internal_error",
        "The gateway failed unexpectedly and accepted nothing. Retry; "
        "if it keeps failing, report the X-Request-ID.",
    )


def validation_failed(errors: Sequence[Mapping[str, Any]]) -> ApiError:
    """
    Turn pydantic error dicts into a 422 naming each field and its problem.
    """
    return ApiError(
        422,
        "validation_failed",
        "The request is not valid: fix each field listed in problems.",
        problems=[_problem(error) for error in errors],
    )


def _problem(error: Mapping[str, Any]) -> Problem:
    loc = [str(part) for part in error.get("loc", ()) if not isinstance(part, int)]
    if loc and loc[0] == "body":
        loc = loc[1:]
    return Problem(field=".".join(loc) or "body", problem=_describe(error))


def _describe(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not an accepted field"
    if kind == "string_type":
        return "must be a string"
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return "must not be empty or only whitespace"
    if kind == "string_too_short":
        return f"must have at least {ctx.get('min_length')} characters after trimming"
    if kind == "string_too_long":
        return f"must have at most {ctx.get('max_length')} characters after trimming"
    if kind == "json_invalid":
        return f"is not valid JSON ({ctx.get('error', 'parse error')})"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "must be a JSON object"
    msg = str(error.get("msg", "is not valid"))
    if msg.startswith("value is not a valid email address"):
        return msg.replace("value is not", "is not", 1)
    return msg.removeprefix("Value error, ")


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, ApiError):
        return exc.to_response()
    status_code = getattr(exc, "status_code", 500)
    headers = getattr(exc, "headers", None)
    message = str(getattr(exc, "detail", "")) or HTTPStatus(status_code).phrase
    if status_code == HTTPStatus.NOT_FOUND:
        message = (
            f"No route matches {request.url.path}; the routes are listed at /docs."
        )
    elif status_code == HTTPStatus.METHOD_NOT_ALLOWED:
        message = (
            f"{request.method} is not allowed on {request.url.path}; "
            "use a method from the Allow header."
        )
    code = HTTPStatus(status_code).phrase.lower().replace(" ", "_").replace("-", "_")
    return error_response(status_code, code, message, headers=headers)


async def _internal_error(_request: Request, _exc: Exception) -> JSONResponse:
    return internal_error()


async def _request_validation(_request: Request, exc: Exception) -> JSONResponse:
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    return validation_failed(errors).to_response()


def install_error_handlers(app: FastAPI) -> None:
    """
    Answer every handled error in the shared JSON shape instead of FastAPI's own.
    """
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _internal_error)


_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying.",
        "schema": {"type": "integer"},
    }
}

_RESPONSE_DOCS: dict[int, dict[str, Any]] = {
    400: {"description": "A header is malformed; problems names it."},
    401: {
        "description": "Missing or wrong bearer key (only when keys are configured).",
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
    },
    404: {"description": "Nothing is known under that id or address."},
    409: {
        "description": (
            "Another request with the same Idempotency-Key is still being sent. "
            "Retry after Retry-After seconds with the same key."
        ),
        "headers": _RETRY_AFTER,
    },
    413: {"description": "The body is larger than MAX_BODY_BYTES."},
    415: {"description": "The body is not sent as application/json."},
    422: {"description": "The JSON is malformed or a field is invalid."},
    503: {
        "description": "Inngest did not take the event: it was NOT accepted. Retry.",
        "headers": _RETRY_AFTER,
    },
}


def error_responses(
    *status_codes: int, described: Mapping[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """
    OpenAPI `responses` entries for the given error statuses, all using ErrorBody.

    described replaces the default description of some statuses.
    """
    responses: dict[int | str, dict[str, Any]] = {}
    for code in status_codes:
        entry = {"model": ErrorBody, **_RESPONSE_DOCS[code]}
        if described and code in described:
            entry["description"] = described[code]
        responses[code] = entry
    return responses
