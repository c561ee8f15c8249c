"""The account health score: each term, the caps, the levels, the reasons."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from wbs.account_health import (
    AccountFacts,
    BidPerformance,
    DecisionMaker,
    HealthRules,
    LostBid,
    MilestoneSlip,
    account_health,
    index_points,
    slipping_reasons,
)

AS_OF = date(2027, 3, 1)


def decider(days_ago: int | None, stakeholder_id: int = 1) -> DecisionMaker:
    last = None if days_ago is None else AS_OF - timedelta(days=days_ago)
    return DecisionMaker(stakeholder_id, f"决策者{stakeholder_id}", last)


def slip(days: int, task_id: int = 1) -> MilestoneSlip:
    baseline = date(2027, 2, 1)
    return MilestoneSlip(10, task_id, "递交投标文件", baseline, baseline + timedelta(days=days))


def test_a_quiet_account_is_fully_healthy():
    health = account_health(AccountFacts(1, decision_makers=(decider(3),)), AS_OF)
    assert (health.score, health.level, health.reasons) == (100, "healthy", ())


@pytest.mark.parametrize(
    ("days_ago", "points", "code"),
    [
        (None, 20, "decision_maker_never_contacted"),
        (31, 15, "decision_maker_not_contacted"),
        (30, 0, None),
        (0, 0, None),
    ],
)
def test_contact_with_decision_makers(days_ago, points, code):
    health = account_health(AccountFacts(1, decision_makers=(decider(days_ago),)), AS_OF)
    assert health.score == 100 - points
    assert [reason.code for reason in health.reasons] == ([code] if code else [])
    if code:
        assert health.reasons[0].stakeholder_id == 1
        assert "决策者1" in health.reasons[0].message_zh
        assert "决策者1" in health.reasons[0].message_en


def test_contact_days_is_configurable():
    facts = AccountFacts(1, decision_makers=(decider(20),))
    assert account_health(facts, AS_OF).score == 100
    assert account_health(facts, AS_OF, HealthRules(contact_days=14)).score == 85


@pytest.mark.parametrize(
    ("slip_days", "points"), [(-3, 0), (0, 0), (1, 6), (7, 6), (8, 7), (21, 8), (100, 10)]
)
def test_slipping_milestones_cost_more_per_week_late(slip_days, points):
    health = account_health(AccountFacts(1, milestones=(slip(slip_days),)), AS_OF)
    assert 100 - health.score == points
    if points:
        reason = health.reasons[0]
        assert (reason.code, reason.bid_id, reason.task_id) == ("milestone_slipping", 10, 1)
        assert str(slip_days) in reason.message_zh and str(slip_days) in reason.message_en


@pytest.mark.parametrize(
    ("value", "points"),
    [
        (None, 0),
        (Decimal("1.10"), 0),
        (Decimal("0.95"), 0),
        (Decimal("0.9499"), 5),
        (Decimal("0.90"), 5),
        (Decimal("0.8999"), 10),
        (Decimal("0.80"), 10),
        (Decimal("0.7999"), 15),
        (Decimal("0.10"), 15),
    ],
)
def test_index_steps(value, points):
    assert index_points(value) == points


def test_cpi_and_spi_count_separately_per_bid():
    bids = (
        BidPerformance(1, "投标甲", cpi=Decimal("0.85"), spi=Decimal("0.93")),
        BidPerformance(2, "投标乙", cpi=Decimal("1.02"), spi=None),
    )
    health = account_health(AccountFacts(1, bids=bids), AS_OF)
    assert sorted((r.code, r.bid_id, r.points) for r in health.reasons) == [
        ("cpi_low", 1, 10),
        ("spi_low", 1, 5),
    ]
    assert health.score == 85
    assert "0.85" in next(r for r in health.reasons if r.code == "cpi_low").message_en


def test_no_spi_is_judged_before_any_work_was_planned_or_progress_reported():
    bids = (
        # lead-in: nothing planned by the status date, so EV 0 / PV 0 and no SPI
        BidPerformance(1, "线索阶段", spi=None, planned_value=Decimal("0.00")),
        # no status date yet: an EV of 0 against the PV of today says nothing
        BidPerformance(
            2,
            "未报进度",
            spi=Decimal("0"),
            planned_value=Decimal("900.00"),
            progress_reported=False,
        ),
        # progress reported and work planned: a real SPI 0.00 counts in full
        BidPerformance(3, "真落后", spi=Decimal("0"), planned_value=Decimal("900.00")),
    )
    health = account_health(AccountFacts(1, bids=bids), AS_OF)
    assert sorted((r.code, r.bid_id, r.points) for r in health.reasons) == [
        ("spi_low", 3, 15),
        ("spi_not_judged", 1, 0),
        ("spi_not_judged", 2, 0),
    ]
    assert health.score == 85
    said = {r.bid_id: r.message_en for r in health.reasons if r.code == "spi_not_judged"}
    assert "planned value 0" in said[1] and "no SPI to judge" in said[1]
    assert "no progress reported yet" in said[2]
    assert all("SPI" in r.message_zh for r in health.reasons)


def test_lost_bids_count_within_the_last_year_only():
    lost = (
        LostBid(1, "去年丢的标", AS_OF - timedelta(days=364)),
        LostBid(2, "太久以前", AS_OF - timedelta(days=365)),
        LostBid(3, "今天", AS_OF),
        LostBid(4, "将来", AS_OF + timedelta(days=1)),
    )
    health = account_health(AccountFacts(1, lost_bids=lost), AS_OF)
    assert sorted(r.bid_id for r in health.reasons) == [1, 3]
    assert health.score == 70


def test_caps_trim_the_smallest_deductions_and_reasons_still_add_up():
    milestones = tuple(slip(100, task_id=i) for i in range(1, 6))  # 5 x 10 points, cap 30
    health = account_health(AccountFacts(1, milestones=milestones), AS_OF)
    assert [r.points for r in health.reasons] == [10, 10, 10, 0, 0]
    assert health.score == 70
    assert sum(r.points for r in health.reasons) == 100 - health.score


def test_levels_follow_the_thresholds():
    rules = HealthRules()
    deciders = tuple(decider(None, i) for i in range(1, 3))  # 40 points
    lost = (LostBid(1, "丢标", AS_OF),)  # 15 more
    watch = account_health(AccountFacts(1, decision_makers=deciders), AS_OF)
    at_risk = account_health(AccountFacts(1, decision_makers=deciders, lost_bids=lost), AS_OF)
    assert (watch.score, watch.level) == (60, "watch")
    assert (at_risk.score, at_risk.level) == (45, "at_risk")
    assert rules.healthy_from == 80 and rules.watch_from == 60


def test_score_never_goes_below_zero():
    facts = AccountFacts(
        1,
        milestones=tuple(slip(100, task_id=i) for i in range(5)),
        bids=(BidPerformance(1, "x", Decimal("0.5"), Decimal("0.5")),),
        decision_makers=tuple(decider(None, i) for i in range(3)),
        lost_bids=tuple(LostBid(i, "丢标", AS_OF) for i in range(3)),
    )
    health = account_health(facts, AS_OF)
    assert (health.score, health.level) == (0, "at_risk")
    assert sum(r.points for r in health.reasons) == 130


def test_a_milestone_past_its_deadline_says_so_in_both_languages():
    late = MilestoneSlip(10, 7, "递交投标文件", date(2027, 1, 15), date(2027, 1, 20), "deadline")
    (reason,) = slipping_reasons([late], HealthRules())
    assert reason.message_zh == "里程碑「递交投标文件」比截止日期晚 5 天"
    assert reason.message_en == "Milestone '递交投标文件' is 5 days behind its deadline"
    assert reason.points == HealthRules().slip_points + HealthRules().slip_points_per_week
