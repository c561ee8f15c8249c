"""The influence map's data: reporting lines, influence links, our coverage, the contact log;
and the rows -> ``gantt.influence`` translation for the figure."""

from __future__ import annotations

import datetime as dt
from typing import Any

import plotly.graph_objects as go
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import (
    Account,
    ContactLog,
    InfluenceLink,
    Stakeholder,
    StakeholderCoverage,
)
from app.auth.models import User
from app.crud import get_or_404, record_creation
from app.errors import Conflict, Forbidden, Invalid
from app.journal.service import record_changes, snapshot
from app.orgs.models import Person
from gantt.influence import Coverage, StakeholderNode, influence_map
from gantt.influence import InfluenceLink as LinkEdge

CONTACT_GRACE_DAYS = 1  # a contact "tomorrow" is a time-zone difference, not a plan


def last_contact_dates(session: Session, stakeholder_ids: list[int]) -> dict[int, dt.date]:
    """The latest contact date per stakeholder (those never contacted are missing)."""
    if not stakeholder_ids:
        return {}
    rows = session.execute(
        select(ContactLog.stakeholder_id, func.max(ContactLog.contact_date))
        .where(ContactLog.stakeholder_id.in_(stakeholder_ids))
        .group_by(ContactLog.stakeholder_id)
    ).all()
    return {stakeholder_id: latest for stakeholder_id, latest in rows if latest is not None}


def check_reports_to(
    session: Session, account_id: int, reports_to_id: int | None, stakeholder_id: int | None
) -> None:
    """A manager must be a stakeholder of the same account, and no reporting cycle may form."""
    if reports_to_id is None:
        return
    manager = session.get(Stakeholder, reports_to_id)
    if manager is None or manager.account_id != account_id:
        raise Invalid.field("reports_to_id", f"stakeholder {reports_to_id} is not of this account")
    seen: set[int] = set()
    current: Stakeholder | None = manager
    while current is not None and current.id not in seen:
        if current.id == stakeholder_id:
            raise Invalid.field("reports_to_id", "this reporting line would form a cycle")
        seen.add(current.id)
        current = session.get(Stakeholder, current.reports_to_id) if current.reports_to_id else None


def _stakeholder_of(session: Session, account: Account, stakeholder_id: int, field: str) -> None:
    row = session.get(Stakeholder, stakeholder_id)
    if row is None or row.account_id != account.id:
        raise Invalid.field(field, f"stakeholder {stakeholder_id} is not of account {account.id}")


def create_link(
    session: Session, user: User, account: Account, data: dict[str, Any]
) -> InfluenceLink:
    _stakeholder_of(session, account, data["source_id"], "source_id")
    _stakeholder_of(session, account, data["target_id"], "target_id")
    if data["source_id"] == data["target_id"]:
        raise Invalid.field("target_id", "a stakeholder does not influence themselves")
    duplicate = session.scalar(
        select(InfluenceLink.id).where(
            InfluenceLink.source_id == data["source_id"],
            InfluenceLink.target_id == data["target_id"],
            InfluenceLink.kind == data["kind"],
        )
    )
    if duplicate is not None:
        raise Conflict(f"influence link {duplicate} already says this")
    link = InfluenceLink(account_id=account.id, **data)
    session.add(link)
    record_creation(session, user, link, data)
    return link


def get_link(session: Session, link_id: int) -> InfluenceLink:
    return get_or_404(session, InfluenceLink, link_id, "influence link")


def delete_row(session: Session, user: User, row: Any, fields: tuple[str, ...]) -> None:
    """Journal a deletion (the fields' last values) and delete."""
    record_changes(session, user, row, snapshot(row, fields), {})
    session.delete(row)
    session.flush()


def add_coverage(
    session: Session, user: User, stakeholder: Stakeholder, data: dict[str, Any]
) -> StakeholderCoverage:
    if session.get(Person, data["person_id"]) is None:
        raise Invalid.field("person_id", f"person {data['person_id']} does not exist")
    duplicate = session.scalar(
        select(StakeholderCoverage.id).where(
            StakeholderCoverage.stakeholder_id == stakeholder.id,
            StakeholderCoverage.person_id == data["person_id"],
        )
    )
    if duplicate is not None:
        raise Conflict(f"person {data['person_id']} already covers this stakeholder")
    coverage = StakeholderCoverage(stakeholder_id=stakeholder.id, **data)
    session.add(coverage)
    record_creation(session, user, coverage, data)
    return coverage


def get_coverage(session: Session, coverage_id: int) -> StakeholderCoverage:
    return get_or_404(session, StakeholderCoverage, coverage_id, "coverage")


def person_names(session: Session, person_ids: set[int]) -> dict[int, str]:
    if not person_ids:
        return {}
    rows = session.execute(select(Person.id, Person.name).where(Person.id.in_(person_ids)))
    return {person_id: name for person_id, name in rows}


def log_contact(
    session: Session, user: User, stakeholder: Stakeholder, data: dict[str, Any]
) -> ContactLog:
    """A contact; leads and members log their own, the PMO may log anyone's."""
    data = dict(data)
    if data.get("person_id") is None:
        data["person_id"] = user.person_id
    if user.role != "pmo" and data["person_id"] != user.person_id:
        raise Forbidden("you log your own contacts; the PMO logs other people's")
    if data["person_id"] is None:
        raise Invalid.field("person_id", "name the person of ours who made the contact")
    if session.get(Person, data["person_id"]) is None:
        raise Invalid.field("person_id", f"person {data['person_id']} does not exist")
    latest_allowed = dt.date.today() + dt.timedelta(days=CONTACT_GRACE_DAYS)
    if data["contact_date"] > latest_allowed:
        raise Invalid.field("contact_date", "a contact is logged after it happened")
    contact = ContactLog(stakeholder_id=stakeholder.id, logged_by_id=user.id, **data)
    session.add(contact)
    record_creation(session, user, contact, data)
    return contact


def get_contact(session: Session, contact_id: int) -> ContactLog:
    return get_or_404(session, ContactLog, contact_id, "contact")


def stakeholders_of(session: Session, account_id: int) -> list[Stakeholder]:
    statement = select(Stakeholder).where(Stakeholder.account_id == account_id)
    return list(session.scalars(statement.order_by(Stakeholder.id)))


def coverage_by_stakeholder(
    session: Session, stakeholder_ids: list[int]
) -> dict[int, list[StakeholderCoverage]]:
    found: dict[int, list[StakeholderCoverage]] = {}
    if not stakeholder_ids:
        return found
    statement = select(StakeholderCoverage).where(
        StakeholderCoverage.stakeholder_id.in_(stakeholder_ids)
    )
    for row in session.scalars(statement.order_by(StakeholderCoverage.id)):
        found.setdefault(row.stakeholder_id, []).append(row)
    return found


def influence_nodes(
    session: Session, account: Account
) -> tuple[list[StakeholderNode], list[LinkEdge]]:
    """The account's stakeholders, coverage, last contacts and links as plain figure data."""
    people = stakeholders_of(session, account.id)
    ids = [person.id for person in people]
    coverage = coverage_by_stakeholder(session, ids)
    names = person_names(session, {c.person_id for rows in coverage.values() for c in rows})
    contacts = last_contact_dates(session, ids)
    nodes = [
        StakeholderNode(
            id=person.id,
            name=person.name,
            decision_role=person.decision_role,
            influence=person.influence,
            stance=person.stance,
            title=person.title,
            reports_to=person.reports_to_id,
            covered_by=tuple(
                Coverage(c.person_id, names.get(c.person_id, str(c.person_id)), c.strength)
                for c in coverage.get(person.id, [])
            ),
            last_contact=contacts[person.id].isoformat() if person.id in contacts else None,
        )
        for person in people
    ]
    links = session.scalars(
        select(InfluenceLink)
        .where(InfluenceLink.account_id == account.id)
        .order_by(InfluenceLink.id)
    )
    edges = [LinkEdge(link.source_id, link.target_id, link.strength, link.kind) for link in links]
    return nodes, edges


def influence_figure(session: Session, account: Account) -> go.Figure:
    """The Plotly figure of the account's influence map."""
    nodes, edges = influence_nodes(session, account)
    return influence_map(nodes, edges, f"{account.name} · Influence map 决策影响图")
