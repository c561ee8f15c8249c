"""``/api/v1/org-units`` and ``/api/v1/people``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from sqlalchemy import select

from app.auth.deps import CurrentUser, require_role
from app.db import SessionDep
from app.etag import IfMatch, check_if_match, committed, set_etag
from app.guards import guarded, roles
from app.orgs import service
from app.orgs.models import OrgUnit, Person
from app.orgs.schemas import (
    OrgUnitCreate,
    OrgUnitRead,
    OrgUnitUpdate,
    PersonCreate,
    PersonRead,
    PersonUpdate,
)
from app.pagination import Page, PageDep, paginate
from app.params import IdPath, IdQuery
from app.schemas import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["organisation"], responses=PROBLEM_RESPONSES)


@router.get("/org-units", response_model=Page[OrgUnitRead])
def list_org_units(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    parent_id: IdQuery = None,
    kind: Annotated[str | None, Query(max_length=20)] = None,
) -> Page[OrgUnitRead]:
    statement = select(OrgUnit).order_by(OrgUnit.id)
    if parent_id is not None:
        statement = statement.where(OrgUnit.parent_id == parent_id)
    if kind is not None:
        statement = statement.where(OrgUnit.kind == kind)
    rows, total = paginate(session, statement, page)
    return Page(items=[OrgUnitRead.model_validate(r) for r in rows], total=total)


@router.post("/org-units", response_model=OrgUnitRead, status_code=status.HTTP_201_CREATED)
@guarded(roles("pmo"))
def create_org_unit(
    body: OrgUnitCreate, session: SessionDep, user: CurrentUser, response: Response
) -> OrgUnitRead:
    require_role(user, "pmo")
    unit = service.create_org_unit(session, user, body.model_dump())
    return committed(session, response, unit, OrgUnitRead)


@router.get("/org-units/{unit_id}", response_model=OrgUnitRead)
def get_org_unit(
    unit_id: IdPath, session: SessionDep, user: CurrentUser, response: Response
) -> OrgUnitRead:
    unit = service.get_org_unit(session, unit_id)
    set_etag(response, unit)
    return OrgUnitRead.model_validate(unit)


@router.patch("/org-units/{unit_id}", response_model=OrgUnitRead)
@guarded(roles("pmo"))
def update_org_unit(
    unit_id: IdPath,
    body: OrgUnitUpdate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> OrgUnitRead:
    require_role(user, "pmo")
    unit = service.get_org_unit(session, unit_id)
    check_if_match(if_match, unit)
    service.update_org_unit(session, user, unit, body.model_dump(exclude_unset=True))
    return committed(session, response, unit, OrgUnitRead)


@router.get("/people", response_model=Page[PersonRead])
def list_people(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    org_unit_id: IdQuery = None,
    q: Annotated[str | None, Query(max_length=100, description="name contains")] = None,
) -> Page[PersonRead]:
    statement = select(Person).order_by(Person.id)
    if org_unit_id is not None:
        statement = statement.where(Person.org_unit_id == org_unit_id)
    if q:
        statement = statement.where(Person.name.contains(q) | Person.name_en.contains(q))
    rows, total = paginate(session, statement, page)
    return Page(items=[PersonRead.model_validate(r) for r in rows], total=total)


@router.post("/people", response_model=PersonRead, status_code=status.HTTP_201_CREATED)
@guarded(roles("pmo", "lead"))
def create_person(
    body: PersonCreate, session: SessionDep, user: CurrentUser, response: Response
) -> PersonRead:
    require_role(user, "pmo", "lead")
    person = service.create_person(session, user, body.model_dump())
    return committed(session, response, person, PersonRead)


@router.get("/people/{person_id}", response_model=PersonRead)
def get_person(
    person_id: IdPath, session: SessionDep, user: CurrentUser, response: Response
) -> PersonRead:
    person = service.get_person(session, person_id)
    set_etag(response, person)
    return PersonRead.model_validate(person)


@router.patch("/people/{person_id}", response_model=PersonRead)
@guarded(roles("pmo"))
def update_person(
    person_id: IdPath,
    body: PersonUpdate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> PersonRead:
    require_role(user, "pmo")
    person = service.get_person(session, person_id)
    check_if_match(if_match, person)
    service.update_person(session, user, person, body.model_dump(exclude_unset=True))
    return committed(session, response, person, PersonRead)
