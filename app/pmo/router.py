"""PMO endpoints: gates and reviews of a bid, its stage history and win probability, and the
portfolio reports ``/api/v1/pmo/{stage-report,pipeline,forecast}``; plus the ``/pmo`` page.

Writes to a gate's checklist need the gate's ETag (``W/"0"`` before its first change); a review
and a win-probability override change the bid, so they need the bid's ETag.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from app.auth.deps import CurrentUser, require_role
from app.auth.permissions import require_bid
from app.bids.schemas import BidRead, Stage
from app.db import SessionDep
from app.etag import IfMatch, check_if_match, committed, set_etag
from app.guards import bid_access, guarded, roles
from app.pagination import Page, PageDep
from app.params import BidPath
from app.pmo import control, pages, service
from app.pmo.schemas import (
    BidImport,
    ChecklistUpdate,
    ForecastRead,
    ForecastReport,
    GateRead,
    GateReviewCreate,
    GateReviewRead,
    GatesPage,
    PipelineGroupBy,
    PipelineReport,
    PipelineRowRead,
    PipelineTotalRead,
    ReviewResult,
    StageGroupBy,
    StageGroupRead,
    StageOverride,
    StageReport,
    StageVisitRead,
    WaitingGateRead,
    WinProbabilityOverride,
    WinProbabilityRead,
)
from app.schemas import PROBLEM_RESPONSES
from wbs import pipeline

router = APIRouter()
router.include_router(pages.router)
api = APIRouter(prefix="/api/v1", tags=["pmo"], responses=PROBLEM_RESPONSES)
StagePath = Annotated[Stage, Path(description="bid stage")]
CURRENCY_NOTE = (
    "Amounts are never converted between currencies: every row and total is per currency. "
    "Only open bids with a value count; bids_without_value lists the others. Relationship "
    "bids (purpose relationship) are not weighted in: relationship_bids lists them."
)


# --- gates ----------------------------------------------------------------------------------


@api.get("/bids/{bid}/gates", response_model=GatesPage)
def list_gates(bid_id: BidPath, session: SessionDep, user: CurrentUser, page: PageDep) -> GatesPage:
    """Every stage's gate of the bid, in stage order."""
    bid = require_bid(session, user, bid_id)
    gates = service.gates_json(session, bid)
    items = [GateRead.model_validate(g) for g in gates[page.offset : page.offset + page.limit]]
    return GatesPage(
        bid_id=bid.id, stage=bid.stage, status=bid.status, items=items, total=len(gates)
    )


@api.get("/bids/{bid}/gates/{stage}", response_model=GateRead)
def get_gate(
    bid_id: BidPath, stage: StagePath, session: SessionDep, user: CurrentUser, response: Response
) -> GateRead:
    bid = require_bid(session, user, bid_id)
    row = service.gate_row(session, bid.id, stage)
    set_etag(response, row or service.NewGate())
    reviews = [r for r in service.gate_reviews(session, bid.id) if r.stage == stage]
    return GateRead.model_validate(service.gate_json(bid, stage, row, reviews))


@api.patch("/bids/{bid}/gates/{stage}", response_model=GateRead)
@guarded(bid_access(write=True))
def update_checklist(
    bid_id: BidPath,
    stage: StagePath,
    body: ChecklistUpdate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> GateRead:
    """Tick or untick entry/exit items and deliverables (the bid's lead or the PMO)."""
    bid = require_bid(session, user, bid_id, write=True)
    check_if_match(if_match, service.gate_row(session, bid.id, stage) or service.NewGate())
    row = service.update_checklist(session, user, bid, stage, body.checked)
    session.commit()
    set_etag(response, row)
    reviews = [r for r in service.gate_reviews(session, bid.id) if r.stage == stage]
    return GateRead.model_validate(service.gate_json(bid, stage, row, reviews))


@api.post(
    "/bids/{bid}/gates/{stage}/review",
    response_model=ReviewResult,
    status_code=status.HTTP_201_CREATED,
)
@guarded(bid_access(write=True, allowed=("pmo",)))
def review_gate(
    bid_id: BidPath,
    stage: StagePath,
    body: GateReviewCreate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> ReviewResult:
    """The PMO approves, sends back or stops the bid at its current gate (If-Match: the bid)."""
    bid = require_bid(session, user, bid_id, write=True)
    require_role(user, "pmo")
    check_if_match(if_match, bid)
    decision = service.Decision(body.decision, body.comment, body.override_reason, body.to_stage)
    review = service.review_gate(session, user, bid, stage, decision)
    session.commit()
    set_etag(response, bid)
    return ReviewResult(
        review=GateReviewRead.model_validate(service.review_json(review)),
        bid_stage=bid.stage,
        bid_status=bid.status,
        bid_version=bid.version,
    )


@api.post("/bids/{bid}/stage-override", response_model=ReviewResult)
@guarded(bid_access(write=True, allowed=("pmo",)))
def override_stage(
    bid_id: BidPath,
    body: StageOverride,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> ReviewResult:
    """The PMO corrects an open bid's stage outside its gates, with a reason (journaled and
    listed with the gate reviews as decision ``override``; If-Match: the bid)."""
    bid = require_bid(session, user, bid_id, write=True)
    require_role(user, "pmo")
    check_if_match(if_match, bid)
    review = control.override_stage(session, user, bid, body.stage, body.reason)
    session.commit()
    set_etag(response, bid)
    return ReviewResult(
        review=GateReviewRead.model_validate(service.review_json(review)),
        bid_stage=bid.stage,
        bid_status=bid.status,
        bid_version=bid.version,
    )


@api.post("/pmo/bid-imports", response_model=BidRead, status_code=status.HTTP_201_CREATED)
@guarded(roles("pmo"))
def import_bid_history(
    body: BidImport, session: SessionDep, user: CurrentUser, response: Response
) -> BidRead:
    """The PMO brings in a bid with its history: its stage and status as given, the import
    reason recorded as a gate review ``import``, a closed bid with its close-out. A second
    quote on a pursued account is held for arbitration."""
    require_role(user, "pmo")
    data = body.model_dump(exclude={"import_reason", "close_out"})
    close_out = body.close_out.model_dump(exclude={"outcome"}) if body.close_out else None
    bid = control.import_bid(session, user, data, body.import_reason, close_out)
    return committed(session, response, bid, BidRead)


@api.get("/pmo/gates/waiting", response_model=Page[WaitingGateRead])
def waiting_gates(session: SessionDep, user: CurrentUser, page: PageDep) -> Page[WaitingGateRead]:
    """Open bids at their current gate, ready ones (nothing missing) first."""
    rows = control.waiting_gates(session, user)
    rows.sort(key=lambda row: (not row["ready"], row["bid"].id))
    items = [
        WaitingGateRead(
            bid_id=row["bid"].id,
            title=row["bid"].title,
            title_en=row["bid"].title_en,
            stage=row["bid"].stage,
            purpose=row["bid"].purpose,
            ready=row["ready"],
            missing=row["missing"],
            review=f"/api/v1/bids/{row['bid'].id}/gates/{row['bid'].stage}/review",
        )
        for row in rows[page.offset : page.offset + page.limit]
    ]
    return Page(items=items, total=len(rows))


@api.get("/bids/{bid}/stage-history", response_model=Page[StageVisitRead])
def stage_history(
    bid_id: BidPath, session: SessionDep, user: CurrentUser, page: PageDep
) -> Page[StageVisitRead]:
    require_bid(session, user, bid_id)
    visits = service.stage_history(session, bid_id)
    items = visits[page.offset : page.offset + page.limit]
    return Page(items=[StageVisitRead.model_validate(v) for v in items], total=len(visits))


# --- win probability ------------------------------------------------------------------------


@api.get("/bids/{bid}/win-probability", response_model=WinProbabilityRead)
def get_win_probability(
    bid_id: BidPath, session: SessionDep, user: CurrentUser, response: Response
) -> WinProbabilityRead:
    bid = require_bid(session, user, bid_id)
    set_etag(response, bid)
    return WinProbabilityRead.model_validate(service.win_probability_json(bid))


@api.post("/bids/{bid}/win-probability", response_model=WinProbabilityRead)
@guarded(bid_access(write=True))
def override_win_probability(
    bid_id: BidPath,
    body: WinProbabilityOverride,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> WinProbabilityRead:
    """Override the stage default with a reason (the bid's lead or the PMO; If-Match: bid)."""
    bid = require_bid(session, user, bid_id, write=True)
    check_if_match(if_match, bid)
    service.override_win_probability(session, user, bid, body.percent, body.reason)
    session.commit()
    set_etag(response, bid)
    return WinProbabilityRead.model_validate(service.win_probability_json(bid))


@api.delete("/bids/{bid}/win-probability", response_model=WinProbabilityRead)
def clear_win_probability(
    bid_id: BidPath,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> WinProbabilityRead:
    """Drop the bid's own probability: the stage default applies again."""
    bid = require_bid(session, user, bid_id, write=True)
    check_if_match(if_match, bid)
    service.clear_win_probability(session, user, bid)
    session.commit()
    set_etag(response, bid)
    return WinProbabilityRead.model_validate(service.win_probability_json(bid))


# --- reports --------------------------------------------------------------------------------


@api.get("/pmo/stage-report", response_model=StageReport)
def stage_report(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    group_by: Annotated[StageGroupBy, Query()] = "org_unit",
) -> StageReport:
    """Time in each stage and stage-to-stage conversion of the caller's bids, per group."""
    groups = service.stage_report(session, user, group_by)
    items = [
        StageGroupRead.model_validate(group, from_attributes=True)
        for group in groups[page.offset : page.offset + page.limit]
    ]
    return StageReport(group_by=group_by, items=items, total=len(groups))


@api.get("/pmo/pipeline", response_model=PipelineReport)
def pipeline_report(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    group_by: Annotated[PipelineGroupBy, Query()] = "month",
) -> PipelineReport:
    """Weighted pipeline (value × effective win probability) of the caller's open bids."""
    data = service.pipeline_input(session, user)
    rows = pipeline.weighted_pipeline(data.bids, group_by)
    return PipelineReport(
        group_by=group_by,
        items=[
            PipelineRowRead.model_validate(r, from_attributes=True)
            for r in rows[page.offset : page.offset + page.limit]
        ],
        total=len(rows),
        totals=[
            PipelineTotalRead.model_validate(r, from_attributes=True)
            for r in pipeline.totals_by_currency(data.bids)
        ],
        bids_without_value=data.without_value,
        relationship_bids=data.relationship,
        note=CURRENCY_NOTE,
    )


@api.get("/pmo/forecast", response_model=ForecastReport)
def forecast_report(session: SessionDep, user: CurrentUser) -> ForecastReport:
    """Sales forecast per currency: expected value, variance, P10/P50/P90 (``wbs.pipeline``)."""
    data = service.pipeline_input(session, user)
    outcomes = [pipeline.Outcome(b.value, b.probability_percent, b.currency) for b in data.bids]
    forecasts = pipeline.forecast(outcomes)
    return ForecastReport(
        items=[ForecastRead.model_validate(f, from_attributes=True) for f in forecasts],
        total=len(forecasts),
        bids_without_value=data.without_value,
        relationship_bids=data.relationship,
        note=CURRENCY_NOTE
        + " Bids are independent win/lose outcomes; percentiles are exact up to "
        + f"{pipeline.EXACT_LIMIT} bids, else Monte Carlo ({pipeline.MONTE_CARLO_DRAWS} draws, "
        + f"seed {pipeline.MONTE_CARLO_SEED}).",
    )


router.include_router(api)
