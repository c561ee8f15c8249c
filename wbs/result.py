"""The plain data a schedule computation returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wbs.plan import PlanTime, TimeUnit


@dataclass(slots=True)
class TaskSchedule:
    """One task's computed dates.

    The ``*_index`` fields are positions on the plan's working-time axis (units from the
    project start); the date fields are the same positions converted once through the calendar.
    Floats are in the plan's unit (working days, working minutes or periods).
    """

    id: str
    name: str
    start: PlanTime
    finish: PlanTime
    early_start: PlanTime
    early_finish: PlanTime
    late_start: PlanTime
    late_finish: PlanTime
    total_float: int
    free_float: int
    critical: bool
    driving_predecessor: str | None
    early_start_index: int = 0
    early_finish_index: int = 0
    late_start_index: int = 0
    late_finish_index: int = 0
    is_summary: bool = False
    is_milestone: bool = False
    resources: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class Schedule:
    project_start: PlanTime
    project_finish: PlanTime
    duration: int
    unit: TimeUnit
    tasks: list[TaskSchedule]
    critical_path: list[str] = field(default_factory=list)  # task ids, in order
    warnings: list[str] = field(default_factory=list)
    makespan: int | None = None  # set by resource leveling
    extra: dict[str, Any] = field(default_factory=dict)

    def by_id(self) -> dict[str, TaskSchedule]:
        return {task.id: task for task in self.tasks}


@dataclass(slots=True)
class TaskMove:
    id: str
    start_shift: int  # in the plan's unit; positive = later
    finish_shift: int
    was_critical: bool
    is_critical: bool


@dataclass(slots=True)
class ScheduleDiff:
    """What a recompute changed: tasks that moved and how the critical path changed."""

    moved: list[TaskMove]
    project_finish_shift: int
    became_critical: list[str]
    left_critical: list[str]
