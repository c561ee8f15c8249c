"""Pydantic building blocks shared by every domain's schemas.

- ``Text``/``ShortText``/``Name``: trimmed strings with a length limit and no control characters.
- ``MoneyIn``: a non-negative decimal with at most 2 places (strings preferred: "1234.50");
  ``SignedMoneyIn`` allows negatives. ``Decimal`` fields are written to JSON as strings.
- ``ORMModel``: read schemas built from ORM rows (``from_attributes``).
- ``Problem``: the RFC 9457 body, for OpenAPI documentation.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from wbs import limits


def _no_control_chars(value: str) -> str:
    if limits.has_control_characters(value):
        raise ValueError("control characters are not allowed")
    return value


Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=limits.NAME_MAX),
    AfterValidator(_no_control_chars),
]
ShortName = Annotated[  # names stored in 100 characters (calendars)
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=limits.SHORT_TEXT_MAX),
    AfterValidator(_no_control_chars),
]
Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=limits.TITLE_MAX),
    AfterValidator(_no_control_chars),
]
ShortText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=limits.SHORT_TEXT_MAX),
    AfterValidator(_no_control_chars),
]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
MoneyIn = Annotated[
    Decimal,
    Field(
        ge=0,
        max_digits=limits.MONEY_DIGITS,
        decimal_places=limits.MONEY_PLACES,
        allow_inf_nan=False,
    ),
]
SignedMoneyIn = Annotated[
    Decimal,
    Field(max_digits=limits.MONEY_DIGITS, decimal_places=limits.MONEY_PLACES, allow_inf_nan=False),
]
Percent = Annotated[int, Field(ge=0, le=limits.PERCENT_MAX)]
MAX_ID = limits.MAX_ID  # ids are 32-bit integers on PostgreSQL
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PlanDate = Annotated[dt.date, Field(ge=limits.PLAN_DATE_MIN, le=limits.PLAN_DATE_MAX)]
DurationDays = Annotated[int, Field(ge=0, le=limits.DURATION_DAYS_MAX)]
LagDays = Annotated[int, Field(ge=limits.LAG_DAYS_MIN, le=limits.LAG_DAYS_MAX)]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class Input(BaseModel):
    """Request bodies: unknown fields are refused (no mass assignment of ids or versions)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ORMModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[dict[str, Any]] | None = None


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}}
    for status in (400, 401, 403, 404, 409, 412, 413, 422, 428)
}
