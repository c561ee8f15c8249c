"""``GET /api/v1/bids/{bid}/gantt`` and ``GET /api/v1/portfolio/gantt``: Plotly figures as JSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.auth.deps import CurrentUser
from app.auth.permissions import require_bid
from app.db import SessionDep
from app.gantt.service import PortfolioFilters, bid_view, portfolio_figure
from app.params import BidPath, IdQuery
from app.schemas import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["gantt"], responses=PROBLEM_RESPONSES)

FIGURE_RESPONSE = {
    200: {
        "description": "A Plotly figure (``data`` and ``layout``)",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


@router.get("/bids/{bid}/gantt", responses=FIGURE_RESPONSE, response_class=Response)
def bid_gantt_json(bid_id: BidPath, session: SessionDep, user: CurrentUser) -> Response:
    """The bid's Gantt chart as a Plotly figure: one row per WBS element in WBS order."""
    bid = require_bid(session, user, bid_id)
    figure = bid_view(session, bid).figure()
    return Response(figure.to_json(), media_type="application/json")


@router.get("/portfolio/gantt", responses=FIGURE_RESPONSE, response_class=Response)
def portfolio_gantt_json(
    session: SessionDep,
    user: CurrentUser,
    subsidiary: IdQuery = None,
    stage: Annotated[str | None, Query(max_length=20)] = None,
    lead: IdQuery = None,
    account: IdQuery = None,
    group_by: Annotated[str, Query(pattern="^(subsidiary|account)$")] = "subsidiary",
    colour_by: Annotated[str, Query(pattern="^(stage|health)$")] = "stage",
) -> Response:
    """The PMO's portfolio Gantt of every bid the caller may read (filters optional)."""
    filters = PortfolioFilters(
        subsidiary=subsidiary,
        stage=stage,
        lead=lead,
        account=account,
        group_by="account" if group_by == "account" else "subsidiary",
        colour_by="health" if colour_by == "health" else "stage",
    )
    figure = portfolio_figure(session, user, filters)
    return Response(figure.to_json(), media_type="application/json")
