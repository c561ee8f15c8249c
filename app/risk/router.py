"""The risk register (``/bids/{bid}/risks``, ``/risks/{risk}``) and the schedule risk
(``GET /bids/{bid}/risk``): read like the bid, written like its tasks (the bid's writers)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response, status
from sqlalchemy import select

from app.auth.deps import CurrentUser
from app.auth.permissions import require_bid
from app.db import SessionDep
from app.etag import IfMatch, check_if_match, set_etag
from app.guards import bid_access, guarded
from app.pagination import Page, PageDep, paginate
from app.params import BidPath
from app.risk import service
from app.risk.models import Risk
from app.risk.schemas import RiskAnalysisRead, RiskCreate, RiskRead, RiskUpdate
from app.schemas import MAX_ID, PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["risk"], responses=PROBLEM_RESPONSES)
RiskPath = Annotated[int, Path(alias="risk", ge=1, le=MAX_ID, description="risk id")]


def _read(session: Any, risk: Risk) -> RiskRead:
    task_ids = service.task_ids_of(session, [risk.id])[risk.id]
    return RiskRead.model_validate(service.risk_json(risk, task_ids))


def _risk_guard(*, write: bool) -> Any:
    def check(session: Any, user: Any, ids: Any) -> None:
        risk = service.get_risk(session, ids["risk"])
        require_bid(session, user, risk.bid_id, write=write, lock=False)

    return check


@router.get("/bids/{bid}/risks", response_model=Page[RiskRead])
def list_risks(
    bid_id: BidPath, session: SessionDep, user: CurrentUser, page: PageDep
) -> Page[RiskRead]:
    require_bid(session, user, bid_id)
    statement = select(Risk).where(Risk.bid_id == bid_id).order_by(Risk.id)
    rows, total = paginate(session, statement, page)
    tasks = service.task_ids_of(session, [row.id for row in rows])
    items = [RiskRead.model_validate(service.risk_json(row, tasks[row.id])) for row in rows]
    return Page(items=items, total=total)


@router.post("/bids/{bid}/risks", response_model=RiskRead, status_code=status.HTTP_201_CREATED)
@guarded(bid_access(write=True))
def create_risk(
    bid_id: BidPath, body: RiskCreate, session: SessionDep, user: CurrentUser, response: Response
) -> RiskRead:
    bid = require_bid(session, user, bid_id, write=True)
    risk = service.create_risk(session, user, bid, body.model_dump())
    read = _read(session, risk)
    session.commit()
    set_etag(response, risk)
    return read


@router.get("/risks/{risk}", response_model=RiskRead)
def get_risk(
    risk_id: RiskPath, session: SessionDep, user: CurrentUser, response: Response
) -> RiskRead:
    risk = service.get_risk(session, risk_id)
    require_bid(session, user, risk.bid_id)
    set_etag(response, risk)
    return _read(session, risk)


@router.patch("/risks/{risk}", response_model=RiskRead)
@guarded(_risk_guard(write=True))
def update_risk(
    risk_id: RiskPath,
    body: RiskUpdate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> RiskRead:
    risk = service.get_risk(session, risk_id)
    bid = require_bid(session, user, risk.bid_id, write=True)
    check_if_match(if_match, risk)
    service.update_risk(session, user, bid, risk, body.model_dump(exclude_unset=True))
    read = _read(session, risk)
    session.commit()
    set_etag(response, risk)
    return read.model_copy(update={"version": risk.version})


@router.delete("/risks/{risk}", status_code=status.HTTP_204_NO_CONTENT)
def delete_risk(
    risk_id: RiskPath, session: SessionDep, user: CurrentUser, if_match: IfMatch = None
) -> Response:
    risk = service.get_risk(session, risk_id)
    require_bid(session, user, risk.bid_id, write=True)
    check_if_match(if_match, risk)
    service.delete_risk(session, user, risk)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/bids/{bid}/risk", response_model=RiskAnalysisRead)
def get_bid_risk(
    bid_id: BidPath,
    session: SessionDep,
    user: CurrentUser,
    iterations: Annotated[int, Query(ge=1, le=service.MAX_ITERATIONS)] = 10_000,
    seed: Annotated[int, Query(ge=0, le=2**32 - 1)] = 0,
    mitigation: Literal["pre", "post"] = "post",
) -> RiskAnalysisRead:
    """Monte Carlo schedule risk: ``iterations`` full CPM runs (seeded, reproducible) over the
    three-point estimates and the open risks (``mitigation``: their values after the response,
    the default, or before it)."""
    bid = require_bid(session, user, bid_id)
    analysis = service.bid_risk(session, bid, iterations, seed, mitigation)
    return RiskAnalysisRead.model_validate(analysis)
