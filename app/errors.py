"""Domain errors and the one handler set that turns every error into RFC 9457 problem+json.

Services raise the domain errors below; ``install_error_handlers(app)`` maps them, Pydantic
validation errors, Starlette/FastAPI HTTP errors, ``wbs.network.PlanError`` (422; a
``CycleError`` names its cycle in ``detail`` and lists it in ``cycle``) and SQLAlchemy
integrity/stale-data errors into ``application/problem+json`` bodies:
``{"type", "title", "status", "detail", "instance"}`` plus ``errors`` for field errors.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("kampmo.errors")


class DomainError(Exception):
    """Base of the errors services raise; ``status`` is the HTTP status it maps to."""

    status: int = 400
    title: str = "Bad request"

    def __init__(self, detail: str = "", **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class Unauthorized(DomainError):
    status = 401
    title = "Authentication required"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class PreconditionFailed(DomainError):
    """The If-Match ETag is stale: someone else wrote the resource first."""

    status = 412
    title = "Precondition failed"


class PreconditionRequired(DomainError):
    """A write to an existing resource came without If-Match."""

    status = 428
    title = "Precondition required"


class TooManyRequests(DomainError):
    """Throttled (``app.auth.throttle``); ``retry_after`` seconds go out as ``Retry-After``."""

    status = 429
    title = "Too many requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.retry_after = retry_after


class PayloadTooLarge(DomainError):
    status = 413
    title = "Payload too large"


class Invalid(DomainError):
    """Bad input; ``errors`` lists ``{"field": "a.b", "message": "..."}`` items."""

    status = 422
    title = "Invalid input"

    def __init__(
        self, detail: str = "", errors: Sequence[dict[str, Any]] = (), **extra: Any
    ) -> None:
        super().__init__(detail or "the input is not valid", **extra)
        self.errors = list(errors)

    @classmethod
    def field(cls, field: str, message: str) -> Invalid:
        return cls(f"{field}: {message}", errors=[{"field": field, "message": message}])


def problem(
    request: Request,
    status: int,
    detail: str,
    *,
    title: str | None = None,
    errors: Sequence[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem+json response (RFC 9457)."""
    phrase = title or HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": f"https://kampmo.dev/problems/{phrase.lower().replace(' ', '-')}",
        "title": phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors:
        body["errors"] = list(errors)
    body.update(extra)
    return JSONResponse(
        jsonable_encoder(body), status_code=status, media_type=PROBLEM_JSON, headers=headers
    )


def _field_path(location: Sequence[Any]) -> str:
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or ".".join(str(p) for p in location)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    errors = exc.errors if isinstance(exc, Invalid) else None
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
    if isinstance(exc, TooManyRequests):
        headers = {"Retry-After": str(exc.retry_after)}
    return problem(
        request,
        exc.status,
        exc.detail,
        title=exc.title,
        errors=errors,
        headers=headers,
        **exc.extra,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 with one entry per invalid field, unless the caller is refused whatever they send
    (``app.guards``: the hook ``app.state.refusal_before_validation``)."""
    assert isinstance(exc, RequestValidationError)
    refusal_of = getattr(request.app.state, "refusal_before_validation", None)
    refused = refusal_of(request) if refusal_of is not None else None
    if refused is not None:
        return await _domain_error(request, refused)
    errors = [
        {
            "field": _field_path(err.get("loc", ())),
            "message": str(err.get("msg", "")),
            "type": err.get("type"),
        }
        for err in exc.errors()
    ]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return problem(request, 422, detail or "invalid input", title="Invalid input", errors=errors)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    return problem(request, exc.status_code, detail, headers=getattr(exc, "headers", None))


async def _plan_error(request: Request, exc: Exception) -> JSONResponse:
    cycle = getattr(exc, "cycle", None)
    extra: dict[str, Any] = {"cycle": [str(t) for t in cycle]} if cycle is not None else {}
    return problem(request, 422, str(exc), title="Invalid plan", **extra)


async def _stale_data(request: Request, exc: Exception) -> JSONResponse:
    return problem(
        request,
        412,
        "the resource was changed by someone else; reload it",
        title="Precondition failed",
    )


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    log.info("integrity error: %s", exc)
    return problem(request, 409, "the change conflicts with existing data", title="Conflict")


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s", request.url.path)
    return problem(request, 500, "internal error")


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``; every error becomes problem+json."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(StaleDataError, _stale_data)
    app.add_exception_handler(IntegrityError, _integrity_error)
    try:
        from wbs.network import PlanError
    except ImportError:  # the engine is being written; plan errors fall back to 500 until then
        pass
    else:
        app.add_exception_handler(PlanError, _plan_error)
    app.add_exception_handler(Exception, _unexpected)
