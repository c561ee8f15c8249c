"""Working calendars: per org unit or per bid, a holiday country plus the PMO's own exceptions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base


class Calendar(Base):
    __tablename__ = "calendars"

    name: Mapped[str] = mapped_column(String(100))
    org_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_units.id", ondelete="CASCADE"), index=True
    )
    holidays_country: Mapped[str | None] = mapped_column(String(8))
    # weekday numbers (0 = Monday) that are working days
    working_weekdays: Mapped[list[Any]] = mapped_column(JSON, default=lambda: [0, 1, 2, 3, 4])
    exceptions: Mapped[list[CalendarException]] = relationship(
        back_populates="calendar",
        cascade="all, delete-orphan",
        order_by="CalendarException.day",
        lazy="selectin",
    )


class CalendarException(Base):
    """One date that differs from the weekly pattern: a holiday, or a make-up working day."""

    __tablename__ = "calendar_exceptions"
    __table_args__ = (UniqueConstraint("calendar_id", "day"),)

    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendars.id", ondelete="CASCADE"))
    day: Mapped[dt.date] = mapped_column(Date)
    working: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(String(200))
    calendar: Mapped[Calendar] = relationship(back_populates="exceptions")
