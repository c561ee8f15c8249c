"""Refuse a caller before their request body is judged.

FastAPI validates a request's body before the operation's own code runs, so left alone a caller
who may not make a write at all would first be told what is wrong with their body (422), and
only once it is right be refused (401/403/404): the order of answers would tell an outsider
which operations and objects they could reach by trying. The rule here is that a refusal that
does not depend on the body comes first, whatever the body holds.

Every operation that takes a body names its **guard** with ``@guarded(...)``: the checks that
need only the caller and the path (role, access to the bid or account in the path). When a body
(or a query/path parameter) fails validation, the 422 handler (``app.errors``) asks
``refusal(request)`` first: no credentials give 401, a guard that refuses gives its own 403 or
404, and only a caller the guard lets through gets the 422. On a valid request the operation's
own checks run as before (the guard repeats a subset of them; ``tests/app/test_guards.py`` sends
a malformed body to every operation x role x own/other cell of the authorization matrix and
expects the matrix's refusal, or 422, so a guard that drifts from its operation fails there).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker

from app.auth.deps import optional_user, require_role
from app.auth.models import User
from app.errors import DomainError, Unauthorized

Guard = Callable[[Session, User, Mapping[str, int]], object]
F = TypeVar("F", bound=Callable[..., Any])
GUARD_ATTRIBUTE = "__kampmo_guard__"


def guarded(check: Guard) -> Callable[[F], F]:
    """Name ``check(session, user, path_ids)`` as the guard of the decorated operation; it
    raises the ``DomainError`` the caller gets whatever their body holds."""

    def mark(endpoint: F) -> F:
        setattr(endpoint, GUARD_ATTRIBUTE, check)
        return endpoint

    return mark


def guard_of(endpoint: Callable[..., Any] | None) -> Guard | None:
    return getattr(endpoint, GUARD_ATTRIBUTE, None)


# --- the usual guards ---------------------------------------------------------------------


def signed_in(session: Session, user: User, ids: Mapping[str, int]) -> None:
    """Anyone signed in may try; the operation decides from the body."""


def roles(*allowed: str) -> Guard:
    def check(session: Session, user: User, ids: Mapping[str, int]) -> None:
        require_role(user, *allowed)

    return check


def bid_access(*, write: bool = False, allowed: tuple[str, ...] | None = None) -> Guard:
    """The bid in the path (``{bid}``) must be readable (404), with ``write`` writable (403);
    with ``allowed`` the caller's role must be one of them (403, after the 404)."""
    from app.auth.permissions import require_bid

    def check(session: Session, user: User, ids: Mapping[str, int]) -> None:
        require_bid(session, user, ids["bid"], write=write, lock=False)
        if allowed is not None:
            require_role(user, *allowed)

    return check


# --- the 422 handler's question -----------------------------------------------------------


def _path_ids(params: Mapping[str, Any]) -> dict[str, int]:
    """The path's parameters that are valid ids (others, like a gate's stage, are left out)."""
    return {
        name: int(str(value))
        for name, value in params.items()
        if str(value).isdigit() and 0 < int(str(value)) < 2**31
    }


def refusal(request: Request) -> DomainError | None:
    """The error a caller gets before the 422 of their invalid request, if any."""
    guard = guard_of(request.scope.get("endpoint"))
    if guard is None:
        return None
    factory: sessionmaker[Session] = request.app.state.session_factory
    with factory() as session:
        try:
            user = optional_user(request, session)
            if user is None:
                return Unauthorized("a valid bearer token or login session is required")
            guard(session, user, _path_ids(request.path_params))
        except KeyError:  # an id of the path is itself invalid: the 422 says so
            return None
        except DomainError as error:
            return error
        finally:
            session.rollback()
    return None
