from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from app.schemas import Id, Input, Name, ORMModel, ShortText

Role = Literal["pmo", "lead", "member", "finance", "viewer"]
Username = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_.@-]{2,80}$")
]
Password = Annotated[str, StringConstraints(min_length=8, max_length=200)]


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
    days: Annotated[int, Field(ge=1, le=3650)] = 90


class TokenRead(ORMModel):
    id: int
    kind: str
    name: str | None
    expires_at: datetime
    revoked_at: datetime | None
    created_at: datetime


class TokenIssued(TokenRead):
    token: str  # the secret, shown once
