"""The PMO's appraisal settings: component weights per template or per bid, the outcome pool
policy, and explicit rewards and penalties (奖惩分明) per person and bid."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

WEIGHT_FIELDS = ("responsibility", "difficulty", "workload", "on_time", "on_budget")


class AppraisalSetting(Base):
    """Weights for the bids of one WBS template (``template_id``) or for one bid (``bid_id``,
    which also carries the bid's bonus pool); a bid's own weights win over its template's,
    which win over the defaults. Weights are all five or none."""

    __tablename__ = "appraisal_settings"

    bid_id: Mapped[int | None] = mapped_column(
        ForeignKey("bids.id", ondelete="CASCADE"), unique=True
    )
    template_id: Mapped[str | None] = mapped_column(String(80), unique=True)
    responsibility: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    difficulty: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    workload: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    on_time: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    on_budget: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    bonus_pool: Mapped[Decimal | None]


class AppraisalPolicy(Base):
    """What share of a bid's bonus pool is paid by outcome (one row; none: the defaults)."""

    __tablename__ = "appraisal_policies"

    won_percent: Mapped[int] = mapped_column(default=100)
    lost_percent: Mapped[int] = mapped_column(default=20)
    abandoned_percent: Mapped[int] = mapped_column(default=0)
    # a relationship bid did its job when it was lost as expected
    relationship_lost_percent: Mapped[int] = mapped_column(default=60)
    # an open bid's appraisal is a preview, at this share until its outcome is known
    open_percent: Mapped[int] = mapped_column(default=100)


class AppraisalAdjustment(Base):
    """An explicit reward (positive) or penalty (negative) of one person on one bid."""

    __tablename__ = "appraisal_adjustments"

    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"), index=True)
    amount: Mapped[Decimal]
    reason: Mapped[str] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
