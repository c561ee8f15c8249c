"""Consolidated group bids: one bid, one lead (the group key-account department's), several
org units' product lines. Each unit added to the bid gets its own WBS branch (a task at the top
of the bid's WBS, named for the unit and its product line, under which its work goes) and its
own budget; the units' budgets together stay within the bid's pursuit budget.

The one-quote rule (``app.accounts.quotes``) counts every unit's product line as the bid's, so
a unit that joined the group bid cannot quote the same account on its own as well.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.bids.models import Bid, BidUnit
from app.crud import record_creation
from app.errors import Conflict, Invalid
from app.orgs.models import OrgUnit
from app.tasks.service import _subtree_ids, create_task


def units_of(session: Session, bid_id: int) -> list[BidUnit]:
    statement = select(BidUnit).where(BidUnit.bid_id == bid_id).order_by(BidUnit.id)
    return list(session.scalars(statement))


def add_unit(session: Session, user: User, bid: Bid, data: Mapping[str, Any]) -> BidUnit:
    unit = session.get(OrgUnit, data["org_unit_id"])
    if unit is None:
        raise Invalid.field("org_unit_id", f"org unit {data['org_unit_id']} does not exist")
    if bid.status != "open":
        raise Conflict(f"bid {bid.id} is {bid.status}; units join open bids")
    units = units_of(session, bid.id)
    if any(row.org_unit_id == unit.id for row in units):
        raise Conflict(f"{unit.name} is already a unit of bid {bid.id}")
    budget = data.get("budget")
    if budget is not None and bid.pursuit_budget is not None:
        planned = sum((row.budget or Decimal(0) for row in units), Decimal(0)) + budget
        if planned > bid.pursuit_budget:
            raise Invalid.field(
                "budget",
                f"the units' budgets ({planned}) would exceed the bid's pursuit budget "
                f"({bid.pursuit_budget})",
            )
    line = data.get("product_line")
    name = f"{unit.name}{' · ' + line if line else ''}"
    name_en = f"{unit.name_en or unit.name}{' · ' + line if line else ''}"
    branch, _ = create_task(
        session, user, bid, {"name": name[:300], "name_en": name_en[:300], "duration_days": 0}
    )
    row = BidUnit(
        bid_id=bid.id,
        org_unit_id=unit.id,
        product_line=line,
        budget=budget,
        wbs_task_id=branch.id,
    )
    session.add(row)
    fields = {"org_unit_id": unit.id, "product_line": line, "budget": budget}
    record_creation(session, user, row, {**fields, "wbs_task_id": branch.id}, bid_id=bid.id)
    return row


def unit_json(session: Session, row: BidUnit) -> dict[str, Any]:
    from app.costs.models import CostEntry

    unit = session.get(OrgUnit, row.org_unit_id)
    spent = Decimal(0)
    if row.wbs_task_id is not None:
        tasks = _subtree_ids(session, row.bid_id, row.wbs_task_id)
        total = session.scalar(
            select(func.sum(CostEntry.amount_bid_currency)).where(
                CostEntry.task_id.in_(tasks),
                CostEntry.kind == "actual",
                CostEntry.status == "approved",
            )
        )
        spent = Decimal(total or 0)
    return {
        "id": row.id,
        "bid_id": row.bid_id,
        "org_unit_id": row.org_unit_id,
        "org_unit_name": unit.name if unit else None,
        "org_unit_name_en": unit.name_en if unit else None,
        "product_line": row.product_line,
        "budget": None if row.budget is None else str(row.budget),
        "actual_cost": str(spent.quantize(Decimal("0.01"))),
        "wbs_task_id": row.wbs_task_id,
        "version": row.version,
    }
