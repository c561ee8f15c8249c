"""Schedule risk (wbs.risk): the vectorised Monte Carlo CPM against wbs.cpm and probability."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

import numpy as np
import pytest

from wbs.cpm import schedule
from wbs.plan import Constraint, ConstraintType, Link, LinkType, Plan, Task
from wbs.risk import (
    BLOCK,
    Correlation,
    Estimate,
    RiskEvent,
    RiskModel,
    RiskModelError,
    discrete_law,
    prepare,
    run_block,
    simulate,
)

START = date(2026, 9, 21)  # the week before China's 2026 National Day holiday


def random_plan(
    seed: int, size: int = 40, *, deadlines: bool = True, calendar: str | None = "CN"
) -> Plan:
    """A random network with every link type, lags and leads, constraints, progress, a status
    date and (optionally) deadlines, on the CN calendar."""
    rng = random.Random(seed)
    tasks = []
    for number in range(size):
        milestone = rng.random() < 0.15
        task = Task(f"t{number}", f"任务 {number}", 0 if milestone else rng.randint(1, 9))
        roll = rng.random()
        day = START + timedelta(days=rng.randint(0, 60))
        if roll < 0.05:
            task.constraint = Constraint(ConstraintType.SNET, day)
        elif roll < 0.08:
            task.constraint = Constraint(ConstraintType.FNET, day)
        elif roll < 0.10:
            task.constraint = Constraint(ConstraintType.SNLT, day)
        elif roll < 0.12:
            task.constraint = Constraint(ConstraintType.FNLT, day)
        elif roll < 0.13:
            task.constraint = Constraint(ConstraintType.MSO, day)
        elif roll < 0.14:
            task.constraint = Constraint(ConstraintType.MFO, day)
        elif roll < 0.17 and number < size // 3:
            task.actual_start = START + timedelta(days=rng.randint(0, 5))
            if rng.random() < 0.5:
                task.actual_finish = task.actual_start + timedelta(days=rng.randint(2, 9))
            else:
                task.percent_complete = rng.choice([20.0, 50.0, 80.0])
        if deadlines and rng.random() < 0.05:
            task.deadline = START + timedelta(days=rng.randint(10, 80))
        tasks.append(task)
    links = []
    seen = set()
    for number in range(1, size):
        for _ in range(rng.randint(1, 3)):
            other = rng.randrange(0, number)
            if (other, number) in seen:
                continue
            seen.add((other, number))
            kind = rng.choice(list(LinkType))
            links.append(Link(f"t{other}", f"t{number}", kind, rng.randint(-2, 3)))
    return Plan(
        "random",
        START,
        tasks,
        links,
        unit="day",
        calendar=calendar,
        status_date=START + timedelta(days=7),
        finish_deadline=START + timedelta(days=70) if deadlines else None,
    )


@pytest.mark.parametrize("seed", range(12))
def test_degenerate_estimates_reproduce_the_cpm_exactly(seed: int) -> None:
    plan = random_plan(seed, deadlines=seed % 2 == 0)
    expected = schedule(plan).by_id()
    prepared = prepare(plan)
    block = run_block(prepared, np.repeat(prepared.base_duration[:, None], 3, axis=1))
    for number, task_id in enumerate(prepared.ids):
        row = expected[task_id]
        assert (block.early_start[number] == row.early_start_index).all(), task_id
        if plan.finish_deadline is None and not any(t.deadline for t in plan.tasks):
            assert (block.critical[number] == row.critical).all(), task_id
    # the same through simulate(): every task's estimate o = m = p, and each milestone as the
    # submission: its date is the CPM's finish date in every iteration
    estimates = {
        task.id: Estimate(task.duration, task.duration, task.duration) for task in plan.tasks
    }
    finish = schedule(plan).project_finish
    for task in plan.tasks:
        if task.duration:
            continue
        result = simulate(plan, RiskModel(estimates, submission=task.id), iterations=5, seed=seed)
        assert set(result.submission_dates.values()) == {expected[task.id].finish}
        assert set(result.finish_dates.values()) == {finish}
        assert result.deterministic_submission == expected[task.id].finish


@pytest.mark.parametrize("tasks", [[], [Task("m", "递交", 0)]])
def test_an_empty_or_milestone_only_plan_finishes_where_the_cpm_says(tasks: list[Task]) -> None:
    plan = Plan("e", START, tasks, [], unit="day", calendar="CN")
    result = simulate(plan, RiskModel(), iterations=3, seed=0)
    assert set(result.finish_dates.values()) == {schedule(plan).project_finish}
    assert result.deterministic_finish == schedule(plan).project_finish


def test_degenerate_estimates_with_float_lags_match_on_the_criticality() -> None:
    plan = random_plan(3, deadlines=False)
    expected = schedule(plan).by_id()
    result = simulate(plan, RiskModel(), iterations=4, seed=1)
    for task_id, index in result.criticality.items():
        assert index == (1.0 if expected[task_id].critical else 0.0)


def chain(count: int, estimate: Estimate) -> tuple[Plan, RiskModel]:
    tasks = [Task(f"t{i}", f"t{i}", round(estimate.likely)) for i in range(count)]
    tasks.append(Task("submit", "递交", 0))
    links = [Link(f"t{i}", f"t{i + 1}") for i in range(count - 1)] + [
        Link(f"t{count - 1}", "submit")
    ]
    plan = Plan("chain", 0, tasks, links, unit="period")
    return plan, RiskModel({f"t{i}": estimate for i in range(count)}, submission="submit")


@pytest.mark.parametrize("distribution", ["triangular", "pert", "uniform"])
def test_a_chain_of_independent_tasks_has_the_sum_of_the_means(distribution: str) -> None:
    estimate = Estimate(2, 4, 11, distribution)  # type: ignore[arg-type]
    plan, model = chain(8, estimate)
    result = simulate(plan, model, iterations=20_000, seed=7)
    durations = result.submission_days + 1  # the milestone sits on the last task's finish
    expected = 8 * estimate.mean()
    standard_error = durations.std(ddof=1) / math.sqrt(durations.size)
    assert abs(durations.mean() - expected) <= 3 * standard_error
    # and the spread is that of a sum of independent tasks: variance adds up
    single = discrete_law(estimate)
    values = np.arange(single.first, single.first + single.cdf.size)
    law_mean = float(single.probabilities() @ values)
    variance = float(single.probabilities() @ (values - law_mean) ** 2)
    assert abs(law_mean - estimate.mean()) < 1e-6  # stochastic rounding keeps the mean
    assert durations.var() == pytest.approx(8 * variance, rel=0.05)


def test_two_equal_parallel_tasks_finish_by_x_with_probability_f_squared() -> None:
    estimate = Estimate(3, 5, 12)
    tasks = [Task("a", "a", 5), Task("b", "b", 5), Task("end", "end", 0)]
    plan = Plan("par", 0, tasks, [Link("a", "end"), Link("b", "end")], unit="period")
    model = RiskModel({"a": estimate, "b": estimate}, submission="end")
    iterations = 40_000
    result = simulate(plan, model, iterations=iterations, seed=11)
    durations = result.finish_days + 1
    law = discrete_law(estimate)
    for k in range(law.first, law.first + law.cdf.size):
        single = float(law.cdf[k - law.first])
        expected = single**2
        observed = float((durations <= k).mean())
        tolerance = 4 * math.sqrt(expected * (1 - expected) / iterations) + 1e-9
        assert abs(observed - expected) <= tolerance, k


def test_a_dominating_path_is_always_critical_and_a_short_one_never() -> None:
    tasks = [Task("long", "long", 20), Task("short", "short", 3), Task("end", "end", 0)]
    plan = Plan("paths", 0, tasks, [Link("long", "end"), Link("short", "end")], unit="period")
    model = RiskModel({"long": Estimate(18, 20, 30), "short": Estimate(2, 3, 9)}, submission="end")
    result = simulate(plan, model, iterations=3000, seed=5)
    assert result.criticality["long"] == 1.0
    assert result.criticality["short"] == 0.0
    assert result.criticality["end"] == 1.0
    assert result.sensitivity["long"] > 0.9
    assert abs(result.sensitivity["short"]) < 0.1


def risk_plan() -> tuple[Plan, RiskModel]:
    tasks = [Task("a", "方案", 5), Task("b", "报价", 3), Task("m", "递交", 0)]
    plan = Plan("r", date(2027, 3, 1), tasks, [Link("a", "b"), Link("b", "m")], unit="day")
    plan.finish_deadline = date(2027, 3, 10)
    model = RiskModel({"a": Estimate(4, 5, 8), "b": Estimate(2, 3, 6)}, submission="m")
    return plan, model


def test_a_risk_with_probability_zero_changes_nothing() -> None:
    plan, model = risk_plan()
    base = simulate(plan, model, iterations=5000, seed=3)
    model.risks = [RiskEvent("r1", "客户改需求", 0.0, Estimate(2, 3, 5), ("a",))]
    with_risk = simulate(plan, model, iterations=5000, seed=3)
    assert np.array_equal(base.submission_days, with_risk.submission_days)
    assert base.p_meet_submission == with_risk.p_meet_submission
    assert with_risk.risks[0].occurred == 0.0


def test_a_certain_risk_equals_adding_its_impact() -> None:
    plan, model = risk_plan()
    model.risks = [RiskEvent("r1", "资质补件", 1.0, Estimate(2, 2, 2), ("b",))]
    certain = simulate(plan, model, iterations=4000, seed=9)
    model.risks = []
    model.estimates["b"] = Estimate(4, 5, 8)  # b's estimate shifted by the impact
    shifted = simulate(plan, model, iterations=4000, seed=9)
    # the same uniforms drive a and b (risks draw from streams of their own), and the law of
    # b + 2 is b's law shifted by 2: every iteration agrees
    assert np.array_equal(certain.submission_days, shifted.submission_days)
    assert certain.p_meet_submission == shifted.p_meet_submission
    assert certain.risks[0].occurred == 1.0
    assert certain.risks[0].p_meet_if_occurs == certain.p_meet_submission
    # deterministic: with degenerate estimates the certain risk is exactly +2 working days
    fixed = RiskModel({}, submission="m")
    before = simulate(plan, fixed, iterations=3, seed=1)
    fixed.risks = [RiskEvent("r1", "资质补件", 1.0, Estimate(2, 2, 2), ("b",))]
    after = simulate(plan, fixed, iterations=3, seed=1)
    assert (after.submission_days == before.submission_days + 2).all()


def test_same_seed_same_result_and_another_seed_differs() -> None:
    plan = random_plan(4)
    model = RiskModel(
        {t.id: Estimate(max(0, t.duration - 1), t.duration, t.duration * 2) for t in plan.tasks},
        submission="t39",
    )
    one = simulate(plan, model, iterations=BLOCK + 100, seed=42)
    two = simulate(plan, model, iterations=BLOCK + 100, seed=42)
    other = simulate(plan, model, iterations=BLOCK + 100, seed=43)
    assert np.array_equal(one.finish_days, two.finish_days)
    assert one.criticality == two.criticality and one.sensitivity == two.sensitivity
    assert not np.array_equal(one.finish_days, other.finish_days)
    # the first block of a longer run is the same draw
    longer = simulate(plan, model, iterations=BLOCK + 2500, seed=42)
    assert np.array_equal(longer.finish_days[:BLOCK], one.finish_days[:BLOCK])


def test_cn_holidays_and_make_up_days_hold_in_every_iteration() -> None:
    tasks = [Task("a", "标书编写", 3), Task("m", "递交", 0)]
    plan = Plan("gw", START, tasks, [Link("a", "m")], unit="day", calendar="CN")
    model = RiskModel({"a": Estimate(1, 3, 12, "uniform")}, submission="m")
    result = simulate(plan, model, iterations=3000, seed=2)
    shown = {day for day, _ in result.submission_histogram}
    from wbs.calendar import WorkCalendar

    calendar = WorkCalendar.named("CN")
    for day in shown:
        assert calendar.is_working_day(day), day
    assert not any(date(2026, 10, 1) <= day <= date(2026, 10, 7) for day in shown)
    assert date(2026, 10, 10) in shown  # Saturday 10 October is a make-up working day
    # each iteration's date is the CPM's date for the duration it drew
    for length in range(1, 13):
        tasks[0].duration = length
        cpm = schedule(plan).by_id()["m"].finish
        assert cpm in shown or length == 12


def test_correlated_tasks_have_the_requested_rank_correlation() -> None:
    tasks = [Task(f"p{i}", f"售前 {i}", 5) for i in range(3)] + [Task("m", "m", 0)]
    plan = Plan("c", 0, tasks, [Link(f"p{i}", "m") for i in range(3)], unit="period")
    estimates = {f"p{i}": Estimate(0, 50, 200) for i in range(3)}
    model = RiskModel(
        estimates, submission="m", correlations=[Correlation(("p0", "p1", "p2"), 0.6)]
    )
    prepared = prepare(plan)
    from wbs.risk import Streams, _Sampler, spearman

    sampler = _Sampler(plan, prepared, model)
    duration, _ = sampler.draw(Streams(1, 0), 20_000)
    rho = spearman(duration[[0]], duration[1].astype(np.int64))[0]
    assert rho == pytest.approx(0.6, abs=0.03)
    independent = _Sampler(plan, prepared, RiskModel(estimates, submission="m"))
    duration, _ = independent.draw(Streams(1, 0), 20_000)
    assert abs(spearman(duration[[0]], duration[1].astype(np.int64))[0]) < 0.03


def test_bad_models_are_refused_with_the_reason() -> None:
    plan, model = risk_plan()
    with pytest.raises(RiskModelError, match="optimistic"):
        simulate(plan, RiskModel({"a": Estimate(6, 5, 8)}), iterations=10)
    with pytest.raises(RiskModelError, match="unknown task"):
        simulate(plan, RiskModel({"zz": Estimate(1, 2, 3)}), iterations=10)
    with pytest.raises(RiskModelError, match="probability"):
        bad = RiskModel(risks=[RiskEvent("r", "r", 1.5, Estimate(1, 1, 1), ("a",))])
        simulate(plan, bad, iterations=10)
    with pytest.raises(RiskModelError, match="iterations"):
        simulate(plan, model, iterations=0)


def test_progress_is_reported_per_block() -> None:
    plan, model = risk_plan()
    seen: list[float] = []
    iterations = 2 * BLOCK + 1
    simulate(plan, model, iterations, seed=1, progress=lambda part, _: seen.append(part))
    assert seen[-1] == 1.0 and seen == sorted(seen) and len(seen) == 3
