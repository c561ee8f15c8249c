"""Positions on a plan's working-time axis <-> the plan's own times, for leveling.

Period plans (PSPLIB) need no calendar: a position is the time, a task of duration ``d``
starting at ``s`` finishes at ``s + d``. Day and minute plans convert through
``wbs.calendar.WorkCalendar`` (see :func:`timeline_for`).
"""

from __future__ import annotations

from typing import Protocol

from wbs.plan import ConstraintType, Plan, PlanTime, Task

_START_FLOORS = {ConstraintType.SNET, ConstraintType.MSO}
_FINISH_FLOORS = {ConstraintType.FNET, ConstraintType.MFO}


class Timeline(Protocol):
    def start_time(self, position: int, duration: int) -> PlanTime: ...

    def finish_time(self, position: int, duration: int) -> PlanTime: ...

    def release(self, task: Task, warnings: list[str]) -> int:
        """The earliest position the task may start at (constraints, progress)."""
        ...


class PeriodTimeline:
    """Integer periods from the plan's start (0 for PSPLIB)."""

    def __init__(self, plan: Plan) -> None:
        self.origin = plan.start if isinstance(plan.start, int) else 0

    def start_time(self, position: int, duration: int) -> PlanTime:
        return self.origin + position

    def finish_time(self, position: int, duration: int) -> PlanTime:
        return self.origin + position + duration

    def release(self, task: Task, warnings: list[str]) -> int:
        constraint = task.constraint
        if constraint is None or not isinstance(constraint.date, int):
            return 0
        if constraint.type in _START_FLOORS:
            return constraint.date - self.origin
        if constraint.type in _FINISH_FLOORS:
            return constraint.date - self.origin - task.duration
        if constraint.type is not ConstraintType.ASAP:
            warnings.append(
                f"task {task.id!r}: constraint {constraint.type.value} is not enforced by leveling"
            )
        return 0


def timeline_for(plan: Plan, warnings: list[str]) -> Timeline:
    """The timeline of a plan: periods as they are, working days/minutes via its calendar."""
    if plan.unit == "period":
        return PeriodTimeline(plan)
    from wbs.level_calendar import CalendarTimeline

    timeline: Timeline = CalendarTimeline(plan, warnings)
    return timeline
