"""``/api/v1/reports/cost-control`` (JSON, CSV, XLSX) and ``/api/v1/reports/alerts``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from app.auth.deps import CurrentUser
from app.auth.models import User
from app.auth.permissions import require_bid
from app.db import SessionDep
from app.pagination import PageDep
from app.params import IdQuery
from app.reports import service, writers
from app.schemas import PROBLEM_RESPONSES
from wbs import limits
from wbs.costs import AlertThresholds
from wbs.evm import EacMethod, EvTechnique

router = APIRouter(prefix="/api/v1/reports", tags=["reports"], responses=PROBLEM_RESPONSES)

TaskTechnique = Literal["percent_complete", "0/100", "50/50"]
Ratio = Annotated[Decimal, Query(ge=0, le=10, max_digits=8, decimal_places=4)]
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _options(
    status_date: dt.date | None,
    currency: str,
    eac_method: EacMethod,
    pursuit_threshold: Decimal,
    cpi_warning: Decimal,
    spi_warning: Decimal,
) -> service.ReportOptions:
    defaults = AlertThresholds()
    return service.ReportOptions(
        status_date=status_date,
        currency=currency,
        eac_method=eac_method,
        pursuit_threshold=pursuit_threshold,
        thresholds=AlertThresholds(
            cpi_warning=cpi_warning,
            cpi_critical=min(defaults.cpi_critical, cpi_warning),
            spi_warning=spi_warning,
            spi_critical=min(defaults.spi_critical, spi_warning),
        ),
    )


StatusDate = Annotated[dt.date | None, Query(ge=limits.PLAN_DATE_MIN, le=limits.PLAN_DATE_MAX)]
Currency = Annotated[str, Query(pattern=r"^[A-Z]{3}$")]


@router.get(
    "/cost-control",
    response_model=None,
    responses={200: {"content": {"application/json": {}, **{m: {} for m in MEDIA_TYPES.values()}}}},
)
def cost_control(
    session: SessionDep,
    user: CurrentUser,
    bid: IdQuery = None,
    format_: Annotated[Literal["json", "csv", "xlsx"], Query(alias="format")] = "json",
    status_date: StatusDate = None,
    currency: Currency = "CNY",
    eac_method: Annotated[EacMethod, Query()] = EacMethod.BAC_OVER_CPI,
    ev_technique: Annotated[TaskTechnique, Query()] = "percent_complete",
    pursuit_threshold: Ratio = Decimal("0.05"),
    cpi_warning: Ratio = Decimal("0.95"),
    spi_warning: Ratio = Decimal("0.95"),
) -> Response | dict[str, object]:
    """Finance's cost-control report: one bid (``bid``) in its currency, or the portfolio.

    Budget, committed, actual, remaining and forecast per WBS node, category, bid, subsidiary
    and portfolio; EVM at the status date with one-line explanations; the weekly S-curve; cost
    of pursuit against the weighted bid value; alerts. ``format`` = json, csv or xlsx.
    ``ev_technique`` says how work tasks earn value (milestones always earn 0/100).
    """
    options = _options(
        status_date, currency, eac_method, pursuit_threshold, cpi_warning, spi_warning
    )
    options.ev_technique = EvTechnique(ev_technique)
    report = cost_control_report(session, user, bid, format_, options)
    if isinstance(report, dict):
        return report
    body, media_type, filename = report
    return Response(
        content=body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def cost_control_report(
    session: Session,
    user: User,
    bid: int | None,
    format_: str,
    options: service.ReportOptions,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, object] | tuple[bytes, str, str]:
    """The report as JSON, or a CSV/XLSX file (bytes, media type, file name): the one code
    path of ``GET /cost-control`` and of the ``cost-control-report`` job."""
    if bid is not None:
        row = require_bid(session, user, bid)
        report = service.bid_report_json(service.bid_report(session, row, options), options)
        stem = f"kampmo-cost-control-bid-{row.id}"
    else:
        report = service.portfolio_report_json(session, user, options, progress)
        stem = "kampmo-cost-control-portfolio"
    if format_ == "json":
        return report
    tables = writers.report_tables(report)
    body = writers.to_csv(tables) if format_ == "csv" else writers.to_xlsx(tables)
    return body, MEDIA_TYPES[format_], f"{stem}.{format_}"


@router.get("/alerts")
def alerts(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    bid: IdQuery = None,
    severity: Annotated[Literal["warning", "critical"] | None, Query()] = None,
    status_date: StatusDate = None,
    pursuit_threshold: Ratio = Decimal("0.05"),
    cpi_warning: Ratio = Decimal("0.95"),
    spi_warning: Ratio = Decimal("0.95"),
) -> dict[str, object]:
    """The alerts of every bid the caller may read (or of ``bid``), most severe first."""
    options = _options(
        status_date, "CNY", EacMethod.BAC_OVER_CPI, pursuit_threshold, cpi_warning, spi_warning
    )
    if bid is not None:
        row = require_bid(session, user, bid)
        report = service.bid_report(session, row, options)
        items = [service.alert_json(alert, row) for alert in report.alerts]
    else:
        items = service.alerts_for(session, user, options)
    if severity is not None:
        items = [item for item in items if item["severity"] == severity]
    return {"items": items[page.offset : page.offset + page.limit], "total": len(items)}
