"""WBS elements (summaries, tasks, milestones), their budget lines, and dependencies.

The ``early_*``/``late_*``/float/``critical``/``driving_predecessor_id``/``planned_*`` columns
are written by the scheduler (``app.tasks.scheduling``) on every write to the bid's network.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

TASK_KINDS = ("summary", "task", "milestone")
COST_CATEGORIES = (
    "travel",
    "client_entertainment",
    "presales_labour",
    "samples_materials",
    "bid_fees_bonds",
    "other",
)
LINK_TYPES = ("FS", "SS", "FF", "SF")
CONSTRAINT_TYPES = ("ASAP", "ALAP", "SNET", "SNLT", "FNET", "FNLT", "MSO", "MFO")


class Task(Base):
    __tablename__ = "tasks"

    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)  # order among siblings
    wbs_code: Mapped[str] = mapped_column(String(60), default="")
    name: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(10), default="task")
    duration_days: Mapped[int] = mapped_column(Integer, default=1)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    kam_role: Mapped[str | None] = mapped_column(String(30))
    difficulty: Mapped[int] = mapped_column(SmallInteger, default=3)
    constraint_type: Mapped[str | None] = mapped_column(String(4))
    constraint_date: Mapped[dt.date | None] = mapped_column(Date)
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    # the template element the task was decomposed from (``wbs.decompose``), e.g.
    # ``execution.submission``: the bid's submission deadline caps that milestone
    template_code: Mapped[str | None] = mapped_column(String(100))
    actual_start: Mapped[dt.date | None] = mapped_column(Date)
    actual_finish: Mapped[dt.date | None] = mapped_column(Date)
    percent_complete: Mapped[int] = mapped_column(SmallInteger, default=0)
    # three-point estimate (schedule risk, app.risk): duration_days is the most likely value;
    # None: the default from calibration or the template (app.risk.service)
    optimistic_days: Mapped[int | None] = mapped_column(Integer)
    pessimistic_days: Mapped[int | None] = mapped_column(Integer)
    distribution: Mapped[str | None] = mapped_column(String(12))  # triangular|pert|uniform
    # computed by the scheduler
    planned_start: Mapped[dt.date | None] = mapped_column(Date)
    planned_finish: Mapped[dt.date | None] = mapped_column(Date)
    early_start: Mapped[dt.date | None] = mapped_column(Date)
    early_finish: Mapped[dt.date | None] = mapped_column(Date)
    late_start: Mapped[dt.date | None] = mapped_column(Date)
    late_finish: Mapped[dt.date | None] = mapped_column(Date)
    total_float_days: Mapped[int | None] = mapped_column(Integer)
    free_float_days: Mapped[int | None] = mapped_column(Integer)
    critical: Mapped[bool] = mapped_column(Boolean, default=False)
    driving_predecessor_id: Mapped[int | None] = mapped_column(
        ForeignKey("tasks.id", ondelete="SET NULL")
    )
    # positions on the bid's working-day axis (kept so the next recompute can diff against them)
    early_start_index: Mapped[int | None] = mapped_column(Integer)
    early_finish_index: Mapped[int | None] = mapped_column(Integer)
    late_start_index: Mapped[int | None] = mapped_column(Integer)
    late_finish_index: Mapped[int | None] = mapped_column(Integer)
    # the imported file's own values for this task (UID, minutes, notes, costs, baselines,
    # assignments, calendar, times of day): exported again while the task still says the same
    source: Mapped[dict[str, Any] | None] = mapped_column(JSON, deferred=True)


class BudgetLine(Base):
    """The budget of one WBS element in one cost category."""

    __tablename__ = "budget_lines"
    __table_args__ = (UniqueConstraint("task_id", "category"),)

    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(30))
    amount: Mapped[Decimal]


class Dependency(Base):
    __tablename__ = "dependencies"
    __table_args__ = (UniqueConstraint("predecessor_id", "successor_id"),)

    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id", ondelete="CASCADE"), index=True)
    predecessor_id: Mapped[int] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), index=True
    )
    successor_id: Mapped[int] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(2), default="FS")
    lag_days: Mapped[int] = mapped_column(Integer, default=0)
