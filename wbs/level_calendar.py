"""The leveling timeline of day and minute plans: positions through the plan's calendar.

Position 0 is the first working unit at or after ``plan.start``. Dates follow
``wbs.calendar``: a task starting at ``s`` with duration ``d > 0`` starts at ``start_at(s)``
and finishes at ``finish_at(s + d)`` (for days: its last working date, inclusive); a milestone
sits on the finish of the unit before it, as MS Project shows a milestone after its
predecessor.

Releases (the earliest position a task may start at) come from SNET/MSO/FNET/MFO constraints,
an actual start, and the status date for work not yet started. Upper-bound constraints
(SNLT/FNLT, deadlines) are not enforced by leveling; they get a warning.
"""

from __future__ import annotations

from datetime import date, datetime

from wbs.calendar import WorkCalendar
from wbs.plan import ConstraintType, Plan, PlanTime, Task

_START_FLOORS = {ConstraintType.SNET, ConstraintType.MSO}
_FINISH_FLOORS = {ConstraintType.FNET, ConstraintType.MFO}
_UPPER_BOUNDS = {ConstraintType.SNLT, ConstraintType.FNLT, ConstraintType.ALAP}


def plan_calendar(plan: Plan) -> WorkCalendar:
    """The plan's own calendar: a spec in ``plan.calendars`` or a built-in name."""
    if plan.calendar and plan.calendar in plan.calendars:
        return WorkCalendar.from_spec(plan.calendars[plan.calendar], plan.unit, plan.calendars)
    return WorkCalendar.named(plan.calendar, plan.unit)


class CalendarTimeline:
    """Working days or minutes of the plan's calendar, from the plan's start."""

    def __init__(self, plan: Plan, warnings: list[str]) -> None:
        self.calendar = plan_calendar(plan)
        self.unit = plan.unit
        self.origin = self.calendar.index_at(_moment(plan.start))
        self.warnings = warnings
        self.status_position = (
            self._position(plan.status_date) if plan.status_date is not None else None
        )

    def _position(self, moment: PlanTime) -> int:
        return self.calendar.index_at(_moment(moment)) - self.origin

    def start_time(self, position: int, duration: int) -> PlanTime:
        if duration == 0 and position > 0:
            return self.calendar.finish_at(self.origin + position)
        return self.calendar.start_at(self.origin + position)

    def finish_time(self, position: int, duration: int) -> PlanTime:
        if duration == 0:
            return self.start_time(position, 0)
        return self.calendar.finish_at(self.origin + position + duration)

    def release(self, task: Task, warnings: list[str]) -> int:
        if task.actual_start is not None:
            return self._position(task.actual_start)
        floor = 0
        if self.status_position is not None and task.percent_complete == 0:
            floor = self.status_position
        constraint = task.constraint
        if constraint is None or constraint.date is None:
            return floor
        if constraint.type in _START_FLOORS:
            return max(floor, self._position(constraint.date))
        if constraint.type in _FINISH_FLOORS:
            return max(floor, self._finish_position(constraint.date) - task.duration)
        if constraint.type in _UPPER_BOUNDS:
            warnings.append(
                f"task {task.id!r}: constraint {constraint.type.value} is not enforced by leveling"
            )
        return floor

    def _finish_position(self, moment: PlanTime) -> int:
        """The position just after a finish: a finish *date* includes that whole day."""
        if self.unit == "day" and not isinstance(moment, datetime) and isinstance(moment, date):
            return self._position(moment) + (1 if self.calendar.is_working_day(moment) else 0)
        return self._position(moment)


def _moment(value: PlanTime) -> date | datetime:
    if isinstance(value, int):
        raise TypeError(f"a calendar plan needs dates, not the period {value}")
    return value
