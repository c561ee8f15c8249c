"""Users, passwords (argon2) and tokens (random secrets stored as sha256 hashes).

Tokens look like ``kmp_<43 url-safe chars>``; only their sha256 is stored, so a database leak
gives no usable token. API tokens and page login sessions share the table (``kind``).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import throttle
from app.auth.models import ROLES, TOKEN_KINDS, ApiToken, SecurityPolicy, User
from app.auth.passwords import check_password
from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound, TooManyRequests
from app.settings import get_settings

_hasher = PasswordHasher()
TOKEN_PREFIX = "kmp_"  # noqa: S105 (a prefix, not a secret)
# verified against when the user does not exist, so timing does not reveal usernames
_DUMMY_HASH = _hasher.hash("kampmo-dummy-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_user(
    session: Session,
    username: str,
    display_name: str,
    *,
    role: str = "viewer",
    password: str | None = None,
    display_name_en: str | None = None,
    org_unit_id: int | None = None,
    person_id: int | None = None,
    enforce_policy: bool = True,
) -> User:
    """Create a user (flushed, not committed). Raises ``Conflict`` if the username is taken.

    The password passes the policy (``app.auth.passwords``) unless ``enforce_policy`` is off,
    which only the demo loader does for its documented demo password.
    """
    if role not in ROLES:
        raise Invalid.field("role", f"must be one of {', '.join(ROLES)}")
    if password and enforce_policy:
        check_password(password, user_inputs=(username, display_name, display_name_en or ""))
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"username {username!r} is taken")
    user = User(
        username=username,
        display_name=display_name,
        display_name_en=display_name_en,
        role=role,
        org_unit_id=org_unit_id,
        person_id=person_id,
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.flush()
    return user


def security_policy(session: Session) -> SecurityPolicy:
    """The PMO's sign-in policy (a default row, not stored, when the PMO never set one)."""
    policy = session.scalar(select(SecurityPolicy).order_by(SecurityPolicy.id).limit(1))
    if policy is None:
        return SecurityPolicy(
            token_max_days=get_settings().token_days, revoke_tokens_on_password_change=True
        )
    return policy


def end_sessions(session: Session, user: User, *, tokens: bool) -> int:
    """Revoke every login session of ``user`` and, with ``tokens``, every API token; returns
    how many were revoked."""
    statement = select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    if not tokens:
        statement = statement.where(ApiToken.kind == "session")
    now = utcnow()
    revoked = list(session.scalars(statement))
    for token in revoked:
        token.revoked_at = now
    session.flush()
    return len(revoked)


def set_password(session: Session, user: User, password: str) -> int:
    """A new password (checked against the policy) ends the user's sessions and, by the
    PMO's policy, their API tokens; returns how many credentials were revoked."""
    check_password(
        password, user_inputs=(user.username, user.display_name, user.display_name_en or "")
    )
    user.password_hash = hash_password(password)
    return end_sessions(
        session, user, tokens=security_policy(session).revoke_tokens_on_password_change
    )


def cap_token_lifetimes(session: Session, max_days: int) -> int:
    """Shorten the live API tokens that outlive ``max_days`` from their creation."""
    now = utcnow()
    statement = select(ApiToken).where(
        ApiToken.kind == "api", ApiToken.revoked_at.is_(None), ApiToken.expires_at > now
    )
    capped = 0
    for token in session.scalars(statement):
        latest = token.created_at + timedelta(days=max_days)
        if token.expires_at > latest:
            token.expires_at = max(latest, now)
            capped += 1
    session.flush()
    return capped


def get_user_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, or None."""
    user = get_user_by_username(session, username)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        return None
    return user


def client_address(request: Request) -> str:
    """The caller's address as the server sees it (behind a proxy, run uvicorn with
    ``--proxy-headers`` and ``--forwarded-allow-ips`` so it is the client's)."""
    return request.client.host if request.client is not None else "unknown"


def sign_in(request: Request, session: Session, username: str, password: str) -> User | None:
    """``authenticate`` behind the sign-in throttle (``app.auth.throttle``): 429 while the
    username or the address is backed off (the password is then not even checked); a failure
    is counted, a success clears the pair and the account."""
    address = client_address(request)
    wait = throttle.retry_after(session, username, address)
    if wait is not None:
        raise TooManyRequests(
            f"too many failed sign-ins: try again in {wait} s "
            f"(登录失败次数过多，请 {wait} 秒后再试)",
            retry_after=wait,
        )
    user = authenticate(session, username, password)
    if user is None:
        throttle.record_failure(session, username, address)
        return None
    throttle.record_success(session, username, address)
    return user


def issue_token(
    session: Session,
    user: User,
    kind: str = "api",
    *,
    name: str | None = None,
    lifetime: timedelta | None = None,
) -> str:
    """A new token for ``user``; returns the secret (shown once; only its hash is stored)."""
    if kind not in TOKEN_KINDS:
        raise Invalid.field("kind", f"must be one of {', '.join(TOKEN_KINDS)}")
    settings = get_settings()
    if lifetime is None:
        lifetime = (
            timedelta(hours=settings.session_hours)
            if kind == "session"
            else timedelta(days=settings.token_days)
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user_id=user.id,
            kind=kind,
            name=name,
            token_hash=hash_token(secret),
            expires_at=utcnow() + lifetime,
        )
    )
    session.flush()
    return secret


def resolve_token(session: Session, secret: str, kind: str | None = None) -> User | None:
    """The active user owning this unexpired, unrevoked token, or None."""
    found = resolve_credential(session, secret, kind)
    return found[0] if found is not None else None


def resolve_credential(
    session: Session, secret: str, kind: str | None = None
) -> tuple[User, ApiToken] | None:
    """The active user owning this unexpired, unrevoked token, and the token; or None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    # one query for token and user: this runs first in every authenticated request
    statement = (
        select(User, ApiToken)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(
            ApiToken.token_hash == hash_token(secret),
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > utcnow(),
            User.active.is_(True),
        )
    )
    if kind is not None:
        statement = statement.where(ApiToken.kind == kind)
    row = session.execute(statement).first()
    return (row[0], row[1]) if row is not None else None


def revoke_token(session: Session, token_id: int, *, user: User | None = None) -> ApiToken:
    """Revoke a token (only the owner's when ``user`` is given)."""
    token = session.get(ApiToken, token_id)
    if token is None or (user is not None and token.user_id != user.id):
        raise NotFound(f"token {token_id} not found")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    session.flush()
    return token


def revoke_secret(session: Session, secret: str) -> None:
    """Revoke the token with this secret (logout); unknown secrets are ignored."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
