"""Cost control: roll-ups, currency conversion, cost of pursuit, spending policy and alerts.

Plain data in, plain data out; money is ``Decimal`` quantised to the cent (``wbs.money``).

The figures of a cost line (one WBS element in one cost category) are

- ``budget``: what was planned;
- ``committed``: approved spend not yet paid (purchase orders, bookings);
- ``actual``: what has been paid (approved cost entries, reversals included);
- ``remaining`` = budget - committed - actual (negative = overspent);
- ``forecast`` (at completion) = actual + committed + estimate to complete, where the estimate
  to complete is the line's own estimate when given, else what is left of the budget (never
  below zero).

Every figure is additive, so a WBS node is the sum of its own lines and its children, a
category the sum of its lines, a bid the sum of its categories (and of its top-level nodes),
a subsidiary the sum of its bids, the portfolio the sum of its subsidiaries -- all exactly.
Currency conversion keeps that exactness: each bid is converted category by category (budget,
committed, actual and estimate to complete each rounded once to the cent; remaining and forecast
derived from those), and every higher total is a sum of converted figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from wbs.money import to_money
from wbs.plan import Plan

ZERO = Decimal(0)


class CostCategory(StrEnum):
    TRAVEL = "travel"
    CLIENT_ENTERTAINMENT = "client_entertainment"
    PRESALES_LABOUR = "presales_labour"
    SAMPLES_MATERIALS = "samples_materials"
    BID_FEES_BONDS = "bid_fees_bonds"
    OTHER = "other"


CATEGORY_LABELS: dict[str, tuple[str, str]] = {
    CostCategory.TRAVEL: ("差旅", "Travel"),
    CostCategory.CLIENT_ENTERTAINMENT: ("客户招待", "Client entertainment"),
    CostCategory.PRESALES_LABOUR: ("售前人工", "Presales labour"),
    CostCategory.SAMPLES_MATERIALS: ("样品与资料", "Samples and materials"),
    CostCategory.BID_FEES_BONDS: ("标书费与保证金", "Bid fees and bonds"),
    CostCategory.OTHER: ("其他", "Other"),
}


@dataclass(frozen=True, slots=True)
class CostFigures:
    """Budget, committed, actual, remaining and forecast at completion of some scope."""

    budget: Decimal = ZERO
    committed: Decimal = ZERO
    actual: Decimal = ZERO
    remaining: Decimal = ZERO
    forecast: Decimal = ZERO

    def __add__(self, other: CostFigures) -> CostFigures:
        return CostFigures(
            budget=self.budget + other.budget,
            committed=self.committed + other.committed,
            actual=self.actual + other.actual,
            remaining=self.remaining + other.remaining,
            forecast=self.forecast + other.forecast,
        )

    @property
    def estimate_to_complete(self) -> Decimal:
        return self.forecast - self.actual - self.committed

    @property
    def variance_at_completion(self) -> Decimal:
        """Budget - forecast: negative means the scope is forecast to overrun."""
        return self.budget - self.forecast


def sum_figures(figures: Iterable[CostFigures]) -> CostFigures:
    total = CostFigures()
    for item in figures:
        total = total + item
    return total


def figures_from_parts(
    budget: Decimal,
    committed: Decimal,
    actual: Decimal,
    estimate_to_complete: Decimal | None = None,
) -> CostFigures:
    """The five figures from the four independent ones (see the module docstring)."""
    budget, committed, actual = to_money(budget), to_money(committed), to_money(actual)
    remaining = budget - committed - actual
    etc = max(remaining, ZERO) if estimate_to_complete is None else to_money(estimate_to_complete)
    return CostFigures(
        budget=budget,
        committed=committed,
        actual=actual,
        remaining=remaining,
        forecast=actual + committed + etc,
    )


@dataclass(frozen=True, slots=True)
class CostLine:
    """One WBS element in one cost category, in the bid's currency."""

    element_id: str
    category: str
    budget: Decimal = ZERO
    committed: Decimal = ZERO
    actual: Decimal = ZERO
    estimate_to_complete: Decimal | None = None

    def figures(self) -> CostFigures:
        return figures_from_parts(
            self.budget, self.committed, self.actual, self.estimate_to_complete
        )


@dataclass(frozen=True, slots=True)
class WbsNode:
    id: str
    parent: str | None = None
    name: str = ""


@dataclass(slots=True)
class CostRollup:
    """A bid's cost figures per WBS node (own lines and descendants), per category, in total."""

    by_element: dict[str, CostFigures]
    own: dict[str, CostFigures]
    by_category: dict[str, CostFigures]
    by_element_category: dict[tuple[str, str], CostFigures]
    total: CostFigures


def _ancestors_order(nodes: Sequence[WbsNode]) -> list[str]:
    """Node ids, children before their parents (post-order); raises on unknown parents or cycles."""
    known = {node.id for node in nodes}
    parent_of = {node.id: node.parent for node in nodes}
    for node in nodes:
        if node.parent is not None and node.parent not in known:
            raise ValueError(f"WBS node {node.id!r} has an unknown parent {node.parent!r}")
    depth: dict[str, int] = {}
    for node in nodes:
        path: list[str] = []
        current: str | None = node.id
        while current is not None and current not in depth:
            if current in path:
                cycle = " -> ".join([*path[path.index(current) :], current])
                raise ValueError(f"WBS parent cycle: {cycle}")
            path.append(current)
            current = parent_of[current]
        base = -1 if current is None else depth[current]
        for offset, node_id in enumerate(reversed(path), start=1):
            depth[node_id] = base + offset
    return sorted(depth, key=lambda node_id: -depth[node_id])


def roll_up(nodes: Sequence[WbsNode], lines: Iterable[CostLine]) -> CostRollup:
    """Roll a bid's cost lines up its WBS tree and across categories.

    Raises
    ------
    ValueError
        when a line names an unknown element, a node an unknown parent, or parents form a cycle.
    """
    order = _ancestors_order(nodes)
    parent_of = {node.id: node.parent for node in nodes}
    own: dict[str, CostFigures] = {node.id: CostFigures() for node in nodes}
    by_category: dict[str, CostFigures] = {}
    by_element_category: dict[tuple[str, str], CostFigures] = {}
    for line in lines:
        if line.element_id not in own:
            raise ValueError(f"cost line for an unknown WBS element {line.element_id!r}")
        figures = line.figures()
        own[line.element_id] = own[line.element_id] + figures
        by_category[line.category] = by_category.get(line.category, CostFigures()) + figures
        key = (line.element_id, line.category)
        by_element_category[key] = by_element_category.get(key, CostFigures()) + figures
    by_element = dict(own)
    for node_id in order:
        parent = parent_of[node_id]
        if parent is not None:
            by_element[parent] = by_element[parent] + by_element[node_id]
    roots = [node.id for node in nodes if node.parent is None]
    return CostRollup(
        by_element=by_element,
        own=own,
        by_category=by_category,
        by_element_category=by_element_category,
        total=sum_figures(by_element[root] for root in roots),
    )


def _decimal_field(record: Mapping[str, object], key: str) -> Decimal:
    value = record.get(key)
    return value if isinstance(value, Decimal) else ZERO


def _imported_actual(extra: Mapping[str, object]) -> Decimal:
    assignments = extra.get("assignments")
    records = (
        [r for r in assignments if isinstance(r, Mapping)] if isinstance(assignments, list) else []
    )
    if records:
        return sum((_decimal_field(record, "actual_cost") for record in records), ZERO)
    return _decimal_field(extra, "actual_cost")


def plan_cost_rollup(plan: Plan) -> CostRollup:
    """The cost roll-up of an imported plan (e.g. MSPDI, see ``wbs.formats.mspdi``).

    A work task's actual cost is the sum of its assignments' actual costs (its own
    ``extra["actual_cost"]`` when it has no assignment); its budget is ``task.budget``. Summary
    tasks carry nothing of their own: they are the roll-up of their children, and the plan's
    total is the roll-up of its top-level tasks. Fixed-cost actuals are not modelled.
    """
    nodes = [WbsNode(task.id, task.parent, task.name) for task in plan.tasks]
    lines = [
        CostLine(
            element_id=task.id,
            category=CostCategory.OTHER,
            budget=task.budget or ZERO,
            actual=_imported_actual(task.extra),
        )
        for task in plan.tasks
        if not task.is_summary
    ]
    return roll_up(nodes, lines)


def assignment_actual_costs(plan: Plan) -> dict[tuple[str, str], Decimal]:
    """``{(task id, assignment uid): actual cost}`` of an imported plan's assignments."""
    costs: dict[tuple[str, str], Decimal] = {}
    for task in plan.tasks:
        assignments = task.extra.get("assignments")
        for record in assignments if isinstance(assignments, list) else []:
            if isinstance(record, Mapping):
                costs[(task.id, str(record.get("uid")))] = to_money(
                    _decimal_field(record, "actual_cost")
                )
    return costs


class MissingRateError(ValueError):
    """No exchange rate connects two currencies at a date."""


@dataclass(frozen=True, slots=True)
class ExchangeRate:
    """``1 base = rate quote`` from ``effective`` on (until a later rate for the same pair)."""

    base: str
    quote: str
    rate: Decimal
    effective: date


class RateTable:
    """Exchange rates by date; converts exactly, rounding once to the cent.

    A pair is found directly, inverted (dividing by the reverse rate, never by a rounded
    reciprocal), or through one common currency.

    >>> table = RateTable([ExchangeRate("USD", "CNY", Decimal("7.1234"), date(2026, 1, 1))])
    >>> table.convert(Decimal("100"), "USD", "CNY", date(2026, 6, 1))
    Decimal('712.34')
    >>> table.convert(Decimal("712.34"), "CNY", "USD", date(2026, 6, 1))
    Decimal('100.00')
    """

    def __init__(self, rates: Iterable[ExchangeRate] = ()) -> None:
        self._rates: dict[tuple[str, str], list[ExchangeRate]] = {}
        for rate in rates:
            if rate.rate <= 0:
                raise ValueError(f"exchange rate {rate.base}/{rate.quote} must be positive")
            self._rates.setdefault((rate.base, rate.quote), []).append(rate)
        for history in self._rates.values():
            history.sort(key=lambda rate: rate.effective)

    def _direct(self, base: str, quote: str, on: date) -> Decimal | None:
        valid = [rate for rate in self._rates.get((base, quote), []) if rate.effective <= on]
        return valid[-1].rate if valid else None

    def _factor(self, source: str, target: str, on: date) -> tuple[Decimal, Decimal] | None:
        """(multiplier, divisor) turning ``source`` amounts into ``target`` ones."""
        direct = self._direct(source, target, on)
        if direct is not None:
            return direct, Decimal(1)
        inverse = self._direct(target, source, on)
        if inverse is not None:
            return Decimal(1), inverse
        return None

    def convert(self, amount: Decimal, source: str, target: str, on: date) -> Decimal:
        """``amount`` in ``source`` currency as ``target`` currency at ``on``, to the cent.

        Raises
        ------
        MissingRateError
            when no direct, inverse or one-hop rate exists at ``on``.
        """
        if source == target:
            return to_money(amount)
        factor = self._factor(source, target, on)
        if factor is not None:
            return to_money(amount * factor[0] / factor[1])
        currencies = {code for pair in self._rates for code in pair} - {source, target}
        for pivot in sorted(currencies):
            first, second = self._factor(source, pivot, on), self._factor(pivot, target, on)
            if first is not None and second is not None:
                return to_money(amount * first[0] * second[0] / (first[1] * second[1]))
        raise MissingRateError(f"no exchange rate from {source} to {target} on {on.isoformat()}")


def convert_figures(
    figures: CostFigures, rates: RateTable, source: str, target: str, on: date
) -> CostFigures:
    """The figures in another currency; remaining and forecast are derived, so identities hold."""
    budget = rates.convert(figures.budget, source, target, on)
    committed = rates.convert(figures.committed, source, target, on)
    actual = rates.convert(figures.actual, source, target, on)
    etc = rates.convert(figures.estimate_to_complete, source, target, on)
    return CostFigures(
        budget=budget,
        committed=committed,
        actual=actual,
        remaining=budget - committed - actual,
        forecast=actual + committed + etc,
    )


@dataclass(frozen=True, slots=True)
class BidCosts:
    """A bid's cost figures per category, in its own currency, for the portfolio roll-up."""

    bid_id: str
    subsidiary: str
    currency: str
    by_category: Mapping[str, CostFigures]


@dataclass(slots=True)
class PortfolioRollup:
    """Bids, subsidiaries, categories and the portfolio total, all in one currency."""

    currency: str
    by_bid: dict[str, CostFigures] = field(default_factory=dict)
    by_bid_category: dict[str, dict[str, CostFigures]] = field(default_factory=dict)
    by_subsidiary: dict[str, CostFigures] = field(default_factory=dict)
    by_category: dict[str, CostFigures] = field(default_factory=dict)
    total: CostFigures = field(default_factory=CostFigures)


def roll_up_portfolio(
    bids: Sequence[BidCosts], rates: RateTable, currency: str, on: date
) -> PortfolioRollup:
    """Convert each bid category by category into ``currency`` at ``on`` and sum exactly."""
    result = PortfolioRollup(currency=currency)
    for bid in bids:
        converted = {
            category: convert_figures(figures, rates, bid.currency, currency, on)
            for category, figures in bid.by_category.items()
        }
        bid_total = sum_figures(converted.values())
        result.by_bid[bid.bid_id] = bid_total
        result.by_bid_category[bid.bid_id] = converted
        result.by_subsidiary[bid.subsidiary] = (
            result.by_subsidiary.get(bid.subsidiary, CostFigures()) + bid_total
        )
        for category, figures in converted.items():
            result.by_category[category] = result.by_category.get(category, CostFigures()) + figures
    result.total = sum_figures(result.by_subsidiary.values())
    return result


@dataclass(frozen=True, slots=True)
class PursuitCheck:
    """Cost of pursuit against the weighted bid value (value x win probability)."""

    cost_of_pursuit: Decimal
    bid_value: Decimal
    win_probability_percent: Decimal
    weighted_value: Decimal
    ratio: Decimal | None  # cost of pursuit / weighted value; None when nothing is weighted
    threshold: Decimal
    over_threshold: bool


def pursuit_check(
    cost_of_pursuit: Decimal,
    bid_value: Decimal,
    win_probability_percent: Decimal | int,
    threshold: Decimal = Decimal("0.05"),
) -> PursuitCheck:
    """Is the pursuit worth it? Over when cost / (value x probability) exceeds ``threshold``.

    A bid with no weighted value (zero value or zero probability) but some cost is over.

    >>> pursuit_check(Decimal(60000), Decimal(2000000), 50).over_threshold
    True
    """
    probability = Decimal(win_probability_percent)
    if not 0 <= probability <= 100:
        raise ValueError(f"win probability must be 0..100 %, got {probability}")
    weighted = to_money(bid_value * probability / 100)
    ratio = None if weighted == 0 else cost_of_pursuit / weighted
    over = cost_of_pursuit > 0 if ratio is None else ratio > threshold
    return PursuitCheck(
        cost_of_pursuit=to_money(cost_of_pursuit),
        bid_value=to_money(bid_value),
        win_probability_percent=probability,
        weighted_value=weighted,
        ratio=ratio,
        threshold=threshold,
        over_threshold=over,
    )


@dataclass(frozen=True, slots=True)
class SpendingPolicy:
    """Caps per category and per work package (element), and the client-entertainment limit.

    An entry that would take the spend of its category or work package over the cap, or a
    client-entertainment entry above ``entertainment_threshold``, needs PMO approval.
    """

    category_caps: Mapping[str, Decimal] = field(default_factory=dict)
    element_caps: Mapping[str, Decimal] = field(default_factory=dict)
    entertainment_threshold: Decimal | None = None


def approval_reasons(
    *,
    element_id: str,
    category: str,
    amount: Decimal,
    spent_in_category: Decimal,
    spent_in_element: Decimal,
    policy: SpendingPolicy,
) -> list[str]:
    """Why a new entry of ``amount`` needs approval (empty: it does not).

    ``spent_in_*`` are what already counts against the caps (approved actuals and commitments).
    Reason codes: ``category_cap``, ``element_cap``, ``entertainment_threshold``.
    """
    reasons: list[str] = []
    category_cap = policy.category_caps.get(category)
    if category_cap is not None and spent_in_category + amount > category_cap:
        reasons.append("category_cap")
    element_cap = policy.element_caps.get(element_id)
    if element_cap is not None and spent_in_element + amount > element_cap:
        reasons.append("element_cap")
    limit = policy.entertainment_threshold
    if category == CostCategory.CLIENT_ENTERTAINMENT and limit is not None and amount > limit:
        reasons.append("entertainment_threshold")
    return reasons


class Severity(StrEnum):
    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class Alert:
    """A plain alert record; ``subject`` says what it is about, e.g. ``bid:12/category:travel``."""

    code: str
    severity: Severity
    subject: str
    message_zh: str
    message_en: str
    value: Decimal | None = None
    threshold: Decimal | None = None


@dataclass(frozen=True, slots=True)
class AlertThresholds:
    """Below ``*_warning`` warns, below ``*_critical`` is critical; the PMO tunes them."""

    cpi_warning: Decimal = Decimal("0.95")
    cpi_critical: Decimal = Decimal("0.85")
    spi_warning: Decimal = Decimal("0.95")
    spi_critical: Decimal = Decimal("0.85")


def _index_alert(
    code: str,
    label_zh: str,
    label_en: str,
    value: Decimal | None,
    warning: Decimal,
    critical: Decimal,
    subject: str,
    names: tuple[str, str],
) -> Alert | None:
    if value is None or value >= warning:
        return None
    severity = Severity.CRITICAL if value < critical else Severity.WARNING
    limit = critical if severity is Severity.CRITICAL else warning
    shown = f"{value:.2f}"
    return Alert(
        code=code,
        severity=severity,
        subject=subject,
        message_zh=f"{names[0]}：{label_zh} {shown} 低于阈值 {limit}",
        message_en=f"{names[1]}: {label_en} {shown} is below the threshold {limit}",
        value=value,
        threshold=limit,
    )


def cost_alerts(
    subject: str,
    *,
    cpi: Decimal | None = None,
    spi: Decimal | None = None,
    by_category: Mapping[str, CostFigures] | None = None,
    pursuit: PursuitCheck | None = None,
    thresholds: AlertThresholds | None = None,
    label: str | None = None,
    label_en: str | None = None,
) -> list[Alert]:
    """Alerts of one bid (or any scope named by ``subject``; messages name it by ``label``,
    and ``label_en`` in English when given).

    Codes: ``CPI_LOW`` and ``SPI_LOW`` (below the warning threshold; critical below the critical
    one), ``CATEGORY_OVER_BUDGET`` (critical: actual + committed already exceed the category's
    budget; warning: only the forecast does), ``PURSUIT_OVER_THRESHOLD`` (warning).
    """
    limits = thresholds or AlertThresholds()
    name_zh = label or subject
    names = (name_zh, label_en or name_zh)
    alerts = [
        alert
        for alert in (
            _index_alert(
                "CPI_LOW", "成本绩效指数 CPI", "cost performance index CPI", cpi,
                limits.cpi_warning, limits.cpi_critical, subject, names,
            ),
            _index_alert(
                "SPI_LOW", "进度绩效指数 SPI", "schedule performance index SPI", spi,
                limits.spi_warning, limits.spi_critical, subject, names,
            ),
        )
        if alert is not None
    ]  # fmt: skip
    for category, figures in sorted((by_category or {}).items()):
        alert = _category_alert(subject, names, category, figures)
        if alert is not None:
            alerts.append(alert)
    if pursuit is not None and pursuit.over_threshold:
        alerts.append(_pursuit_alert(subject, names, pursuit))
    return alerts


def _category_alert(
    subject: str, names: tuple[str, str], category: str, figures: CostFigures
) -> Alert | None:
    spent = figures.actual + figures.committed
    if spent <= figures.budget and figures.forecast <= figures.budget:
        return None
    label_zh, label_en = CATEGORY_LABELS.get(category, (category, category))
    scope = f"{subject}/category:{category}"
    if spent > figures.budget:
        over = spent - figures.budget
        return Alert(
            code="CATEGORY_OVER_BUDGET",
            severity=Severity.CRITICAL,
            subject=scope,
            message_zh=(
                f"{names[0]}：{label_zh}已发生及承诺 {spent} 超出预算 {figures.budget}（超 {over}）"
            ),
            message_en=(
                f"{names[1]}: {label_en} spent and committed {spent} exceeds its budget "
                f"{figures.budget} by {over}"
            ),
            value=spent,
            threshold=figures.budget,
        )
    over = figures.forecast - figures.budget
    return Alert(
        code="CATEGORY_OVER_BUDGET",
        severity=Severity.WARNING,
        subject=scope,
        message_zh=(
            f"{names[0]}：{label_zh}完工预测 {figures.forecast} 将超出预算 "
            f"{figures.budget}（超 {over}）"
        ),
        message_en=(
            f"{names[1]}: {label_en} forecast {figures.forecast} will exceed its budget "
            f"{figures.budget} by {over}"
        ),
        value=figures.forecast,
        threshold=figures.budget,
    )


def _pursuit_alert(subject: str, names: tuple[str, str], pursuit: PursuitCheck) -> Alert:
    ratio = "n/a" if pursuit.ratio is None else f"{pursuit.ratio * 100:.1f}%"
    limit = f"{pursuit.threshold * 100:.1f}%"
    return Alert(
        code="PURSUIT_OVER_THRESHOLD",
        severity=Severity.WARNING,
        subject=subject,
        message_zh=(
            f"{names[0]}：投标成本 {pursuit.cost_of_pursuit} 占加权标值 {pursuit.weighted_value} "
            f"的 {ratio}，超过阈值 {limit}"
        ),
        message_en=(
            f"{names[1]}: cost of pursuit {pursuit.cost_of_pursuit} is {ratio} of the weighted "
            f"bid value {pursuit.weighted_value}, above the threshold {limit}"
        ),
        value=pursuit.ratio,
        threshold=pursuit.threshold,
    )
