"""The limits of what kampmo stores, stated once for every way in.

The API's request schemas (``app/schemas.py``, ``app/tasks/schemas.py``, ``app/bids/schemas.py``)
take their bounds from the constants here, and the plan importer (JSON plan, MSPDI, PSPLIB)
runs ``check_plan`` on the parsed plan before anything is stored, so a value refused through
``POST /dependencies`` is refused in an uploaded file too. Nothing is truncated: a value over a
limit is an error naming the field, never cut to fit.

The readers in ``wbs.formats`` stay permissive (``kampmo schedule`` reads any file MS Project
writes); these are the limits of the database and of the plans kampmo keeps.

Example
-------
>>> from wbs.plan import Plan, Task
>>> check_plan(Plan(name="ok", start=date(2027, 1, 4), tasks=[Task("t1", "a", 3)]))
>>> check_plan(Plan(name="x", start=date(9999, 1, 4)))
Traceback (most recent call last):
...
wbs.limits.LimitError: start: must be a date from 1990-01-01 to 2200-12-31, not 9999-01-04
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from wbs.plan import Link, Plan, PlanTime, Task

# --- the limits ------------------------------------------------------------------------------

PLAN_DATE_MIN = date(1990, 1, 1)
PLAN_DATE_MAX = date(2200, 12, 31)
DURATION_DAYS_MAX = 10_000  # working days of one task
LAG_DAYS_MIN = -10_000
LAG_DAYS_MAX = 10_000
NAME_MAX = 200  # people, accounts, stakeholders, org units
TITLE_MAX = 300  # bids, tasks
SHORT_TEXT_MAX = 100  # calendar names, product lines, short labels
ROLE_MAX = 30  # a task's KAM role
MAX_ID = 2_147_483_647  # ids are 32-bit integers on PostgreSQL
MONEY_DIGITS = 18  # NUMERIC(18, 2)
MONEY_PLACES = 2
PERCENT_MAX = 100
TASKS_PER_BID = 5_000  # defaults of the service settings (KAMPMO_MAX_...)
LINKS_PER_TASK = 200
WBS_DEPTH = 12
MINUTES_PER_DAY = 480  # a minute plan's working day, when a plan becomes a bid
ELAPSED_DAY_MINUTES = 1440

# C0 controls except tab, line feed and carriage return, and DEL (ESC is \x1b)
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class LimitError(ValueError):
    """A value over one of the limits; ``field`` is its path (``tasks[3].name``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# --- single values ---------------------------------------------------------------------------


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None


def check_text(text: str, field: str, max_length: int) -> str:
    """``text`` trimmed, if it holds no control character and at most ``max_length``."""
    value = text.strip()
    if has_control_characters(value):
        raise LimitError(field, "control characters are not allowed")
    if len(value) > max_length:
        raise LimitError(field, f"at most {max_length} characters, not {len(value)}")
    return value


def check_date(value: PlanTime | None, field: str) -> None:
    if value is None or isinstance(value, int):
        return
    day = value.date() if isinstance(value, datetime) else value
    if not PLAN_DATE_MIN <= day <= PLAN_DATE_MAX:
        raise LimitError(
            field, f"must be a date from {PLAN_DATE_MIN} to {PLAN_DATE_MAX}, not {day}"
        )


def check_range(value: int, field: str, low: int, high: int) -> None:
    if not low <= value <= high:
        raise LimitError(field, f"must be from {low} to {high}, not {value}")


def check_money(amount: Decimal | None, field: str) -> None:
    if amount is None:
        return
    if not amount.is_finite() or amount < 0:
        raise LimitError(field, "must be a non-negative amount")
    exponent = amount.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    digits = len(amount.as_tuple().digits)
    if places > MONEY_PLACES or digits - places > MONEY_DIGITS - MONEY_PLACES:
        raise LimitError(field, f"at most {MONEY_DIGITS} digits, {MONEY_PLACES} after the point")


# --- plan units to stored days ---------------------------------------------------------------


def plan_days(value: int, unit: str, *, round_up: bool) -> int:
    """A plan's duration in working days (minute plans: 8-hour days; periods count as days)."""
    if unit != "minute":
        return int(value)
    days = value / MINUTES_PER_DAY
    return math.ceil(days) if round_up else round(days)


def link_lag_days(link: Link, unit: str) -> int:
    """A link's lag in days: working days, or for an elapsed lag (calendar minutes) days."""
    if link.lag_elapsed:
        return round(link.lag / ELAPSED_DAY_MINUTES)
    return plan_days(link.lag, unit, round_up=False)


# --- a whole plan ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanLimits:
    """The per-bid limits (the service passes its settings)."""

    tasks_per_bid: int = TASKS_PER_BID
    links_per_task: int = LINKS_PER_TASK
    wbs_depth: int = WBS_DEPTH


def _check_task(task: Task, where: str, unit: str) -> None:
    check_text(task.name, f"{where}.name", TITLE_MAX)
    duration = plan_days(task.duration, unit, round_up=True)
    check_range(duration, f"{where}.duration_days", 0, DURATION_DAYS_MAX)
    if task.remaining_duration is not None:
        remaining = plan_days(task.remaining_duration, unit, round_up=True)
        check_range(remaining, f"{where}.remaining_days", 0, DURATION_DAYS_MAX)
    for key in ("deadline", "actual_start", "actual_finish"):
        check_date(getattr(task, key), f"{where}.{key}")
    if task.constraint is not None:
        check_date(task.constraint.date, f"{where}.constraint.date")
    if not 0 <= task.percent_complete <= PERCENT_MAX:
        raise LimitError(f"{where}.percent_complete", "must be from 0 to 100")
    if task.role is not None:
        check_text(task.role, f"{where}.role", ROLE_MAX)
    if task.owner is not None and task.owner.isdigit() and int(task.owner) > MAX_ID:
        raise LimitError(f"{where}.owner", f"a person id is at most {MAX_ID}")
    check_money(task.budget, f"{where}.budget")


def _depths(tasks: Iterable[Task]) -> dict[str, int]:
    """Each task's WBS level (1 for a root task)."""
    parents = {task.id: task.parent for task in tasks}
    depth: dict[str, int] = {}
    for task_id in parents:
        chain: list[str] = []
        current: str | None = task_id
        while current is not None and current not in depth:
            if current in chain:
                raise LimitError("tasks", f"task {current!r} is its own ancestor")
            chain.append(current)
            current = parents.get(current)
        base = 0 if current is None else depth[current]
        for offset, member in enumerate(reversed(chain), start=1):
            depth[member] = base + offset
    return depth


def check_plan(plan: Plan, limits: PlanLimits | None = None) -> None:
    """Refuse a plan that breaks any limit, naming the first offending field.

    Raises
    ------
    LimitError
        ``tasks[3].name: control characters are not allowed``, ``start: must be a date ...``.
    """
    limits = limits or PlanLimits()
    check_text(plan.name, "name", TITLE_MAX)
    for key in ("start", "status_date", "finish_deadline"):
        check_date(getattr(plan, key), key)
    if len(plan.tasks) > limits.tasks_per_bid:
        raise LimitError("tasks", f"a bid may hold at most {limits.tasks_per_bid} tasks")
    for position, task in enumerate(plan.tasks):
        _check_task(task, f"tasks[{position}]", plan.unit)
    for task_id, level in _depths(plan.tasks).items():
        if level > limits.wbs_depth:
            raise LimitError(
                "tasks", f"task {task_id!r}: the WBS may be at most {limits.wbs_depth} levels deep"
            )
    per_task: dict[str, int] = {}
    for position, link in enumerate(plan.links):
        check_range(
            link_lag_days(link, plan.unit),
            f"links[{position}].lag_days",
            LAG_DAYS_MIN,
            LAG_DAYS_MAX,
        )
        for end in (link.predecessor, link.successor):
            per_task[end] = per_task.get(end, 0) + 1
            if per_task[end] > limits.links_per_task:
                raise LimitError(
                    f"links[{position}]",
                    f"task {end!r} has more than {limits.links_per_task} links",
                )
