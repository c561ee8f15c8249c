"""Request and response bodies of ``/api/v1/resources`` (units are person-days, not money)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from app.schemas import Id, Input


class LoadItem(BaseModel):
    """One person on one day (``date``) or in one ISO week (``week``, its Monday).

    ``load`` is ``committed`` or ``weighted`` as asked; ``capacity`` is per day, or per week
    (5 working days)."""

    person_id: int
    person_name: str
    date: dt.date | None = None
    week: dt.date | None = None
    load: float
    committed: float
    weighted: float
    capacity: float
    over_allocated: bool


class ConflictTask(BaseModel):
    """A task in a conflict; ids and names are null for bids the caller may not read."""

    bid_id: int | None
    bid_title: str | None
    task_id: int | None
    task_name: str | None
    units: float


class ConflictItem(BaseModel):
    person_id: int
    person_name: str
    first_day: dt.date
    last_day: dt.date
    days: int
    peak_excess: float
    excess_unit_days: float
    bid_ids: list[int]
    other_bids: int
    tasks: list[ConflictTask]


class LoadPage(BaseModel):
    items: list[LoadItem]
    total: int


class ConflictPage(BaseModel):
    items: list[ConflictItem]
    total: int


class ProposalRequest(Input):
    """Which bids may move (null: every open bid) and from which day (default: today)."""

    bid_ids: list[Id] | None = Field(default=None, max_length=5000)
    level_from: dt.date | None = None


class ProposedMove(BaseModel):
    bid_id: int
    task_id: int
    task_name: str | None
    old_start: dt.date
    new_start: dt.date
    shift_days: int
    reason: Literal["within_float", "delay_lower_priority", "delay_own_bid"]
    detail: str


class DeadlineBreachWarning(BaseModel):
    bid_id: int
    bid_title: str
    submission_deadline: dt.date
    new_finish: dt.date
    days_late: int  # calendar days
    working_days_late: int  # on the bid's calendar
    warning: str


class Proposal(BaseModel):
    """Send ``fingerprint``, ``bid_ids``, ``level_from`` and the moves back to accept it."""

    fingerprint: str
    bid_ids: list[int] | None
    level_from: dt.date
    moves: list[ProposedMove]
    deadline_breaches: list[DeadlineBreachWarning]
    conflicts_before: int
    remaining: list[ConflictItem]


class MoveToApply(Input):
    task_id: Id
    new_start: dt.date


class AcceptRequest(Input):
    fingerprint: str = Field(min_length=1, max_length=100)
    bid_ids: list[Id] | None = Field(default=None, max_length=5000)
    level_from: dt.date
    moves: list[MoveToApply] = Field(max_length=100_000)


class AppliedMove(BaseModel):
    task_id: int
    new_start: dt.date


class Accepted(BaseModel):
    applied: list[AppliedMove]
    bid_ids: list[int]
    conflicts: list[ConflictItem]
