from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field

from app.schemas import (
    DurationDays,
    Id,
    Input,
    LagDays,
    MoneyIn,
    ORMModel,
    Percent,
    PlanDate,
    Title,
)
from wbs import limits

TaskKind = Literal["summary", "task", "milestone"]
CostCategory = Literal[
    "travel",
    "client_entertainment",
    "presales_labour",
    "samples_materials",
    "bid_fees_bonds",
    "other",
]
LinkTypeName = Literal["FS", "SS", "FF", "SF"]
ConstraintName = Literal["ASAP", "ALAP", "SNET", "SNLT", "FNET", "FNLT", "MSO", "MFO"]
DistributionName = Literal["triangular", "pert", "uniform"]
Difficulty = Annotated[int, Field(ge=1, le=5)]
Position = Annotated[int, Field(ge=0, le=1_000_000)]
Budget = Annotated[dict[CostCategory, MoneyIn], Field(max_length=6)]
# the template element a task stands for; "execution.submission" marks the submission
# milestone, which the bid's submission deadline caps
TemplateCode = Annotated[str, Field(max_length=100, pattern=r"^[a-z0-9_.-]+$")]


class TaskCreate(Input):
    name: Title
    name_en: Title | None = None
    parent_id: Id | None = None
    position: Position | None = None
    kind: TaskKind = "task"
    duration_days: DurationDays = 1
    owner_id: Id | None = None
    kam_role: Annotated[str, Field(max_length=limits.ROLE_MAX)] | None = None
    difficulty: Difficulty = 3
    constraint_type: ConstraintName | None = None
    constraint_date: PlanDate | None = None
    deadline: PlanDate | None = None
    template_code: TemplateCode | None = None
    actual_start: PlanDate | None = None
    actual_finish: PlanDate | None = None
    percent_complete: Percent = 0
    optimistic_days: DurationDays | None = None
    pessimistic_days: DurationDays | None = None
    distribution: DistributionName | None = None
    budget: Budget = Field(default_factory=dict)


class TaskUpdate(Input):
    name: Title | None = None
    name_en: Title | None = None
    parent_id: Id | None = None
    position: Position | None = None
    kind: TaskKind | None = None
    duration_days: DurationDays | None = None
    owner_id: Id | None = None
    kam_role: Annotated[str, Field(max_length=limits.ROLE_MAX)] | None = None
    difficulty: Difficulty | None = None
    constraint_type: ConstraintName | None = None
    constraint_date: PlanDate | None = None
    deadline: PlanDate | None = None
    template_code: TemplateCode | None = None
    actual_start: PlanDate | None = None
    actual_finish: PlanDate | None = None
    percent_complete: Percent | None = None
    optimistic_days: DurationDays | None = None
    pessimistic_days: DurationDays | None = None
    distribution: DistributionName | None = None
    budget: Budget | None = None


class TaskRead(ORMModel):
    id: int
    bid_id: int
    parent_id: int | None
    position: int
    wbs_code: str
    name: str
    name_en: str | None
    kind: str
    duration_days: int
    owner_id: int | None
    kam_role: str | None
    difficulty: int
    constraint_type: str | None
    constraint_date: dt.date | None
    deadline: dt.date | None
    template_code: str | None = None
    actual_start: dt.date | None
    actual_finish: dt.date | None
    percent_complete: int
    optimistic_days: int | None = None
    pessimistic_days: int | None = None
    distribution: str | None = None
    planned_start: dt.date | None
    planned_finish: dt.date | None
    early_start: dt.date | None
    early_finish: dt.date | None
    late_start: dt.date | None
    late_finish: dt.date | None
    total_float_days: int | None
    free_float_days: int | None
    critical: bool
    driving_predecessor_id: int | None
    # by cost category; a summary's are the sums of its leaves (and its own lines)
    budget: dict[str, Decimal] = Field(default_factory=dict)
    actual: dict[str, Decimal] = Field(default_factory=dict)
    remaining: dict[str, Decimal] = Field(default_factory=dict)  # budget - committed - actual
    version: int
    schedule_diff: dict[str, Any] | None = None


class DependencyCreate(Input):
    predecessor_id: Id
    successor_id: Id
    type: LinkTypeName = "FS"
    lag_days: LagDays = 0


class DependencyRead(ORMModel):
    id: int
    bid_id: int
    predecessor_id: int
    successor_id: int
    type: str
    lag_days: int
    version: int
    schedule_diff: dict[str, Any] | None = None


class ScheduleTaskRead(ORMModel):
    """One task of ``GET /bids/{bid}/schedule``: the command line's fields, plus WBS data."""

    id: int
    name: str
    wbs_code: str
    kind: str
    start: dt.date | None
    finish: dt.date | None
    early_start: dt.date | None
    early_finish: dt.date | None
    late_start: dt.date | None
    late_finish: dt.date | None
    total_float: int | None
    free_float: int | None
    critical: bool
    driving_predecessor: int | None
    # rolled up by cost category like the task API's (a summary: the sums of its leaves)
    budget: dict[str, Decimal] = Field(default_factory=dict)
    actual: dict[str, Decimal] = Field(default_factory=dict)
    remaining: dict[str, Decimal] = Field(default_factory=dict)


class ScheduleRead(Input):
    source: str
    project_start: dt.date
    project_finish: dt.date | None
    duration: int | None
    unit: Literal["day"] = "day"
    tasks: list[ScheduleTaskRead]
    critical_path: list[int]
    warnings: list[str]
