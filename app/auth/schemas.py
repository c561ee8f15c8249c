from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from app.schemas import Id, Input, Name, ORMModel, ShortText

Role = Literal["pmo", "lead", "member", "finance", "viewer"]
Username = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_.@-]{2,80}$")
]
# the policy (at least 12 characters, not guessable) is app.auth.passwords.check_password's
Password = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class UserCreate(Input):
    username: Username
    display_name: Name
    display_name_en: Name | None = None
    password: Password | None = None
    role: Role = "viewer"
    org_unit_id: Id | None = None
    person_id: Id | None = None


class UserUpdate(Input):
    display_name: Name | None = None
    display_name_en: Name | None = None
    password: Password | None = None
    role: Role | None = None
    org_unit_id: Id | None = None
    person_id: Id | None = None
    active: bool | None = None


class UserRead(ORMModel):
    id: int
    username: str
    display_name: str
    display_name_en: str | None
    role: str
    org_unit_id: int | None
    person_id: int | None
    active: bool
    version: int


class TokenCreate(Input):
    name: ShortText | None = None
    # default: KAMPMO_TOKEN_DAYS, at most the PMO's token_max_days (GET /security-policy)
    days: Annotated[int, Field(ge=1, le=3650)] | None = None
    # minting needs a fresh sign-in: a login session younger than KAMPMO_FRESH_LOGIN_MINUTES,
    # or the caller's password here
    password: Password | None = None


class PasswordChange(Input):
    current_password: Password
    new_password: Password


class SecurityPolicyRead(ORMModel):
    token_max_days: int
    revoke_tokens_on_password_change: bool
    version: int


class SecurityPolicyUpdate(Input):
    token_max_days: Annotated[int, Field(ge=1, le=3650)] | None = None
    revoke_tokens_on_password_change: bool | None = None


class LoginThrottleRead(ORMModel):
    id: int
    kind: str
    username: str | None
    address: str | None
    failures: int
    last_failure_at: datetime | None
    blocked_until: datetime | None


class TokenRead(ORMModel):
    id: int
    kind: str
    name: str | None
    expires_at: datetime
    revoked_at: datetime | None
    created_at: datetime


class TokenIssued(TokenRead):
    token: str  # the secret, shown once
