"""Bids (the projects of the portfolio) and their teams."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

BID_KINDS = ("cross_sell", "new_customer")
STAGES = ("lead_in", "goals", "team", "analysis", "strategy", "plan", "execution", "close_out")
STATUSES = ("open", "won", "lost", "abandoned")
KAM_ROLES = ("sales_rep", "presales_consultant", "project_manager", "executive_sponsor", "pmo")
# ``win``: pursued to be won; ``relationship``: entered knowing it will probably be lost, to keep
# the relationship (陪标) -- kept out of the weighted forecast, of pursuit-efficiency alerts and
# of account-health loss penalties, spending within a cap the PMO sets (app.pmo.control)
PURPOSES = ("win", "relationship")


class Bid(Base):
    __tablename__ = "bids"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="RESTRICT"), index=True
    )
    org_unit_id: Mapped[int] = mapped_column(
        ForeignKey("org_units.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), default="cross_sell")
    stage: Mapped[str] = mapped_column(String(20), default="lead_in")
    status: Mapped[str] = mapped_column(String(20), default="open")
    purpose: Mapped[str] = mapped_column(String(20), default="win", server_default="win")
    # the PMO's cap on a relationship bid's pursuit budget; None: no cap set
    relationship_budget_cap: Mapped[Decimal | None]
    # what is quoted; one org unit per (matching) account and product line (app.accounts.quotes)
    product_line: Mapped[str | None] = mapped_column(String(100), index=True)
    # None, or a PMO arbitration of a second quote to one account: pending|allowed|rejected|merged
    arbitration: Mapped[str | None] = mapped_column(String(20))
    value: Mapped[Decimal | None]
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    win_probability_percent: Mapped[int | None] = mapped_column(SmallInteger)
    # why win_probability_percent overrides the stage default (app.pmo); None: no override
    win_probability_reason: Mapped[str | None] = mapped_column(String(500))
    # when the award is expected; the pipeline falls back to submission_deadline (app.pmo)
    expected_award_date: Mapped[dt.date | None] = mapped_column(Date)
    start_date: Mapped[dt.date] = mapped_column(Date)
    submission_deadline: Mapped[dt.date | None] = mapped_column(Date)
    status_date: Mapped[dt.date | None] = mapped_column(Date)
    pursuit_budget: Mapped[Decimal | None]
    calendar_id: Mapped[int | None] = mapped_column(ForeignKey("calendars.id", ondelete="SET NULL"))
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    # the computed schedule's project finish (working dates), refreshed on every recompute
    project_finish: Mapped[dt.date | None] = mapped_column(Date)
    schedule_duration_days: Mapped[int | None] = mapped_column(Integer)
    schedule_warnings: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # a new random value with every recompute, written with the computed task fields (and
    # without bumping the version): a worker whose cache holds the same stamp knows those
    # fields hold what it wrote last (``app.tasks.scheduling``)
    schedule_stamp: Mapped[str | None] = mapped_column(String(32))
    # when the PMO accepted the bid past lead-in: its team then reads the account's
    # relationship data (app.accounts.access); None before, and after a send-back to lead-in
    accepted_at: Mapped[dt.datetime | None]
    # schedule risk (app.risk): the distribution of tasks that name none (None: triangular),
    # and groups of tasks whose durations move together: [{"task_ids", "rank_correlation"}]
    risk_distribution: Mapped[str | None] = mapped_column(String(12))
    risk_correlations: Mapped[list[Any] | None] = mapped_column(JSON)
    # what an imported MS Project (or other) file said that the bid's columns cannot hold:
    # title, currency, calendars with working hours, resources, the import report (issue 16)
    source: Mapped[dict[str, Any] | None] = mapped_column(JSON, deferred=True)


class TeamMember(Base):
    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("bid_id", "person_id", "kam_role"),)

    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"), index=True)
    kam_role: Mapped[str] = mapped_column(String(30))
    allocation_percent: Mapped[int] = mapped_column(SmallInteger, default=100)


class BidUnit(Base):
    """One org unit's share of a consolidated group bid: its product line, its budget and the
    WBS branch (a summary task) its work goes under; the bid's own org unit leads."""

    __tablename__ = "bid_units"
    __table_args__ = (UniqueConstraint("bid_id", "org_unit_id"),)

    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id", ondelete="CASCADE"), index=True)
    org_unit_id: Mapped[int] = mapped_column(
        ForeignKey("org_units.id", ondelete="RESTRICT"), index=True
    )
    product_line: Mapped[str | None] = mapped_column(String(100))
    budget: Mapped[Decimal | None]
    wbs_task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))
