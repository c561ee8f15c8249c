"""Baselines: a frozen copy of a bid's dates and budgets at one moment."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class Baseline(Base):
    __tablename__ = "baselines"

    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # {"project_finish": ..., "tasks": [{"task_id", "wbs_code", "name", "start", "finish",
    #   "duration_days", "budget": {category: "decimal"}}]}
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
