"""Users and their tokens (API tokens and page login sessions, stored as sha256 hashes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

ROLES = ("pmo", "lead", "member", "finance", "viewer")
TOKEN_KINDS = ("api", "session")


class User(Base):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    display_name_en: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10), default="viewer")
    org_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_units.id", ondelete="SET NULL"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), unique=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="api")
    name: Mapped[str | None] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class LoginThrottle(Base):
    """Failed sign-ins counted under one key (``app.auth.throttle``): a (username, address)
    pair, an address, or a username; ``blocked_until`` is when the back-off ends."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # pair | address | account
    username: Mapped[str | None] = mapped_column(String(200), index=True)
    address: Mapped[str | None] = mapped_column(String(100))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None]
    blocked_until: Mapped[datetime | None]
    # a pair that signed in successfully: the account-wide back-off does not apply to it
    trusted_until: Mapped[datetime | None]


class SecurityPolicy(Base):
    """The PMO's sign-in policy; one row at most, no row means the defaults."""

    __tablename__ = "security_policies"

    token_max_days: Mapped[int] = mapped_column(Integer, default=90)
    # a password change or a disabled user also revokes the user's API tokens (sessions always)
    revoke_tokens_on_password_change: Mapped[bool] = mapped_column(Boolean, default=True)
