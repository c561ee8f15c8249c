"""PMO edits of the WBS templates: a template saved through the API overrides the data file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class WbsTemplate(Base):
    """One template as its JSON source (a delta on the templates it ``extends``)."""

    __tablename__ = "wbs_templates"

    template_id: Mapped[str] = mapped_column(String(80), unique=True)
    source: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_by_id: Mapped[int | None] = mapped_column()


class BidClosure(Base):
    """The close-out of a bid: outcome, reasons, competitor, price gap, slips (the structured
    reasons, competitors and lessons are rows of ``app.closeout.models``)."""

    __tablename__ = "bid_closures"

    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id", ondelete="CASCADE"), unique=True)
    outcome: Mapped[str] = mapped_column(String(20))
    reasons: Mapped[str | None] = mapped_column(String(2000))
    competitor: Mapped[str | None] = mapped_column(String(200))
    price_gap_percent: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    lessons: Mapped[str | None] = mapped_column(String(4000))
    slipped: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # the winner (who won: us on a won bid), our final price and the winner's, bid currency
    winner: Mapped[str | None] = mapped_column(String(200))
    our_price: Mapped[Decimal | None]
    winner_price: Mapped[Decimal | None]
    # computed at close-out: working days the bid's finish moved past its first gate baseline
    # (or its submission deadline), and actual cost minus the pursuit budget
    schedule_slip_days: Mapped[int | None] = mapped_column(Integer)
    budget_slip: Mapped[Decimal | None]
    closed_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
