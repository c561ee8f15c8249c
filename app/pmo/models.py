"""Stage history, gate checklists and PMO gate reviews of bids."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

OUTCOMES = ("advanced", "sent_back", "won", "lost", "abandoned")
DECISIONS = ("approve", "send_back", "stop")
GATE_STATES = ("open", "approved", "sent_back", "stopped")


class StageVisit(Base):
    """One stay of a bid in a stage; written on every stage or status change of the bid."""

    __tablename__ = "stage_visits"

    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    entered_at: Mapped[dt.datetime]
    left_at: Mapped[dt.datetime | None]
    # how the stay ended (OUTCOMES); None while the bid is still in the stage
    outcome: Mapped[str | None] = mapped_column(String(20))


class StageGate(Base):
    """The gate of one stage of one bid: which criteria are checked, and the review state.

    Created on the first checklist change or review; its ``version`` is the gate's ETag (a gate
    with no row yet is at version 0).
    """

    __tablename__ = "stage_gates"
    __table_args__ = (UniqueConstraint("bid_id", "stage"),)

    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    # {item code: {"by": user id, "at": ISO timestamp}} of the checked items
    checked: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(20), default="open")
    passed_on: Mapped[dt.date | None] = mapped_column(Date)


class GateReview(Base):
    """A PMO decision on a gate, with its comment; approvals name the baseline they froze."""

    __tablename__ = "gate_reviews"

    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    decision: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    # why the PMO approved with exit criteria still open; None when they were all met
    override_reason: Mapped[str | None] = mapped_column(Text)
    # the required items still unchecked at the time of the decision
    missing: Mapped[list[Any]] = mapped_column(JSON, default=list)
    to_stage: Mapped[str | None] = mapped_column(String(20))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    baseline_id: Mapped[int | None] = mapped_column(ForeignKey("baselines.id", ondelete="SET NULL"))
