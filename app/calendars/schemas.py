from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field

from app.schemas import CountryCode, Id, Input, ORMModel, ShortName
from wbs import limits

Weekday = Annotated[int, Field(ge=0, le=6)]


class ExceptionIn(Input):
    day: Annotated[dt.date, Field(ge=limits.PLAN_DATE_MIN, le=limits.PLAN_DATE_MAX)]
    working: bool = False
    note: Annotated[str, Field(max_length=200)] | None = None


class ExceptionRead(ORMModel):
    day: dt.date
    working: bool
    note: str | None


class CalendarCreate(Input):
    name: ShortName
    org_unit_id: Id | None = None
    holidays_country: CountryCode | None = None
    working_weekdays: Annotated[list[Weekday], Field(max_length=7)] = Field(
        default_factory=lambda: [0, 1, 2, 3, 4]
    )
    exceptions: Annotated[list[ExceptionIn], Field(max_length=2000)] = Field(default_factory=list)


class CalendarUpdate(Input):
    name: ShortName | None = None
    holidays_country: CountryCode | None = None
    working_weekdays: Annotated[list[Weekday], Field(max_length=7)] | None = None
    exceptions: Annotated[list[ExceptionIn], Field(max_length=2000)] | None = None


class CalendarRead(ORMModel):
    id: int
    name: str
    org_unit_id: int | None
    holidays_country: str | None
    working_weekdays: list[int]
    exceptions: list[ExceptionRead]
    version: int
