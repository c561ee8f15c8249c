"""Request and response bodies of the PMO endpoints (money as decimal strings)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from app.bids.schemas import BidCreate, Stage
from app.closeout.schemas import CloseOut, Outcome
from app.schemas import Code, Input, ORMModel, _no_control_chars

Comment = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=2000),
    AfterValidator(_no_control_chars),
]
Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=500),
    AfterValidator(_no_control_chars),
]
StageGroupBy = Literal["org_unit", "industry", "kind"]
PipelineGroupBy = Literal["month", "org_unit", "account", "product_line"]


class ChecklistUpdate(Input):
    """``{"checked": {item code: true|false}}``: the items to tick or untick."""

    checked: dict[Code, bool] = Field(min_length=1, max_length=50)


class GateReviewCreate(Input):
    decision: Literal["approve", "send_back", "stop"]
    comment: Comment | None = None
    override_reason: Reason | None = None
    to_stage: Stage | None = None


class WinProbabilityOverride(Input):
    percent: int = Field(ge=0, le=100)
    reason: Reason


class GateItemRead(BaseModel):
    code: str
    text_zh: str | None = None
    text_en: str | None = None
    name_zh: str | None = None
    name_en: str | None = None
    template_element: str | None = None
    checked: bool
    checked_by: int | None
    checked_at: str | None


class GateReviewRead(BaseModel):
    id: int
    bid_id: int
    stage: str
    decision: str
    comment: str | None
    override_reason: str | None
    missing: list[str]
    to_stage: str | None
    reviewer_id: int | None
    baseline_id: int | None
    created_at: dt.datetime


class GateRead(BaseModel):
    stage: str
    name_zh: str
    name_en: str
    current: bool
    default_win_probability_percent: int
    entry: list[GateItemRead]
    exit: list[GateItemRead]
    deliverables: list[GateItemRead]
    missing: list[str]
    exit_criteria_met: bool
    state: str
    passed_on: dt.date | None
    version: int
    reviews: list[GateReviewRead]


class GatesPage(BaseModel):
    bid_id: int
    stage: str
    status: str
    items: list[GateRead]
    total: int


class ReviewResult(BaseModel):
    review: GateReviewRead
    bid_stage: str
    bid_status: str
    bid_version: int


class StageVisitRead(ORMModel):
    id: int
    bid_id: int
    stage: str
    entered_at: dt.datetime
    left_at: dt.datetime | None
    outcome: str | None


class WinProbabilityRead(BaseModel):
    bid_id: int
    stage: str
    effective_percent: int
    source: Literal["override", "bid", "stage_default"]
    stage_default_percent: int
    percent: int | None
    reason: str | None


class StageStatsRead(BaseModel):
    stage: str
    bids_entered: int
    converted: int
    dropped: int
    undecided: int
    conversion_percent: Decimal | None
    visits_ended: int
    mean_days: Decimal | None


class StageGroupRead(BaseModel):
    group: str
    bids: int
    stages: list[StageStatsRead]


class StageReport(BaseModel):
    group_by: StageGroupBy
    items: list[StageGroupRead]
    total: int


class PipelineRowRead(BaseModel):
    group: str
    currency: str
    bids: int
    value: Decimal
    weighted_value: Decimal


class PipelineTotalRead(BaseModel):
    currency: str
    bids: int
    value: Decimal
    weighted_value: Decimal


class PipelineReport(BaseModel):
    group_by: PipelineGroupBy
    items: list[PipelineRowRead]
    total: int
    totals: list[PipelineTotalRead]
    bids_without_value: list[int]
    relationship_bids: list[int] = []
    note: str


class ForecastRead(BaseModel):
    currency: str
    bids: int
    total_value: Decimal
    expected: Decimal
    variance: Decimal
    standard_deviation: Decimal
    p10: Decimal
    p50: Decimal
    p90: Decimal
    method: Literal["exact", "monte_carlo"]
    draws: int | None
    seed: int | None


class ForecastReport(BaseModel):
    items: list[ForecastRead]
    total: int
    bids_without_value: list[int]
    relationship_bids: list[int] = []
    note: str


class StageOverride(Input):
    """The PMO puts an open bid in another stage without its gates, saying why."""

    stage: Stage
    reason: Reason


class ImportedCloseOut(CloseOut):
    """A closed bid's close-out in a history import: its outcome is the bid's status."""

    outcome: Outcome | None = None  # type: ignore[assignment]


class BidImport(BidCreate):
    """A bid with its history (PMO): any stage and status, why it is imported, and for a
    closed bid its close-out."""

    import_reason: Reason
    close_out: ImportedCloseOut | None = None


class WaitingGateRead(BaseModel):
    bid_id: int
    title: str
    title_en: str | None
    stage: str
    purpose: str
    ready: bool
    missing: list[str]
    review: str
