"""The PMO page ``/pmo``: gates waiting for review, gates board (open bids by stage), weighted
pipeline by month (Plotly), forecast P10/P50/P90 and the stage conversion table.

Every figure on it comes from the same services as ``/api/v1/pmo/*`` and covers the bids the
caller may read; no session redirects to ``/login`` like every page.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from app.auth.deps import OptionalUser
from app.auth.models import User
from app.auth.permissions import visible_bids_clause
from app.bids.models import STAGES, Bid
from app.db import SessionDep
from app.pages.router import _to_login, render, safe_json
from app.pmo import control, service
from app.pmo.probability import effective_win_probability, win_probability_source
from gantt.pipeline import pipeline_bars
from wbs import pipeline
from wbs.gates import load_gates

router = APIRouter(include_in_schema=False)
STAGE_GROUPS = {
    "org_unit": "Subsidiary 子公司",
    "industry": "Industry 行业",
    "kind": "Bid kind 投标类型",
}


def _board(session: SessionDep, user: User) -> list[dict[str, Any]]:
    """Open bids in columns by stage, each with its effective probability and gate readiness."""
    statement = select(Bid).where(visible_bids_clause(user), Bid.status == "open").order_by(Bid.id)
    bids = list(session.scalars(statement))
    gates = load_gates()
    columns: list[dict[str, Any]] = []
    waiting = {row["bid"].id: row["missing"] for row in control.waiting_gates(session, user)}
    for stage in STAGES:
        cards = []
        for bid in (b for b in bids if b.stage == stage):
            missing = waiting.get(bid.id, [])
            cards.append(
                {
                    "bid": bid,
                    "probability": effective_win_probability(stage, bid.win_probability_percent),
                    "source": win_probability_source(
                        bid.win_probability_percent, bid.win_probability_reason
                    ),
                    "missing": len(missing),
                }
            )
        columns.append({"stage": stage, "gate": gates.gate(stage), "cards": cards})
    return columns


def _waiting(session: SessionDep, user: User) -> list[dict[str, Any]]:
    """Open bids at their gate, ready ones first, missing items in words."""
    gates = load_gates()
    rows = control.waiting_gates(session, user)
    rows.sort(key=lambda row: (not row["ready"], len(row["missing"]), row["bid"].id))
    for row in rows:
        row["missing_text"] = [
            control.missing_label(gates, row["bid"].stage, code) for code in row["missing"]
        ]
    return rows


@router.get("/pmo", response_class=HTMLResponse, response_model=None)
def pmo_page(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    group_by: Annotated[str, Query(max_length=12)] = "org_unit",
) -> Response:
    if user is None:
        return _to_login(request)
    stage_group = group_by if group_by in STAGE_GROUPS else "org_unit"
    data = service.pipeline_input(session, user)
    by_month = pipeline.weighted_pipeline(data.bids, "month")
    outcomes = [pipeline.Outcome(b.value, b.probability_percent, b.currency) for b in data.bids]
    return render(
        request,
        "pmo.html",
        {
            "user": user,
            "board": _board(session, user),
            "waiting": _waiting(session, user),
            "relationship": [session.get(Bid, bid_id) for bid_id in data.relationship],
            "by_month": by_month,
            "totals": pipeline.totals_by_currency(data.bids),
            "figure_json": safe_json(pipeline_bars(by_month).to_json()) if by_month else None,
            "forecasts": pipeline.forecast(outcomes),
            "without_value": data.without_value,
            "stage_groups": STAGE_GROUPS,
            "stage_group": stage_group,
            "stage_report": service.stage_report(session, user, stage_group),
            "exact_limit": pipeline.EXACT_LIMIT,
            "draws": pipeline.MONTE_CARLO_DRAWS,
        },
    )
