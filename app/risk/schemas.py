from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from app.schemas import Id, Input, ORMModel, Title

RiskCategory = Literal[
    "technical",
    "commercial",
    "customer",
    "competition",
    "resource",
    "compliance",
    "schedule",
    "other",
]
RiskStatus = Literal["open", "closed"]
Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
ImpactDays = Annotated[int, Field(ge=0, le=10_000)]
Response = Annotated[str, Field(max_length=2000)]
TaskIds = Annotated[list[Id], Field(max_length=1000)]


def check_three_point(
    prefix: str, optimistic: int | None, likely: int | None, pessimistic: int | None
) -> str | None:
    """The message when a three-point impact is incomplete or out of order, else None."""
    values = (optimistic, likely, pessimistic)
    if all(value is None for value in values):
        return None
    if any(value is None for value in values):
        return f"{prefix}: give optimistic, likely and pessimistic days together"
    assert optimistic is not None and likely is not None and pessimistic is not None
    if not optimistic <= likely <= pessimistic:
        return f"{prefix}: optimistic <= likely <= pessimistic must hold"
    return None


class RiskCreate(Input):
    title: Title
    category: RiskCategory = "other"
    status: RiskStatus = "open"
    owner_id: Id | None = None
    response: Response | None = None
    probability: Probability
    impact_optimistic_days: ImpactDays
    impact_likely_days: ImpactDays
    impact_pessimistic_days: ImpactDays
    post_probability: Probability | None = None
    post_impact_optimistic_days: ImpactDays | None = None
    post_impact_likely_days: ImpactDays | None = None
    post_impact_pessimistic_days: ImpactDays | None = None
    task_ids: TaskIds = Field(default_factory=list)

    @model_validator(mode="after")
    def _ordered(self) -> RiskCreate:
        for prefix in ("impact", "post_impact"):
            message = check_three_point(
                prefix,
                getattr(self, f"{prefix}_optimistic_days"),
                getattr(self, f"{prefix}_likely_days"),
                getattr(self, f"{prefix}_pessimistic_days"),
            )
            if message:
                raise ValueError(message)
        return self


class RiskUpdate(Input):
    title: Title | None = None
    category: RiskCategory | None = None
    status: RiskStatus | None = None
    owner_id: Id | None = None
    response: Response | None = None
    probability: Probability | None = None
    impact_optimistic_days: ImpactDays | None = None
    impact_likely_days: ImpactDays | None = None
    impact_pessimistic_days: ImpactDays | None = None
    post_probability: Probability | None = None
    post_impact_optimistic_days: ImpactDays | None = None
    post_impact_likely_days: ImpactDays | None = None
    post_impact_pessimistic_days: ImpactDays | None = None
    task_ids: TaskIds | None = None


class RiskRead(ORMModel):
    id: int
    bid_id: int
    title: str
    category: str
    status: str
    owner_id: int | None
    response: str | None
    probability: float
    impact_optimistic_days: int
    impact_likely_days: int
    impact_pessimistic_days: int
    post_probability: float | None
    post_impact_optimistic_days: int | None
    post_impact_likely_days: int | None
    post_impact_pessimistic_days: int | None
    task_ids: list[int] = Field(default_factory=list)
    version: int


class HistogramBin(BaseModel):
    date: dt.date
    count: int
    cumulative: float  # share of iterations finished by this date


class TaskIndex(BaseModel):
    task_id: int
    index: float


class TaskCorrelation(BaseModel):
    task_id: int
    rank_correlation: float


class TaskSource(BaseModel):
    task_id: int
    source: str  # task | calibration | template | fixed | actual (finished: its actual dates)
    optimistic_days: float | None
    likely_days: float | None
    pessimistic_days: float | None
    distribution: str | None


class RiskEffect(BaseModel):
    risk_id: int
    title: str
    probability: float
    occurred: float
    mean_delay_days: float
    p_meet_if_occurs: float | None


class Histograms(BaseModel):
    submission: list[HistogramBin]
    finish: list[HistogramBin]


class RiskAnalysisRead(BaseModel):
    bid_id: int
    iterations: int
    seed: int
    mitigation: Literal["pre", "post"]
    submission_task_id: int | None
    submission_deadline: dt.date | None
    p_meet_submission: float | None
    submission_p10: dt.date | None
    submission_p50: dt.date | None
    submission_p80: dt.date | None
    submission_p90: dt.date | None
    finish_p10: dt.date
    finish_p50: dt.date
    finish_p80: dt.date
    finish_p90: dt.date
    deterministic_submission: dt.date | None
    deterministic_finish: dt.date
    histogram: Histograms
    criticality: list[TaskIndex]
    sensitivity: list[TaskCorrelation]
    risks: list[RiskEffect]
    sources: list[TaskSource]
