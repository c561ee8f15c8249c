"""``CurrentUser``: the caller, from ``Authorization: Bearer`` or the ``kampmo_session`` cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.auth.models import ApiToken, User
from app.auth.service import resolve_credential
from app.db import SessionDep
from app.errors import Forbidden, Unauthorized

SESSION_COOKIE = "kampmo_session"


def optional_user(request: Request, session: SessionDep) -> User | None:
    """The authenticated caller, or None (pages use this to redirect to /login). The token
    used is kept as ``request.state.credential`` (minting a token asks how fresh it is)."""
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    found = None
    if scheme.lower() == "bearer" and credentials.strip():
        found = resolve_credential(session, credentials.strip())
    elif cookie := request.cookies.get(SESSION_COOKIE):
        found = resolve_credential(session, cookie, kind="session")
    if found is None:
        return None
    request.state.credential = found[1]
    return found[0]


def credential_of(request: Request) -> ApiToken | None:
    """The token (API token or login session) the request was authenticated with."""
    return getattr(request.state, "credential", None)


async def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    # async: no database work here, so no hop to the thread pool
    if user is None:
        raise Unauthorized("a valid bearer token or login session is required")
    return user


CurrentUser = Annotated[User, Depends(current_user)]
OptionalUser = Annotated[User | None, Depends(optional_user)]


def require_role(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise Forbidden(f"this needs one of the roles: {', '.join(roles)}")
