"""The plain data of a plan: tasks, links, constraints, resources.

Everything in ``wbs`` takes and returns these dataclasses; nothing here knows about HTTP or
databases. Durations and lags are integers in the plan's *working-time unit*:

- ``"day"``: working days (kampmo JSON plans, bids in the service);
- ``"minute"``: working minutes (MS Project files);
- ``"period"``: abstract integer periods with no calendar (PSPLIB).

Dates are ``datetime.date`` for day plans, naive local ``datetime.datetime`` for minute plans and
plain ``int`` periods for period plans.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

TimeUnit = Literal["day", "minute", "period"]
PlanTime = date | datetime | int


class LinkType(StrEnum):
    """Dependency types: the first letter is the predecessor's end, the second the successor's."""

    FS = "FS"
    SS = "SS"
    FF = "FF"
    SF = "SF"


class ConstraintType(StrEnum):
    """Date constraints, named as MS Project and Primavera name them."""

    ASAP = "ASAP"  # as soon as possible (default)
    ALAP = "ALAP"  # as late as possible
    SNET = "SNET"  # start no earlier than
    SNLT = "SNLT"  # start no later than
    FNET = "FNET"  # finish no earlier than
    FNLT = "FNLT"  # finish no later than
    MSO = "MSO"  # must start on
    MFO = "MFO"  # must finish on


@dataclass(frozen=True, slots=True)
class Constraint:
    type: ConstraintType
    date: PlanTime | None = None


@dataclass(slots=True)
class Task:
    """A WBS element: a summary (has children), a task, or a milestone (duration 0)."""

    id: str
    name: str
    duration: int = 0
    parent: str | None = None
    is_summary: bool = False
    milestone: bool | None = None  # None: a task is a milestone when its duration is 0
    wbs_code: str | None = None
    constraint: Constraint | None = None
    deadline: PlanTime | None = None  # a finish deadline; missing it gives negative float
    calendar: str | None = None  # overrides the plan's calendar for this task
    actual_start: PlanTime | None = None
    actual_finish: PlanTime | None = None
    percent_complete: float = 0.0  # 0..100, physical progress of the duration
    remaining_duration: int | None = None
    resources: dict[str, int] = field(default_factory=dict)  # resource id -> units used
    owner: str | None = None
    role: str | None = None
    budget: Decimal | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # format-specific fields to round-trip

    @property
    def is_milestone(self) -> bool:
        if self.milestone is not None:
            return self.milestone
        return self.duration == 0 and not self.is_summary


@dataclass(frozen=True, slots=True)
class Link:
    """A dependency. ``lag`` is in the plan's unit, or in elapsed minutes when ``lag_elapsed``."""

    predecessor: str
    successor: str
    type: LinkType = LinkType.FS
    lag: int = 0
    lag_elapsed: bool = False


@dataclass(frozen=True, slots=True)
class Resource:
    id: str
    name: str = ""
    capacity: int = 1


@dataclass(frozen=True, slots=True)
class CalendarSpec:
    """A working-time calendar as plain data (as read from a file or the database).

    ``weekly`` maps a weekday (0 = Monday) to its working intervals in minutes after midnight,
    e.g. ``((480, 720), (780, 1020))`` for 08:00-12:00 and 13:00-17:00; a missing weekday is
    non-working. ``exceptions`` overrides single dates the same way (an empty tuple = holiday,
    intervals = a make-up working day). ``holidays_country`` names a country whose statutory
    holidays and make-up working days (from the ``holidays`` package) apply on top, e.g. "CN".
    """

    name: str
    weekly: dict[int, tuple[tuple[int, int], ...]]
    exceptions: dict[date, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    holidays_country: str | None = None
    base: str | None = None  # a derived calendar falls back to its base for unset weekdays


@dataclass(slots=True)
class Plan:
    name: str
    start: PlanTime
    tasks: list[Task] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    unit: TimeUnit = "day"
    calendar: str | None = None  # a name in ``calendars`` or a built-in one ("CN", "US", ...)
    calendars: dict[str, CalendarSpec] = field(default_factory=dict)
    status_date: PlanTime | None = None
    finish_deadline: PlanTime | None = None  # e.g. a bid's submission deadline
    extra: dict[str, Any] = field(default_factory=dict)

    def task_index(self) -> dict[str, Task]:
        return {task.id: task for task in self.tasks}
