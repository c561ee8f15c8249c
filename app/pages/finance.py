"""What the ``/finance`` page shows, from the cost-control report (``app.reports``): per bid
its money and CPI/SPI, and the alerts of open bids in the order they need action (critical
first, then the most money at stake).

Plain functions over the report's JSON, so the page shows exactly what the API and the Excel
download say.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.bids.models import Bid
from wbs.costs import CATEGORY_LABELS

SEVERITY_ORDER = {"critical": 0, "warning": 1}
SEVERITY_LABELS = {"critical": ("严重", "Critical"), "warning": ("警告", "Warning")}


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@dataclass(slots=True)
class BidLine:
    bid_id: int
    title: str
    stage: str
    open: bool
    currency: str
    budget: Decimal | None
    actual: Decimal | None
    remaining: Decimal | None
    forecast: Decimal | None
    cpi: Decimal | None
    spi: Decimal | None
    alerts: int

    @property
    def overrun(self) -> Decimal:
        if self.forecast is None or self.budget is None:
            return Decimal(0)
        return self.forecast - self.budget


@dataclass(slots=True)
class AlertLine:
    severity: str
    severity_label: str
    bid_id: int
    title: str
    text: str
    amount: Decimal
    currency: str


def bid_lines(report: dict[str, Any], bids: dict[int, Bid]) -> list[BidLine]:
    """One line per bid in the report's currency; open bids first, the worst index first."""
    lines = []
    for item in report.get("bids", []):
        bid = bids.get(item["bid_id"])
        totals = item.get("totals", {})
        evm = item.get("evm") or {}
        lines.append(
            BidLine(
                bid_id=item["bid_id"],
                title=item["title"],
                stage=bid.stage if bid is not None else "",
                open=bid is not None and bid.status == "open",
                currency=str(report.get("currency", "CNY")),
                budget=_decimal(totals.get("budget")),
                actual=_decimal(totals.get("actual")),
                remaining=_decimal(totals.get("remaining")),
                forecast=_decimal(totals.get("forecast")),
                cpi=_decimal(evm.get("cpi")),
                spi=_decimal(evm.get("spi")),
                alerts=len(item.get("alerts", []))
                if bid is not None and bid.status == "open"
                else 0,
            )
        )

    def worst(line: BidLine) -> Decimal:
        indices = [value for value in (line.cpi, line.spi) if value is not None]
        return min(indices) if indices else Decimal(99)

    return sorted(lines, key=lambda line: (not line.open, worst(line), -line.overrun))


def _category(subject: str) -> str:
    return subject.rsplit("category:", 1)[1] if "category:" in subject else ""


def _at_stake(alert: dict[str, Any], item: dict[str, Any]) -> Decimal:
    """The money an alert is about: an overrun, a schedule or cost variance, a pursuit excess."""
    value, threshold = _decimal(alert.get("value")), _decimal(alert.get("threshold"))
    evm = item.get("evm") or {}
    code = alert.get("code")
    if code == "CATEGORY_OVER_BUDGET" and value is not None and threshold is not None:
        return value - threshold
    if code == "SPI_LOW":
        return -(_decimal(evm.get("sv")) or Decimal(0))
    if code == "CPI_LOW":
        return -(_decimal(evm.get("vac")) or Decimal(0))
    if code == "PURSUIT_OVER_THRESHOLD":
        pursuit = item.get("pursuit") or {}
        cost = _decimal(pursuit.get("cost_of_pursuit")) or Decimal(0)
        weighted = _decimal(pursuit.get("weighted_value")) or Decimal(0)
        limit = _decimal(pursuit.get("threshold")) or Decimal(0)
        return cost - weighted * limit
    return Decimal(0)


def _alert_text(
    alert: dict[str, Any], lang: str, money: Any, pursuit: dict[str, Any] | None = None
) -> str:
    """The alert without its bid's name (the table names the bid), money as money."""
    value, threshold = alert.get("value"), alert.get("threshold")
    code = alert.get("code")
    if code == "CATEGORY_OVER_BUDGET":
        category = _category(str(alert.get("subject", "")))
        zh, en = CATEGORY_LABELS.get(category, (category, category))
        if lang == "en":
            return f"{en}: forecast {money(value)} exceeds its budget {money(threshold)}"
        return f"{zh}：完工预测 {money(value)} 超出预算 {money(threshold)}"
    if code in ("SPI_LOW", "CPI_LOW"):
        name = "SPI" if code == "SPI_LOW" else "CPI"
        shown, limit = f"{Decimal(str(value)):.2f}", f"{Decimal(str(threshold)):.2f}"
        if lang == "en":
            kind = "schedule" if name == "SPI" else "cost"
            return f"{kind} performance index {name} {shown} is below {limit}"
        kind = "进度" if name == "SPI" else "成本"
        return f"{kind}绩效指数 {name} {shown} 低于阈值 {limit}"
    if code == "PURSUIT_OVER_THRESHOLD" and pursuit:
        cost, weighted = money(pursuit.get("cost_of_pursuit")), money(pursuit.get("weighted_value"))
        ratio = Decimal(str(pursuit.get("ratio") or 0)) * 100
        limit_percent = Decimal(str(pursuit.get("threshold") or 0)) * 100
        if lang == "en":
            return (
                f"cost of pursuit {cost} is {ratio:.1f}% of the weighted value {weighted}"
                f" (limit {limit_percent:.1f}%)"
            )
        return f"投标成本 {cost} 占加权标值 {weighted} 的 {ratio:.1f}%（上限 {limit_percent:.1f}%）"
    message = str(alert.get("message_en" if lang == "en" else "message_zh", ""))
    return message.split("：", 1)[-1].split(": ", 1)[-1]


def alert_lines(
    report: dict[str, Any], bids: dict[int, Bid], lang: str, money: Any
) -> list[AlertLine]:
    """The alerts of open bids (a closed bid's overrun is history, not an action), most severe
    first, then the most money at stake."""
    currency = str(report.get("currency", "CNY"))
    items = {item["bid_id"]: item for item in report.get("bids", [])}
    lines = []
    for alert in report.get("alerts", []):
        bid = bids.get(alert.get("bid_id") or -1)
        if bid is None or bid.status != "open":
            continue
        item = items.get(bid.id, {})
        bid_currency = str(item.get("currency", currency))
        severity = str(alert.get("severity", "warning"))
        zh, en = SEVERITY_LABELS.get(severity, (severity, severity))
        lines.append(
            AlertLine(
                severity=severity,
                severity_label=en if lang == "en" else zh,
                bid_id=bid.id,
                title=bid.title,
                text=_alert_text(
                    alert, lang, lambda v, c=bid_currency: money(v, c), item.get("pursuit")
                ),
                amount=_at_stake(alert, item),
                currency=bid_currency,
            )
        )
    return sorted(lines, key=lambda line: (SEVERITY_ORDER.get(line.severity, 9), -line.amount))
