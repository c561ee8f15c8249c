"""The structured parts of a close-out, one row each so they can be queried (the lessons
library and competitor register read them): reasons from the PMO's list, competitors with
their prices and who won, and the lessons (what to repeat, what to avoid)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

OUTCOMES = ("won", "lost", "abandoned")
LESSON_KINDS = ("repeat", "avoid")


class CloseOutReasonCode(Base):
    """An entry of the PMO's list of win/loss reasons; ``outcome`` None: for any outcome."""

    __tablename__ = "close_out_reason_codes"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CloseOutReason(Base):
    __tablename__ = "close_out_reasons"
    __table_args__ = (UniqueConstraint("closure_id", "code"),)

    closure_id: Mapped[int] = mapped_column(
        ForeignKey("bid_closures.id", ondelete="CASCADE"), index=True
    )
    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40), index=True)


class CloseOutCompetitor(Base):
    __tablename__ = "close_out_competitors"

    closure_id: Mapped[int] = mapped_column(
        ForeignKey("bid_closures.id", ondelete="CASCADE"), index=True
    )
    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    price: Mapped[Decimal | None]
    won: Mapped[bool] = mapped_column(Boolean, default=False)


class CloseOutLesson(Base):
    __tablename__ = "close_out_lessons"

    closure_id: Mapped[int] = mapped_column(
        ForeignKey("bid_closures.id", ondelete="CASCADE"), index=True
    )
    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(String(2000))
