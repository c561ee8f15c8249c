"""Account health: one 0-100 score per key account, with the reasons that lowered it.

A churn early warning for the PMO. The score starts at 100 and loses points for four kinds of
trouble; every deduction is a :class:`HealthReason` (code, Chinese and English message, points),
so the score always explains itself. Plain data in and out: the service gathers the facts.

Formula (defaults in :class:`HealthRules`)
-----------------------------------------
``score = max(0, 100 - slipping - performance - contact - lost)``, each term capped:

==================  ==========================================================  =========
term                deduction per item                                          cap
==================  ==========================================================  =========
slipping            per customer-facing milestone finishing later than its      30
                    baseline: 5, plus 1 per started week (7 calendar days) of
                    slip, at most 10 per milestone
performance         per open bid and per index (CPI, SPI): below 0.80: 15,      30
                    below 0.90: 10, below 0.95: 5; no SPI is judged for a bid
                    with nothing planned by its status date (PV 0) or with no
                    status date yet (a 0-point reason says so)
contact             per decision-maker: never contacted 20; last contact more   40
                    than ``contact_days`` (default 30) days before the day of
                    assessment: 15
lost                per bid lost within the last 365 days: 15                    30
==================  ==========================================================  =========

Within a capped term the largest deductions count first; a reason beyond the cap is still
listed, with the points that actually counted (possibly 0), so the reasons add up
to ``100 - score`` (the caps add up to more than 100; the score stops at 0). Level: ``healthy``
at 80 and above, ``watch`` from 60, ``at_risk`` below 60.

Example
-------
>>> from datetime import date
>>> health = account_health(
...     AccountFacts(1, decision_makers=(DecisionMaker(7, "袁海", None),)), date(2027, 1, 4)
... )
>>> (health.score, health.level, health.reasons[0].code)
(80, 'healthy', 'decision_maker_never_contacted')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

Level = Literal["healthy", "watch", "at_risk"]
INDEX_STEPS = ((Decimal("0.80"), 15), (Decimal("0.90"), 10), (Decimal("0.95"), 5))


@dataclass(frozen=True, slots=True)
class HealthRules:
    """The tunable parts of the formula (see the module docstring)."""

    contact_days: int = 30
    slip_points: int = 5
    slip_points_per_week: int = 1
    slip_points_max: int = 10
    never_contacted_points: int = 20
    stale_contact_points: int = 15
    lost_bid_points: int = 15
    lost_window_days: int = 365
    slipping_cap: int = 30
    performance_cap: int = 30
    contact_cap: int = 40
    lost_cap: int = 30
    healthy_from: int = 80
    watch_from: int = 60


@dataclass(frozen=True, slots=True)
class MilestoneSlip:
    """A customer-facing milestone of an open bid: its reference finish (``reference``:
    ``"baseline"`` or ``"deadline"``) and its finish now (actual when done, else forecast)."""

    bid_id: int
    task_id: int
    name: str
    baseline_finish: date
    finish: date
    reference: str = "baseline"

    @property
    def slip_days(self) -> int:
        return (self.finish - self.baseline_finish).days


@dataclass(frozen=True, slots=True)
class BidPerformance:
    """CPI and SPI of one open bid at its status date (``None``: not defined yet).

    ``planned_value`` is the PV behind the SPI (None: the bid has no budgeted plan) and
    ``progress_reported`` whether the bid has a status date at all: with no work planned by
    then (PV 0), or no progress ever reported, there is no SPI to judge (an EV of 0 then says
    nothing about the schedule).
    """

    bid_id: int
    title: str
    cpi: Decimal | None = None
    spi: Decimal | None = None
    planned_value: Decimal | None = None
    progress_reported: bool = True


@dataclass(frozen=True, slots=True)
class DecisionMaker:
    stakeholder_id: int
    name: str
    last_contact: date | None


@dataclass(frozen=True, slots=True)
class LostBid:
    bid_id: int
    title: str
    lost_on: date


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """Everything the score looks at for one account."""

    account_id: int
    milestones: tuple[MilestoneSlip, ...] = ()
    bids: tuple[BidPerformance, ...] = ()
    decision_makers: tuple[DecisionMaker, ...] = ()
    lost_bids: tuple[LostBid, ...] = ()


@dataclass(frozen=True, slots=True)
class HealthReason:
    """One deduction: ``points`` is what counted after the term's cap."""

    code: str
    message_zh: str
    message_en: str
    points: int
    bid_id: int | None = None
    stakeholder_id: int | None = None
    task_id: int | None = None


@dataclass(frozen=True, slots=True)
class AccountHealth:
    account_id: int
    score: int
    level: Level
    reasons: tuple[HealthReason, ...] = field(default_factory=tuple)


REFERENCE_ZH = {"baseline": "基线", "deadline": "截止日期"}


def slipping_reasons(milestones: Iterable[MilestoneSlip], rules: HealthRules) -> list[HealthReason]:
    reasons = []
    for slip in milestones:
        if slip.slip_days <= 0:
            continue
        weeks = -(-slip.slip_days // 7)
        points = min(rules.slip_points + weeks * rules.slip_points_per_week, rules.slip_points_max)
        reasons.append(
            HealthReason(
                "milestone_slipping",
                f"里程碑「{slip.name}」比{REFERENCE_ZH[slip.reference]}晚 {slip.slip_days} 天",
                f"Milestone '{slip.name}' is {slip.slip_days} days behind its {slip.reference}",
                points,
                bid_id=slip.bid_id,
                task_id=slip.task_id,
            )
        )
    return reasons


def index_points(value: Decimal | None) -> int:
    """Points for one CPI or SPI value (0 when undefined or at least 0.95)."""
    if value is None:
        return 0
    return next((points for limit, points in INDEX_STEPS if value < limit), 0)


def spi_not_judged(bid: BidPerformance) -> HealthReason | None:
    """Why the bid's SPI is not judged (a reason of 0 points), or None when it is."""
    if bid.spi is None and bid.planned_value is not None and bid.planned_value == 0:
        zh = "状态日期前尚无计划工作（计划价值 PV 为 0）"
        en = "nothing was planned to be done by its status date (planned value 0)"
    elif bid.spi is not None and not bid.progress_reported:
        zh, en = "尚未报告进度（无状态日期）", "no progress reported yet (no status date)"
    else:
        return None
    return HealthReason(
        "spi_not_judged",
        f"投标「{bid.title}」{zh}，不评进度绩效指数 SPI",
        f"Bid '{bid.title}': {en}, so there is no SPI to judge",
        0,
        bid_id=bid.bid_id,
    )


def performance_reasons(bids: Iterable[BidPerformance]) -> list[HealthReason]:
    reasons = []
    for bid in bids:
        not_judged = spi_not_judged(bid)
        if not_judged is not None:
            reasons.append(not_judged)
        for code, label_zh, label_en, value in (
            ("cpi_low", "成本绩效指数 CPI", "cost performance index CPI", bid.cpi),
            ("spi_low", "进度绩效指数 SPI", "schedule performance index SPI", bid.spi),
        ):
            if code == "spi_low" and not_judged is not None:
                continue
            points = index_points(value)
            if points:
                shown = f"{value:.2f}"
                reasons.append(
                    HealthReason(
                        code,
                        f"投标「{bid.title}」的{label_zh}为 {shown}",
                        f"Bid '{bid.title}' has a {label_en} of {shown}",
                        points,
                        bid_id=bid.bid_id,
                    )
                )
    return reasons


def contact_reasons(
    people: Iterable[DecisionMaker], as_of: date, rules: HealthRules
) -> list[HealthReason]:
    reasons = []
    for person in people:
        if person.last_contact is None:
            reasons.append(
                HealthReason(
                    "decision_maker_never_contacted",
                    f"从未联系过决策者{person.name}",
                    f"Decision-maker {person.name} has never been contacted",
                    rules.never_contacted_points,
                    stakeholder_id=person.stakeholder_id,
                )
            )
            continue
        days = (as_of - person.last_contact).days
        if days > rules.contact_days:
            reasons.append(
                HealthReason(
                    "decision_maker_not_contacted",
                    f"已 {days} 天未联系决策者{person.name}（上限 {rules.contact_days} 天）",
                    f"No contact with decision-maker {person.name} for {days} days "
                    f"(limit {rules.contact_days})",
                    rules.stale_contact_points,
                    stakeholder_id=person.stakeholder_id,
                )
            )
    return reasons


def lost_reasons(lost: Iterable[LostBid], as_of: date, rules: HealthRules) -> list[HealthReason]:
    window_start = as_of - timedelta(days=rules.lost_window_days)
    return [
        HealthReason(
            "bid_lost",
            f"{bid.lost_on.isoformat()} 丢标：「{bid.title}」",
            f"Bid '{bid.title}' lost on {bid.lost_on.isoformat()}",
            rules.lost_bid_points,
            bid_id=bid.bid_id,
        )
        for bid in lost
        if window_start < bid.lost_on <= as_of
    ]


def capped(reasons: list[HealthReason], cap: int) -> list[HealthReason]:
    """The reasons, largest first, with the points beyond ``cap`` taken off."""
    result = []
    remaining = cap
    for reason in sorted(reasons, key=lambda r: -r.points):
        counted = min(reason.points, remaining)
        remaining -= counted
        result.append(reason if counted == reason.points else _with_points(reason, counted))
    return result


def _with_points(reason: HealthReason, points: int) -> HealthReason:
    return HealthReason(
        reason.code,
        reason.message_zh,
        reason.message_en,
        points,
        reason.bid_id,
        reason.stakeholder_id,
        reason.task_id,
    )


def health_level(score: int, rules: HealthRules) -> Level:
    if score >= rules.healthy_from:
        return "healthy"
    if score >= rules.watch_from:
        return "watch"
    return "at_risk"


def account_health(
    facts: AccountFacts, as_of: date, rules: HealthRules | None = None
) -> AccountHealth:
    """The score, level and reasons of one account on the day ``as_of`` (formula above)."""
    rules = rules or HealthRules()
    reasons = [
        *capped(slipping_reasons(facts.milestones, rules), rules.slipping_cap),
        *capped(performance_reasons(facts.bids), rules.performance_cap),
        *capped(contact_reasons(facts.decision_makers, as_of, rules), rules.contact_cap),
        *capped(lost_reasons(facts.lost_bids, as_of, rules), rules.lost_cap),
    ]
    score = max(0, 100 - sum(reason.points for reason in reasons))
    return AccountHealth(facts.account_id, score, health_level(score, rules), tuple(reasons))
