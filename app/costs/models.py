"""Cost entries (actuals and commitments), exchange rates and spending caps.

A cost entry is never edited after it is booked: a correction is a *reversing* entry (the same
amount negated, pointing at the entry it reverses), so the history stays complete. Only the
approval state moves, once: ``pending_approval`` -> ``approved`` or ``rejected``. Entries count
(as actual cost or commitment) only when ``approved``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

ENTRY_KINDS = ("actual", "commitment")
ENTRY_STATUSES = ("approved", "pending_approval", "rejected")
CAP_KINDS = ("category", "work_package", "entertainment_entry")


class CostEntry(Base):
    __tablename__ = "cost_entries"

    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(12), default="actual")
    category: Mapped[str] = mapped_column(String(30))
    entry_date: Mapped[dt.date] = mapped_column(Date, index=True)
    amount: Mapped[Decimal]  # in ``currency``; negative only on a reversing entry
    currency: Mapped[str] = mapped_column(String(3))
    exchange_rate: Mapped[Decimal] = mapped_column(Numeric(18, 8))  # 1 currency = rate bid cur.
    amount_bid_currency: Mapped[Decimal]  # converted once, at booking, to the cent
    payee: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(1000))
    receipt_ref: Mapped[str | None] = mapped_column(String(100))
    entered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default="approved", index=True)
    approval_reasons: Mapped[str | None] = mapped_column(String(200))  # comma-separated codes
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None]
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("cost_entries.id", ondelete="RESTRICT"), unique=True
    )


class ExchangeRateRow(Base):
    """``1 base = rate quote`` from ``effective_date`` on."""

    __tablename__ = "exchange_rates"
    __table_args__ = (UniqueConstraint("base", "quote", "effective_date"),)

    base: Mapped[str] = mapped_column(String(3))
    quote: Mapped[str] = mapped_column(String(3))
    rate: Mapped[Decimal] = mapped_column(Numeric(18, 8))
    effective_date: Mapped[dt.date] = mapped_column(Date)


class SpendingCap(Base):
    """A bid's spending policy, one row per rule (amounts in the bid's currency).

    ``category``: the bid's total for ``category``; ``work_package``: the total booked on
    ``task_id``; ``entertainment_entry``: the largest single client-entertainment entry that
    needs no approval.
    """

    __tablename__ = "spending_caps"
    __table_args__ = (UniqueConstraint("bid_id", "kind", "category", "task_id"),)

    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(30))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    amount: Mapped[Decimal]
