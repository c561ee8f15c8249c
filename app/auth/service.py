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
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import ROLES, TOKEN_KINDS, ApiToken, User
from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound
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
) -> User:
    """Create a user (flushed, not committed). Raises ``Conflict`` if the username is taken."""
    if role not in ROLES:
        raise Invalid.field("role", f"must be one of {', '.join(ROLES)}")
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


def get_user_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, or None."""
    user = get_user_by_username(session, username)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        return None
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
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    # one query for token and user: this runs first in every authenticated request
    statement = (
        select(User)
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
    return session.scalar(statement)


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
