from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, computed_field

from app.pmo import probability
from app.schemas import CurrencyCode, Id, Input, MoneyIn, ORMModel, Percent, ShortText, Title
from wbs import limits

BidKind = Literal["cross_sell", "new_customer"]
Stage = Literal[
    "lead_in", "goals", "team", "analysis", "strategy", "plan", "execution", "close_out"
]
Status = Literal["open", "won", "lost", "abandoned"]
Purpose = Literal["win", "relationship"]
KamRole = Literal["sales_rep", "presales_consultant", "project_manager", "executive_sponsor", "pmo"]
PlanDate = Field(default=None, ge=limits.PLAN_DATE_MIN, le=limits.PLAN_DATE_MAX)
RiskDistribution = Literal["triangular", "pert", "uniform"]


class CorrelationGroup(Input):
    """Tasks whose durations move together (schedule risk, ``app.risk``)."""

    task_ids: Annotated[list[Id], Field(min_length=2, max_length=1000)]
    rank_correlation: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


def _disjoint(groups: list[CorrelationGroup]) -> list[CorrelationGroup]:
    seen: set[int] = set()
    for group in groups:
        if seen & set(group.task_ids):
            raise ValueError("a task may be in one correlation group only")
        seen |= set(group.task_ids)
    return groups


CorrelationGroups = Annotated[
    list[CorrelationGroup], Field(max_length=50), AfterValidator(_disjoint)
]


class BidCreate(Input):
    account_id: Id
    org_unit_id: Id
    title: Title
    title_en: Title | None = None
    kind: BidKind = "cross_sell"
    # a new bid starts at lead-in and open; other values are the PMO's history import
    # (``POST /api/v1/pmo/bid-imports``) and answer 409 here
    stage: Stage = "lead_in"
    status: Status = "open"
    purpose: Purpose = "win"
    relationship_budget_cap: MoneyIn | None = None
    product_line: ShortText | None = None
    value: MoneyIn | None = None
    currency: CurrencyCode = "CNY"
    win_probability_percent: Percent | None = None
    start_date: dt.date = Field(ge=limits.PLAN_DATE_MIN, le=limits.PLAN_DATE_MAX)
    submission_deadline: dt.date | None = PlanDate
    expected_award_date: dt.date | None = PlanDate
    status_date: dt.date | None = PlanDate
    pursuit_budget: MoneyIn | None = None
    calendar_id: Id | None = None
    lead_id: Id | None = None


class BidUpdate(Input):
    account_id: Id | None = None
    org_unit_id: Id | None = None
    title: Title | None = None
    title_en: Title | None = None
    kind: BidKind | None = None
    # not writable: a change answers 409 naming the gate review or close-out endpoint
    stage: Stage | None = None
    status: Status | None = None
    purpose: Purpose | None = None
    relationship_budget_cap: MoneyIn | None = None
    product_line: ShortText | None = None
    value: MoneyIn | None = None
    currency: CurrencyCode | None = None
    win_probability_percent: Percent | None = None
    start_date: dt.date | None = PlanDate
    submission_deadline: dt.date | None = PlanDate
    expected_award_date: dt.date | None = PlanDate
    status_date: dt.date | None = PlanDate
    pursuit_budget: MoneyIn | None = None
    calendar_id: Id | None = None
    lead_id: Id | None = None
    risk_distribution: RiskDistribution | None = None
    risk_correlations: CorrelationGroups | None = None


class BidRead(ORMModel):
    id: int
    account_id: int
    org_unit_id: int
    title: str
    title_en: str | None
    kind: str
    stage: str
    status: str
    purpose: str = "win"
    relationship_budget_cap: Decimal | None = None
    product_line: str | None = None
    arbitration: str | None = None
    value: Decimal | None
    currency: str
    win_probability_percent: int | None
    win_probability_reason: str | None = None
    start_date: dt.date
    submission_deadline: dt.date | None
    expected_award_date: dt.date | None = None
    status_date: dt.date | None
    pursuit_budget: Decimal | None
    calendar_id: int | None
    lead_id: int | None
    accepted_at: dt.datetime | None = None  # the PMO's acceptance past lead-in (app.accounts)
    project_finish: dt.date | None
    schedule_duration_days: int | None
    risk_distribution: str | None = None
    risk_correlations: list[dict[str, Any]] | None = None
    version: int
    schedule_diff: dict[str, Any] | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def effective_win_probability_percent(self) -> int:
        """The bid's own probability when set, else its stage's default (``wbs.gates``)."""
        return probability.effective_win_probability(self.stage, self.win_probability_percent)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def win_probability_source(self) -> str:
        return probability.win_probability_source(
            self.win_probability_percent, self.win_probability_reason
        )


class TeamMemberCreate(Input):
    person_id: Id
    kam_role: KamRole
    allocation_percent: Percent = 100


class TeamMemberRead(ORMModel):
    id: int
    bid_id: int
    person_id: int
    kam_role: str
    allocation_percent: int
    version: int


class BidImportRead(BidRead):
    """The imported bid and the import's report: per field family, how many values the file
    had and how many were mapped to kampmo records, kept alongside for export, or lost (with
    the tasks named)."""

    import_report: dict[str, Any] = Field(default_factory=dict)
