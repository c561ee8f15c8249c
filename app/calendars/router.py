"""``/api/v1/calendars``: working weekdays, a holiday country, and the PMO's own exceptions."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from sqlalchemy import select

from app.auth.deps import CurrentUser, require_role
from app.calendars import service
from app.calendars.models import Calendar
from app.calendars.schemas import CalendarCreate, CalendarRead, CalendarUpdate
from app.db import SessionDep
from app.etag import IfMatch, check_if_match, committed, set_etag
from app.guards import guarded, roles
from app.pagination import Page, PageDep, paginate
from app.params import IdPath, IdQuery
from app.schemas import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["calendars"], responses=PROBLEM_RESPONSES)


@router.get("/calendars", response_model=Page[CalendarRead])
def list_calendars(
    session: SessionDep, user: CurrentUser, page: PageDep, org_unit_id: IdQuery = None
) -> Page[CalendarRead]:
    statement = select(Calendar).order_by(Calendar.id)
    if org_unit_id is not None:
        statement = statement.where(Calendar.org_unit_id == org_unit_id)
    rows, total = paginate(session, statement, page)
    return Page(items=[CalendarRead.model_validate(r) for r in rows], total=total)


@router.post("/calendars", response_model=CalendarRead, status_code=status.HTTP_201_CREATED)
@guarded(roles("pmo", "lead"))
def create_calendar(
    body: CalendarCreate, session: SessionDep, user: CurrentUser, response: Response
) -> CalendarRead:
    require_role(user, "pmo", "lead")
    if body.org_unit_id is not None:
        require_role(user, "pmo")
    calendar = service.create_calendar(session, user, body.model_dump())
    return committed(session, response, calendar, CalendarRead)


@router.get("/calendars/{calendar_id}", response_model=CalendarRead)
def get_calendar(
    calendar_id: IdPath, session: SessionDep, user: CurrentUser, response: Response
) -> CalendarRead:
    calendar = service.get_calendar(session, calendar_id)
    set_etag(response, calendar)
    return CalendarRead.model_validate(calendar)


@router.patch("/calendars/{calendar_id}", response_model=CalendarRead)
@guarded(roles("pmo"))
def update_calendar(
    calendar_id: IdPath,
    body: CalendarUpdate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> CalendarRead:
    """Changes the calendar and reschedules every bid working on it, in one transaction."""
    require_role(user, "pmo")
    calendar = service.get_calendar(session, calendar_id)
    check_if_match(if_match, calendar)
    service.update_calendar(session, user, calendar, body.model_dump(exclude_unset=True))
    return committed(session, response, calendar, CalendarRead)
