"""``/api/v1/bids/{bid}/baselines``: frozen copies of dates and budgets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response, status
from sqlalchemy import select

from app.auth.deps import CurrentUser
from app.auth.permissions import require_bid
from app.baselines.models import Baseline
from app.baselines.service import take_baseline
from app.crud import get_or_404
from app.db import SessionDep
from app.etag import committed, set_etag
from app.guards import bid_access, guarded
from app.pagination import Page, PageDep, paginate
from app.params import BidPath, IdPath
from app.schemas import PROBLEM_RESPONSES, Input, Name, ORMModel

router = APIRouter(prefix="/api/v1", tags=["baselines"], responses=PROBLEM_RESPONSES)


class BaselineCreate(Input):
    name: Name


class BaselineSummary(ORMModel):
    id: int
    bid_id: int
    name: str
    taken_by_id: int | None
    created_at: datetime
    version: int


class BaselineRead(BaselineSummary):
    snapshot: dict[str, Any]


@router.get("/bids/{bid}/baselines", response_model=Page[BaselineSummary])
def list_baselines(
    bid_id: BidPath, session: SessionDep, user: CurrentUser, page: PageDep
) -> Page[BaselineSummary]:
    require_bid(session, user, bid_id)
    statement = select(Baseline).where(Baseline.bid_id == bid_id).order_by(Baseline.id)
    rows, total = paginate(session, statement, page)
    return Page(items=[BaselineSummary.model_validate(r) for r in rows], total=total)


@router.post(
    "/bids/{bid}/baselines", response_model=BaselineRead, status_code=status.HTTP_201_CREATED
)
@guarded(bid_access(write=True))
def create_baseline(
    bid_id: BidPath,
    body: BaselineCreate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
) -> BaselineRead:
    bid = require_bid(session, user, bid_id, write=True)
    baseline = take_baseline(session, user, bid, body.name)
    return committed(session, response, baseline, BaselineRead)


@router.get("/baselines/{baseline_id}", response_model=BaselineRead)
def get_baseline(
    baseline_id: IdPath, session: SessionDep, user: CurrentUser, response: Response
) -> BaselineRead:
    baseline = get_or_404(session, Baseline, baseline_id, "baseline")
    require_bid(session, user, baseline.bid_id)
    set_etag(response, baseline)
    return BaselineRead.model_validate(baseline)
