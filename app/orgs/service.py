"""Org units and people: creation and updates with the tree rules checked."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.crud import apply_changes, get_or_404, record_creation
from app.errors import Conflict, Invalid
from app.orgs.models import OrgUnit, Person


def _check_parent(session: Session, unit_id: int | None, parent_id: int | None) -> None:
    seen: set[int] = set()
    current = parent_id
    while current is not None:
        if current == unit_id or current in seen:
            raise Invalid.field("parent_id", "an org unit cannot be its own ancestor")
        seen.add(current)
        parent = session.get(OrgUnit, current)
        if parent is None:
            raise Invalid.field("parent_id", f"org unit {current} does not exist")
        current = parent.parent_id


def _check_code_free(session: Session, code: str, unit_id: int | None = None) -> None:
    other = session.scalar(select(OrgUnit.id).where(OrgUnit.code == code))
    if other is not None and other != unit_id:
        raise Conflict(f"org unit code {code!r} is taken")


def create_org_unit(session: Session, user: User | None, data: dict[str, Any]) -> OrgUnit:
    _check_code_free(session, data["code"])
    _check_parent(session, None, data.get("parent_id"))
    unit = OrgUnit(**data)
    session.add(unit)
    record_creation(session, user, unit, data)
    return unit


def update_org_unit(session: Session, user: User, unit: OrgUnit, data: dict[str, Any]) -> OrgUnit:
    if "code" in data:
        _check_code_free(session, data["code"], unit.id)
    if "parent_id" in data:
        _check_parent(session, unit.id, data["parent_id"])
    apply_changes(session, user, unit, data)
    session.flush()
    return unit


def _check_org_unit(session: Session, org_unit_id: int | None) -> None:
    if org_unit_id is not None and session.get(OrgUnit, org_unit_id) is None:
        raise Invalid.field("org_unit_id", f"org unit {org_unit_id} does not exist")


def create_person(session: Session, user: User | None, data: dict[str, Any]) -> Person:
    _check_org_unit(session, data.get("org_unit_id"))
    person = Person(**data)
    session.add(person)
    record_creation(session, user, person, data)
    return person


def update_person(session: Session, user: User, person: Person, data: dict[str, Any]) -> Person:
    if "org_unit_id" in data:
        _check_org_unit(session, data["org_unit_id"])
    apply_changes(session, user, person, data)
    session.flush()
    return person


def get_org_unit(session: Session, unit_id: int) -> OrgUnit:
    return get_or_404(session, OrgUnit, unit_id, "org unit")


def get_person(session: Session, person_id: int) -> Person:
    return get_or_404(session, Person, person_id, "person")
