"""Calendars; a change reschedules every bid that works on the calendar."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.bids.models import Bid
from app.calendars.models import Calendar, CalendarException
from app.crud import apply_changes, get_or_404, record_creation
from app.db import utcnow
from app.errors import Invalid
from app.orgs.models import OrgUnit
from app.tasks.scheduling import recompute


def _check(data: dict[str, Any]) -> None:
    weekdays = data.get("working_weekdays")
    if weekdays is not None and not weekdays:
        raise Invalid.field("working_weekdays", "a calendar needs at least one working weekday")
    days = [e["day"] for e in data.get("exceptions") or []]
    if len(days) != len(set(days)):
        raise Invalid.field("exceptions", "each date may appear once")


def _exceptions(items: list[dict[str, Any]]) -> list[CalendarException]:
    return [CalendarException(**item) for item in items]


def create_calendar(session: Session, user: User | None, data: dict[str, Any]) -> Calendar:
    _check(data)
    data = dict(data)
    unit_id = data.get("org_unit_id")
    if unit_id is not None and session.get(OrgUnit, unit_id) is None:
        raise Invalid.field("org_unit_id", f"org unit {unit_id} does not exist")
    exceptions = _exceptions(data.pop("exceptions", []) or [])
    data["working_weekdays"] = sorted(set(data.get("working_weekdays") or [0, 1, 2, 3, 4]))
    calendar = Calendar(**data, exceptions=exceptions)
    session.add(calendar)
    record_creation(session, user, calendar, data)
    return calendar


def bids_using(session: Session, calendar: Calendar) -> list[Bid]:
    statement = select(Bid).where(Bid.calendar_id == calendar.id)
    bids = list(session.scalars(statement))
    if calendar.org_unit_id is not None:
        bids += session.scalars(
            select(Bid).where(Bid.org_unit_id == calendar.org_unit_id, Bid.calendar_id.is_(None))
        )
    return bids


def update_calendar(
    session: Session, user: User, calendar: Calendar, data: dict[str, Any]
) -> list[int]:
    """Apply ``data``; reschedules the bids on this calendar and returns their ids."""
    _check(data)
    data = dict(data)
    exceptions = data.pop("exceptions", None)
    if "working_weekdays" in data and data["working_weekdays"] is not None:
        data["working_weekdays"] = sorted(set(data["working_weekdays"]))
    apply_changes(session, user, calendar, data)
    if exceptions is not None:
        calendar.exceptions.clear()
        session.flush()
        calendar.exceptions.extend(_exceptions(exceptions))
        calendar.updated_at = utcnow()  # an UPDATE of the row itself bumps its version
        session.flush()
    bids = bids_using(session, calendar)
    for bid in bids:
        recompute(session, bid)
    return [bid.id for bid in bids]


def get_calendar(session: Session, calendar_id: int) -> Calendar:
    return get_or_404(session, Calendar, calendar_id, "calendar")
