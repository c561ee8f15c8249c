"""Bids and teams: creation, journaled updates, and schedule recompute when dates matter."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.access import record_acceptance
from app.accounts.models import Account
from app.accounts.quotes import check_bid_change, check_new_bid, hold_for_arbitration
from app.auth.models import User
from app.bids.models import Bid, TeamMember
from app.calendars.models import Calendar
from app.crud import apply_changes, get_or_404, record_creation
from app.errors import Conflict, Forbidden, Invalid
from app.journal.service import record_changes, snapshot
from app.orgs.models import OrgUnit, Person
from app.pmo.history import after_bid_change, open_first_visit
from app.tasks.scheduling import recompute

SCHEDULE_FIELDS = frozenset({"start_date", "calendar_id", "status_date", "submission_deadline"})
JOURNALED = (
    "title",
    "stage",
    "status",
    "value",
    "lead_id",
    "account_id",
    "org_unit_id",
    "product_line",
)


def _check_refs(session: Session, data: dict[str, Any]) -> None:
    for field, model in (
        ("account_id", Account),
        ("org_unit_id", OrgUnit),
        ("calendar_id", Calendar),
        ("lead_id", Person),
    ):
        value = data.get(field)
        if value is not None and session.get(model, value) is None:
            raise Invalid.field(
                field, f"{field.removesuffix('_id').replace('_', ' ')} {value} does not exist"
            )


def create_bid(session: Session, user: User | None, data: dict[str, Any]) -> Bid:
    """A new bid (flushed). A lead creating a bid leads it; only the PMO names another lead."""
    data = dict(data)
    if user is not None and user.role == "lead":
        if data.get("lead_id") not in (None, user.person_id):
            raise Forbidden("a lead creates bids they lead themselves")
        data["lead_id"] = user.person_id
    _check_refs(session, data)
    conflict = check_new_bid(session, data)
    bid = Bid(**data)
    record_acceptance(user, bid)
    session.add(bid)
    session.flush()
    open_first_visit(session, bid)
    record_changes(session, user, bid, {}, {k: data.get(k) for k in JOURNALED}, bid_id=bid.id)
    if conflict is not None:
        hold_for_arbitration(session, user, bid, conflict)
    return bid


def update_bid(
    session: Session, user: User, bid: Bid, data: dict[str, Any]
) -> dict[str, Any] | None:
    """Apply ``data``; returns the schedule diff when a scheduling field changed."""
    _check_refs(session, data)
    if "lead_id" in data and user.role != "pmo" and data["lead_id"] != bid.lead_id:
        raise Forbidden("only the PMO hands a bid to another lead")
    # who reads the bid's account (app.accounts.access) follows the account and the org unit
    for field, what in (("account_id", "account"), ("org_unit_id", "org unit")):
        if field in data and user.role != "pmo" and data[field] != getattr(bid, field):
            raise Forbidden(f"only the PMO moves a bid to another {what}")
    check_bid_change(session, bid, data)
    changed = apply_changes(session, user, bid, data, bid_id=bid.id)
    if "stage" in changed:
        record_acceptance(user, bid)
    after_bid_change(session, user, bid, changed)
    if SCHEDULE_FIELDS & changed.keys():
        return recompute(session, bid)
    session.flush()
    return None


def get_bid(session: Session, bid_id: int) -> Bid:
    return get_or_404(session, Bid, bid_id, "bid")


def add_team_member(
    session: Session, user: User | None, bid: Bid, data: dict[str, Any]
) -> TeamMember:
    if session.get(Person, data["person_id"]) is None:
        raise Invalid.field("person_id", f"person {data['person_id']} does not exist")
    duplicate = session.scalar(
        select(TeamMember.id).where(
            TeamMember.bid_id == bid.id,
            TeamMember.person_id == data["person_id"],
            TeamMember.kam_role == data["kam_role"],
        )
    )
    if duplicate is not None:
        raise Conflict("this person already has this role on the bid")
    member = TeamMember(bid_id=bid.id, **data)
    session.add(member)
    record_creation(session, user, member, data, bid_id=bid.id)
    return member


def remove_team_member(session: Session, user: User, member: TeamMember) -> None:
    fields = ("person_id", "kam_role")
    record_changes(session, user, member, snapshot(member, fields), {}, bid_id=member.bid_id)
    session.delete(member)
    session.flush()
