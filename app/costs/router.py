"""``/api/v1/bids/{bid}/costs`` (cost entries), approvals, reversals, rates, spending caps."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from sqlalchemy import select

from app.auth.deps import CurrentUser
from app.auth.permissions import can_write_bid, require_bid
from app.costs import service
from app.costs.models import CostEntry, ExchangeRateRow, SpendingCap
from app.costs.schemas import (
    CostCategory,
    CostEntryCreate,
    CostEntryRead,
    CostEntryReverse,
    EntryKind,
    EntryStatus,
    ExchangeRateCreate,
    ExchangeRateRead,
    SpendingCapCreate,
    SpendingCapRead,
)
from app.crud import get_or_404
from app.db import SessionDep
from app.errors import Forbidden
from app.etag import IfMatch, check_if_match, committed, set_etag
from app.guards import bid_access, guarded, roles
from app.pagination import Page, PageDep, paginate
from app.params import BidPath, IdPath, IdQuery
from app.schemas import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["costs"], responses=PROBLEM_RESPONSES)


def _read(session: SessionDep, entries: list[CostEntry]) -> list[CostEntryRead]:
    reversals = service.reversed_ids(session, (entry.id for entry in entries))
    return [
        CostEntryRead.model_validate(entry).model_copy(
            update={"reversed_by_id": reversals.get(entry.id)}
        )
        for entry in entries
    ]


@router.get("/bids/{bid}/costs", response_model=Page[CostEntryRead])
def list_costs(
    bid_id: BidPath,
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    kind: Annotated[EntryKind | None, Query()] = None,
    status_: Annotated[EntryStatus | None, Query(alias="status")] = None,
    category: Annotated[CostCategory | None, Query()] = None,
    task_id: IdQuery = None,
) -> Page[CostEntryRead]:
    require_bid(session, user, bid_id)
    statement = select(CostEntry).where(CostEntry.bid_id == bid_id).order_by(CostEntry.id)
    for column, value in (
        (CostEntry.kind, kind),
        (CostEntry.status, status_),
        (CostEntry.category, category),
        (CostEntry.task_id, task_id),
    ):
        if value is not None:
            statement = statement.where(column == value)
    rows, total = paginate(session, statement, page)
    return Page(items=_read(session, rows), total=total)


@router.post("/bids/{bid}/costs", response_model=CostEntryRead, status_code=status.HTTP_201_CREATED)
@guarded(bid_access(allowed=service.BOOKING_ROLES))
def book_cost(
    bid_id: BidPath,
    body: CostEntryCreate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
) -> CostEntryRead:
    bid = require_bid(session, user, bid_id)
    entry = service.create_entry(session, user, bid, body.model_dump())
    session.commit()
    set_etag(response, entry)
    return _read(session, [entry])[0]


@router.get("/costs/{entry_id}", response_model=CostEntryRead)
def get_cost(
    entry_id: IdPath, session: SessionDep, user: CurrentUser, response: Response
) -> CostEntryRead:
    entry, _ = service.get_entry(session, user, entry_id)
    set_etag(response, entry)
    return _read(session, [entry])[0]


def _decide(
    entry_id: int,
    approve: bool,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    if_match: str | None,
) -> CostEntryRead:
    entry, _ = service.get_entry(session, user, entry_id)
    check_if_match(if_match, entry)
    service.decide(session, user, entry, approve)
    session.commit()
    set_etag(response, entry)
    return _read(session, [entry])[0]


@router.post("/costs/{entry_id}/approve", response_model=CostEntryRead)
def approve_cost(
    entry_id: IdPath,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> CostEntryRead:
    """The PMO approves a pending entry (needs ``If-Match``); then it counts as actual cost."""
    return _decide(entry_id, True, session, user, response, if_match)


@router.post("/costs/{entry_id}/reject", response_model=CostEntryRead)
def reject_cost(
    entry_id: IdPath,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> CostEntryRead:
    return _decide(entry_id, False, session, user, response, if_match)


@router.post(
    "/costs/{entry_id}/reverse",
    response_model=CostEntryRead,
    status_code=status.HTTP_201_CREATED,
)
@guarded(lambda s, u, ids: service.reversible_entry(s, u, ids["entry_id"]))
def reverse_cost(
    entry_id: IdPath,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
    body: CostEntryReverse | None = None,
) -> CostEntryRead:
    """Book the reversing entry of an approved entry (needs the original's ``If-Match``)."""
    entry, bid = service.get_entry(session, user, entry_id)
    check_if_match(if_match, entry)
    data = body.model_dump() if body is not None else {}
    reversal = service.reverse_entry(session, user, bid, entry, data)
    session.commit()
    set_etag(response, reversal)
    return _read(session, [reversal])[0]


@router.get("/exchange-rates", response_model=Page[ExchangeRateRead])
def list_rates(session: SessionDep, user: CurrentUser, page: PageDep) -> Page[ExchangeRateRead]:
    statement = select(ExchangeRateRow).order_by(
        ExchangeRateRow.base, ExchangeRateRow.quote, ExchangeRateRow.effective_date
    )
    rows, total = paginate(session, statement, page)
    return Page(items=[ExchangeRateRead.model_validate(row) for row in rows], total=total)


@router.post(
    "/exchange-rates", response_model=ExchangeRateRead, status_code=status.HTTP_201_CREATED
)
@guarded(roles(*service.RATE_KEEPERS))
def add_rate(
    body: ExchangeRateCreate, session: SessionDep, user: CurrentUser, response: Response
) -> ExchangeRateRead:
    row = service.add_rate(session, user, body.model_dump())
    return committed(session, response, row, ExchangeRateRead)


@router.get("/bids/{bid}/spending-caps", response_model=Page[SpendingCapRead])
def list_caps(
    bid_id: BidPath, session: SessionDep, user: CurrentUser, page: PageDep
) -> Page[SpendingCapRead]:
    require_bid(session, user, bid_id)
    statement = select(SpendingCap).where(SpendingCap.bid_id == bid_id).order_by(SpendingCap.id)
    rows, total = paginate(session, statement, page)
    return Page(items=[SpendingCapRead.model_validate(row) for row in rows], total=total)


@router.post(
    "/bids/{bid}/spending-caps",
    response_model=SpendingCapRead,
    status_code=status.HTTP_201_CREATED,
)
@guarded(bid_access(write=True))
def add_cap(
    bid_id: BidPath,
    body: SpendingCapCreate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
) -> SpendingCapRead:
    bid = require_bid(session, user, bid_id)
    cap = service.add_cap(session, user, bid, body.model_dump())
    return committed(session, response, cap, SpendingCapRead)


@router.delete("/spending-caps/{cap_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_cap(
    cap_id: IdPath, session: SessionDep, user: CurrentUser, if_match: IfMatch = None
) -> Response:
    cap = get_or_404(session, SpendingCap, cap_id, "spending cap")
    bid = require_bid(session, user, cap.bid_id)
    if user.role != "pmo" and not can_write_bid(user, bid):
        raise Forbidden(f"you may not change the spending policy of bid {bid.id}")
    check_if_match(if_match, cap)
    session.delete(cap)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
