"""``/api/v1/bids/{bid}/close-out`` (how a bid ends) and the PMO's reason list
``/api/v1/close-out-reasons``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from app.auth.deps import CurrentUser, require_role
from app.auth.permissions import require_bid
from app.closeout import pages, service
from app.closeout.schemas import CloseOut, ReasonCodeUpdate
from app.db import SessionDep
from app.errors import NotFound
from app.guards import bid_access, guarded, roles
from app.pagination import Page, PageDep
from app.params import BidPath
from app.schemas import PROBLEM_RESPONSES

router = APIRouter()
api = APIRouter(prefix="/api/v1", tags=["close-out"], responses=PROBLEM_RESPONSES)
ReasonCodePath = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]


@api.post("/bids/{bid}/close-out")
@guarded(bid_access(write=True))
def close_out(
    bid_id: BidPath, body: CloseOut, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
    """End the bid -- won, lost or abandoned -- with its reasons, competitors, prices and
    lessons; the schedule and budget slips are computed (the bid's lead or the PMO). A closed
    bid's close-out may be amended with the same outcome."""
    bid = require_bid(session, user, bid_id, write=True)
    closure = service.close_out(session, user, bid, body.model_dump())
    session.commit()
    return service.closure_json(session, closure)


@api.get("/bids/{bid}/close-out")
def get_close_out(bid_id: BidPath, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    require_bid(session, user, bid_id)
    closure = service.get_closure(session, bid_id)
    if closure is None:
        raise NotFound(f"bid {bid_id} has not been closed")
    return service.closure_json(session, closure)


@api.get("/close-out-reasons", response_model=Page[dict[str, Any]])
def list_reasons(session: SessionDep, user: CurrentUser, page: PageDep) -> Page[dict[str, Any]]:
    """The PMO's list of win/loss reasons a close-out picks from."""
    reasons = list(service.reason_codes(session).values())
    items = [service.reason_json(r) for r in reasons[page.offset : page.offset + page.limit]]
    return Page(items=items, total=len(reasons))


@api.put("/close-out-reasons/{code}")
@guarded(roles("pmo"))
def save_reason(
    code: ReasonCodePath, body: ReasonCodeUpdate, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
    """Add a reason to the list, or edit or retire (``active: false``) one (the PMO)."""
    require_role(user, "pmo")
    service.save_reason_code(session, user, code, body.model_dump())
    session.commit()
    return service.reason_json(service.reason_codes(session)[code])


router.include_router(api)
router.include_router(pages.router)
