import copy
import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wbs.decompose import DecomposeRequest, ElementCalibration, decompose, template_id_for
from wbs.templates import load_sources, load_template

TEAM = {
    "sales_rep": ["s1", "s2"],
    "presales_consultant": ["c1", "c2"],
    "project_manager": ["m1"],
    "executive_sponsor": ["e1"],
    "pmo": ["o1"],
}


def request(**changes):
    base = dict(
        kind="new_customer",
        procurement="tender",
        bid_value=Decimal("8000000"),
        start_date=date(2027, 1, 4),
        submission_deadline=date(2027, 5, 28),
        pursuit_budget=Decimal("250000"),
        account_tier="key",
        product_lines=["智能制造", "数据中心"],
        regions=["华东"],
        team=TEAM,
    )
    base.update(changes)
    return DecomposeRequest(**base)


def run(req, scheduler=None):
    return decompose(req, load_template(template_id_for(req.kind, req.procurement)), scheduler)


@pytest.mark.parametrize("kind", ["new_customer", "cross_sell"])
@pytest.mark.parametrize("procurement", ["tender", "negotiated"])
@pytest.mark.parametrize("size", [1, 6])
def test_task_count_between_30_and_80(kind, procurement, size):
    lines = [f"产品线{i}" for i in range(size)]
    regions = [f"区域{i}" for i in range(size)]
    result = run(request(kind=kind, procurement=procurement, product_lines=lines, regions=regions))
    assert 30 <= len(result.plan.tasks) <= 80


def test_deterministic():
    first, second = run(request()), run(request())
    assert first.plan.tasks == second.plan.tasks
    assert first.plan.links == second.plan.links
    assert first.budget_lines == second.budget_lines


def test_wbs_codes_form_a_tree():
    plan = run(request(product_lines=["a", "b", "c"], regions=["x", "y"])).plan
    by_id = plan.task_index()
    codes = [task.wbs_code for task in plan.tasks]
    assert len(set(codes)) == len(codes)
    assert [t.wbs_code for t in plan.tasks if t.parent is None] == [str(i) for i in range(1, 9)]
    for task in plan.tasks:
        if task.parent is not None:
            parent = by_id[task.parent]
            assert parent.is_summary
            assert task.wbs_code.startswith(parent.wbs_code + ".")
            assert task.wbs_code.count(".") == parent.wbs_code.count(".") + 1
    for link in plan.links:
        assert link.predecessor in by_id and link.successor in by_id
        assert not by_id[link.predecessor].is_summary and not by_id[link.successor].is_summary


def test_repeats_per_product_line_pair_up():
    plan = run(request(product_lines=["A", "B", "C"])).plan
    by_id = plan.task_index()
    designs = [t for t in plan.tasks if t.parent == "execution.solution_design"]
    assert [t.name for t in designs] == [
        "解决方案设计（A）",
        "解决方案设计（B）",
        "解决方案设计（C）",
    ]
    assert [t.wbs_code for t in designs] == ["7.2.1", "7.2.2", "7.2.3"]
    pairs = {
        (link.predecessor, link.successor)
        for link in plan.links
        if link.successor.startswith("execution.solution_design[")
        and link.predecessor != "plan.approved"
    }
    assert pairs == {
        (f"execution.tech_exchange[{i}]", f"execution.solution_design[{i}]") for i in (1, 2, 3)
    }
    # a single region: no summary, the name carries the region
    assert by_id["execution.site_visit"].name == "现场勘察与样板参观（华东）"


def test_budget_is_exact_and_capped():
    result = run(request(pursuit_budget=Decimal("123456.78")))
    total = sum(line.amount for line in result.budget_lines)
    assert total + result.budget.reserve == Decimal("123456.78")
    assert all(line.amount >= 0 for line in result.budget_lines)
    entertainment = sum(
        line.amount for line in result.budget_lines if line.category == "client_entertainment"
    )
    assert entertainment <= Decimal("123456.78") * Decimal("0.15")
    for task in result.plan.tasks:
        if task.budget is not None:
            assert not task.is_summary and not task.is_milestone


def test_owners_come_from_the_team_by_role():
    result = run(request())
    for task in result.plan.tasks:
        if task.is_summary:
            continue
        assert task.owner in TEAM[task.role]
    # two sales reps share the sales work: neither carries everything
    sales = [t for t in result.plan.tasks if t.role == "sales_rep" and not t.is_summary]
    assert {t.owner for t in sales} == {"s1", "s2"}


def test_missing_role_falls_back_with_a_warning():
    team = {"sales_rep": ["s1"], "project_manager": ["m1"]}
    result = run(request(team=team))
    consultant_tasks = [
        t for t in result.plan.tasks if t.role == "presales_consultant" and not t.is_summary
    ]
    assert consultant_tasks and all(t.owner == "m1" for t in consultant_tasks)
    assert any("presales_consultant" in w for w in result.warnings)


def _tiny_sources():
    sources = copy.deepcopy(load_sources())
    sources["tiny"] = {
        "id": "tiny",
        "reference_value": "1000000",
        "max_scale": "3",
        "tier_factors": {"key": "1.5"},
        "elements": [
            {
                "code": "s",
                "parent": None,
                "name_zh": "阶段",
                "name_en": "Stage",
                "kind": "summary",
                "budget_weight": 0,
            },
            {
                "code": "s.a",
                "parent": "s",
                "name_zh": "甲",
                "name_en": "A",
                "duration_days": 3,
                "scaling": {"value_exponent": "0.5", "per_product_line": "0.5"},
            },
            {
                "code": "s.b",
                "parent": "s",
                "name_zh": "乙",
                "name_en": "B",
                "duration_days": 4,
                "depends_on": [{"code": "s.a", "type": "SS", "lag_days": 2}],
            },
        ],
    }
    return sources


def test_duration_scaling_hand_computed():
    template = load_template("tiny", _tiny_sources())
    req = request(
        bid_value=Decimal("4000000"), product_lines=["x", "y", "z"], account_tier="growth"
    )
    by_id = decompose(req, template).plan.task_index()
    # 3 days x (4e6/1e6)^0.5 = 2 x (1 + 0.5 x 2) = 2 -> 12 days; B has no scaling
    assert by_id["s.a"].duration == 12
    assert by_id["s.b"].duration == 4
    # the key tier adds x1.5 to every task; value 100x reference is clamped at max_scale 3
    req = request(bid_value=Decimal("100000000"), product_lines=["x"], account_tier="key")
    by_id = decompose(req, template).plan.task_index()
    assert by_id["s.a"].duration == 14  # 3 x 3 x 1.5 = 13.5 -> 14 (half up)
    assert by_id["s.b"].duration == 6


def test_calibration_multiplies_durations_and_budget_weights():
    template = load_template("tiny", _tiny_sources())
    req = request(
        bid_value=Decimal("1000000"),
        product_lines=[],
        account_tier="growth",
        pursuit_budget=Decimal("300"),
    )
    plain = decompose(req, template)
    assert {line.task_id: line.amount for line in plain.budget_lines} == {
        "s.a": Decimal("150.00"),
        "s.b": Decimal("150.00"),
    }
    calibration = {"s.b": ElementCalibration(Decimal("1.5"), Decimal("2"))}
    calibrated = decompose(dataclasses.replace(req, calibration=calibration), template)
    assert calibrated.plan.task_index()["s.b"].duration == 6
    assert {line.task_id: line.amount for line in calibrated.budget_lines} == {
        "s.a": Decimal("100.00"),
        "s.b": Decimal("200.00"),
    }


def test_deadline_before_start_is_rejected():
    with pytest.raises(ValueError):
        run(request(submission_deadline=date(2026, 1, 1)))


# -- with the scheduler ----------------------------------------------------------------------


def test_submission_lands_on_a_reachable_deadline():
    pytest.importorskip("wbs.cpm")
    result = run(request(submission_deadline=date(2027, 5, 28)))
    assert result.schedule is not None
    submission = result.schedule.by_id()[result.submission_task_id]
    assert result.submission_float_days is not None and result.submission_float_days >= 0
    assert submission.early_finish <= date(2027, 5, 28)
    # stretched to the deadline: within a week of it
    assert (date(2027, 5, 28) - submission.early_finish).days <= 7
    assert result.meets_deadline


def test_impossible_deadline_shows_negative_float():
    pytest.importorskip("wbs.cpm")
    result = run(request(submission_deadline=date(2027, 1, 20)))
    assert result.submission_float_days is not None and result.submission_float_days < 0
    assert result.meets_deadline is False
    assert any("cannot be met" in w for w in result.warnings)


@settings(max_examples=25, deadline=None)
@given(
    kind=st.sampled_from(["new_customer", "cross_sell"]),
    procurement=st.sampled_from(["tender", "negotiated"]),
    lines=st.lists(st.text(min_size=1, max_size=6), max_size=8),
    regions=st.lists(st.sampled_from(["华东", "华南", "华北", "西南", "西北"]), max_size=5),
    budget=st.decimals(min_value=0, max_value=10**8, places=2),
    value=st.decimals(min_value=0, max_value=10**10, places=2),
    tier=st.sampled_from(["strategic", "key", "growth", "standard"]),
)
def test_any_bid_gives_an_exact_budget_and_a_sound_tree(
    kind, procurement, lines, regions, budget, value, tier
):
    req = request(
        kind=kind,
        procurement=procurement,
        product_lines=lines,
        regions=regions,
        pursuit_budget=budget,
        bid_value=value,
        account_tier=tier,
        fit_to_deadline=False,
    )
    result = run(req)
    assert 30 <= len(result.plan.tasks) <= 80
    assert sum(line.amount for line in result.budget_lines) + result.budget.reserve == budget
    assert all(line.amount >= 0 for line in result.budget_lines)
    assert all(
        t.duration >= 1 for t in result.plan.tasks if not t.is_summary and not t.is_milestone
    )
