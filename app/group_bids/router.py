"""``/api/v1/bids/{bid}/units``: the org units of a consolidated group bid."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from app.auth.deps import CurrentUser
from app.auth.permissions import require_bid
from app.db import SessionDep
from app.group_bids import service
from app.guards import bid_access, guarded
from app.pagination import Page, PageDep
from app.params import BidPath
from app.schemas import PROBLEM_RESPONSES, Id, Input, MoneyIn, ShortText

router = APIRouter(prefix="/api/v1", tags=["group bids"], responses=PROBLEM_RESPONSES)


class BidUnitCreate(Input):
    org_unit_id: Id
    product_line: ShortText | None = None
    budget: MoneyIn | None = None


@router.get("/bids/{bid}/units", response_model=Page[dict[str, Any]])
def list_units(
    bid_id: BidPath, session: SessionDep, user: CurrentUser, page: PageDep
) -> Page[dict[str, Any]]:
    """The units of a consolidated group bid: product line, budget, actual cost, WBS branch."""
    require_bid(session, user, bid_id)
    rows = service.units_of(session, bid_id)
    window = rows[page.offset : page.offset + page.limit]
    return Page(items=[service.unit_json(session, row) for row in window], total=len(rows))


@router.post("/bids/{bid}/units", status_code=status.HTTP_201_CREATED)
@guarded(bid_access(write=True))
def add_unit(
    bid_id: BidPath, body: BidUnitCreate, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
    """Add an org unit's product line to the bid, with its own WBS branch and budget (the
    bid's lead or the PMO)."""
    bid = require_bid(session, user, bid_id, write=True)
    row = service.add_unit(session, user, bid, body.model_dump())
    session.commit()
    return service.unit_json(session, row)
