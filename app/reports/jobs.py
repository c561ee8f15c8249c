"""The cost-control report (the portfolio's XLSX above all) as a job: kind
``cost-control-report``, the same parameters as ``GET /api/v1/reports/cost-control``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.permissions import can_read_bid, require_bid
from app.bids.models import Bid
from app.jobs.models import Job
from app.jobs.registry import JobContext, JobKind, JobOutput, register
from app.reports.router import TaskTechnique, _options, cost_control_report
from app.schemas import Id, Input
from wbs import limits
from wbs.evm import EacMethod, EvTechnique

Ratio = Annotated[Decimal, Field(ge=0, le=10, max_digits=8, decimal_places=4)]


class CostControlParams(Input):
    bid: Id | None = None
    format: Literal["json", "csv", "xlsx"] = "xlsx"
    status_date: Annotated[
        dt.date | None, Field(ge=limits.PLAN_DATE_MIN, le=limits.PLAN_DATE_MAX)
    ] = None
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "CNY"
    eac_method: EacMethod = EacMethod.BAC_OVER_CPI
    ev_technique: TaskTechnique = "percent_complete"
    pursuit_threshold: Ratio = Decimal("0.05")
    cpi_warning: Ratio = Decimal("0.95")
    spi_warning: Ratio = Decimal("0.95")


def check(session: Session, user: User, params: CostControlParams) -> None:
    if params.bid is not None:
        require_bid(session, user, params.bid)


def run(context: JobContext, params: CostControlParams) -> JobOutput:
    options = _options(
        params.status_date,
        params.currency,
        params.eac_method,
        params.pursuit_threshold,
        params.cpi_warning,
        params.spi_warning,
    )
    options.ev_technique = EvTechnique(params.ev_technique)

    def progress(done: int, total: int) -> None:
        context.progress(0.9 * done / total, f"bid {done} of {total} 投标 {done}/{total}")

    with context.session_factory() as session:
        user = context.user(session)
        context.progress(0.0, "reading the bids 读取投标")
        report = cost_control_report(session, user, params.bid, params.format, options, progress)
        context.progress(0.95, f"writing the {params.format.upper()} 生成文件")
    if isinstance(report, dict):
        return JobOutput(data=report, bid_id=params.bid)
    body, media_type, filename = report
    return JobOutput(file=body, media_type=media_type, filename=filename, bid_id=params.bid)


def may_read(session: Session, user: User, job: Job) -> bool:
    """A bid's report: whoever may read that bid; the portfolio's: its requester (its content
    is what they may see)."""
    bid_id = job.params.get("bid")
    if bid_id is None:
        return False
    bid = session.get(Bid, bid_id)
    return bid is not None and can_read_bid(user, bid)


register(
    JobKind(
        name="cost-control-report",
        title="Cost-control report 成本控制报表",
        params=CostControlParams,
        check=check,
        run=run,
        may_read=may_read,
    )
)
