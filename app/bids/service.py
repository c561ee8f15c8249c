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
# moved only by the gates (``app.pmo.service.review_gate``), the close-out
# (``app.closeout.service``), the PMO's stage override and history import (``app.pmo.control``)
GATED_FIELDS = ("stage", "status")
# the PMO's alone: a relationship bid is spared forecast weighting, alerts and loss penalties
PMO_FIELDS = ("purpose", "relationship_budget_cap")
JOURNALED = (
    "title",
    "stage",
    "status",
    "purpose",
    "relationship_budget_cap",
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


def gate_links(bid_id: int, stage: str) -> dict[str, str]:
    """Where stages and statuses do change (named in the 409 of a PATCH that tries)."""
    return {
        "gate_review": f"/api/v1/bids/{bid_id}/gates/{stage}/review",
        "close_out": f"/api/v1/bids/{bid_id}/close-out",
        "stage_override": f"/api/v1/bids/{bid_id}/stage-override",
    }


def refuse_gated_changes(bid: Bid, data: dict[str, Any]) -> None:
    """409 for a PATCH that would change the stage or the status (same values pass)."""
    changed = [f for f in GATED_FIELDS if f in data and data[f] != getattr(bid, f)]
    if not changed:
        return
    raise Conflict(
        f"{' and '.join(changed)} of bid {bid.id} move only through its gate review "
        f"(POST /api/v1/bids/{bid.id}/gates/{bid.stage}/review, the PMO) or its close-out "
        f"(POST /api/v1/bids/{bid.id}/close-out); the PMO corrects a stage with a reason at "
        f"POST /api/v1/bids/{bid.id}/stage-override",
        fields=changed,
        links=gate_links(bid.id, bid.stage),
    )


def refuse_new_bid_state(data: dict[str, Any]) -> None:
    """A new bid starts at lead-in and open; history comes in through the PMO's import."""
    if data.get("stage", "lead_in") != "lead_in" or data.get("status", "open") != "open":
        raise Conflict(
            "a new bid starts at stage lead_in and status open; the PMO brings in a bid's "
            "history (stage, status, close-out) at POST /api/v1/pmo/bid-imports",
            links={"history_import": "/api/v1/pmo/bid-imports"},
        )


def _check_pmo_fields(user: User | None, bid: Bid | None, data: dict[str, Any]) -> None:
    if user is None or user.role == "pmo":
        return
    defaults = {"purpose": "win", "relationship_budget_cap": None}
    for field in PMO_FIELDS:
        current = getattr(bid, field) if bid is not None else defaults[field]
        if field in data and data[field] != current:
            raise Forbidden(f"only the PMO sets a bid's {field.replace('_', ' ')}")


def _check_relationship_cap(bid: Bid | None, data: dict[str, Any]) -> None:
    def value(field: str) -> Any:
        return data[field] if field in data else getattr(bid, field, None)

    cap, budget = value("relationship_budget_cap"), value("pursuit_budget")
    over = cap is not None and budget is not None and budget > cap
    if value("purpose") == "relationship" and over:
        raise Invalid.field(
            "pursuit_budget",
            f"a relationship bid's pursuit budget stays within the PMO's cap of {cap}",
        )


def create_bid(
    session: Session, user: User | None, data: dict[str, Any], *, hold_conflict: bool = False
) -> Bid:
    """A new bid (flushed). A lead creating a bid leads it; only the PMO names another lead.

    The stage and status in ``data`` are taken as given: the HTTP layer refuses anything but
    lead-in/open (``refuse_new_bid_state``), the PMO's history import sets them."""
    data = dict(data)
    if user is not None and user.role == "lead":
        if data.get("lead_id") not in (None, user.person_id):
            raise Forbidden("a lead creates bids they lead themselves")
        data["lead_id"] = user.person_id
    _check_refs(session, data)
    _check_pmo_fields(user, None, data)
    _check_relationship_cap(None, data)
    conflict = check_new_bid(session, data, hold=hold_conflict)
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
    """Apply ``data``; returns the schedule diff when a scheduling field changed.

    Stage and status are taken as given: the PATCH endpoint refuses them first
    (``refuse_gated_changes``); gates, close-outs and the PMO's override come through here."""
    _check_refs(session, data)
    if "lead_id" in data and user.role != "pmo" and data["lead_id"] != bid.lead_id:
        raise Forbidden("only the PMO hands a bid to another lead")
    # who reads the bid's account (app.accounts.access) follows the account and the org unit
    for field, what in (("account_id", "account"), ("org_unit_id", "org unit")):
        if field in data and user.role != "pmo" and data[field] != getattr(bid, field):
            raise Forbidden(f"only the PMO moves a bid to another {what}")
    _check_pmo_fields(user, bid, data)
    _check_relationship_cap(bid, data)
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
