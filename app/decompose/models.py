"""PMO edits of the WBS templates: a template saved through the API overrides the data file."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class WbsTemplate(Base):
    """One template as its JSON source (a delta on the templates it ``extends``)."""

    __tablename__ = "wbs_templates"

    template_id: Mapped[str] = mapped_column(String(80), unique=True)
    source: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_by_id: Mapped[int | None] = mapped_column()


class BidClosure(Base):
    """Lessons learned when a bid closes: outcome, reasons, competitor, price gap, slips."""

    __tablename__ = "bid_closures"

    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id", ondelete="CASCADE"), unique=True)
    outcome: Mapped[str] = mapped_column(String(20))
    reasons: Mapped[str | None] = mapped_column(String(2000))
    competitor: Mapped[str | None] = mapped_column(String(200))
    price_gap_percent: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    lessons: Mapped[str | None] = mapped_column(String(4000))
    slipped: Mapped[list[Any]] = mapped_column(JSON, default=list)
