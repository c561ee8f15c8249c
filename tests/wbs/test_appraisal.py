from datetime import date
from decimal import Decimal

from wbs.appraisal import AppraisalWeights, TaskOutcome, appraise
from wbs.plan import Plan, Task

TEAM = {"sales_rep": ["ann"], "project_manager": ["pm"]}


def plan():
    return Plan(
        "p",
        date(2027, 1, 4),
        [
            Task(
                "a",
                "A",
                6,
                owner="ann",
                role="sales_rep",
                budget=Decimal("100"),
                extra={"difficulty": 4},
            ),
            Task(
                "b",
                "B",
                2,
                owner="pm",
                role="project_manager",
                budget=Decimal("50"),
                extra={"difficulty": 2},
            ),
        ],
    )


def test_hand_computed_scores_and_bonus():
    outcomes = {
        "a": TaskOutcome(date(2027, 1, 11), date(2027, 1, 12), Decimal("90")),  # late, in budget
        "b": TaskOutcome(date(2027, 1, 5), date(2027, 1, 5), Decimal("60")),  # on time, over
    }
    result = appraise(plan(), TEAM, outcomes, bonus_pool=Decimal("1000"))
    ann, pm = result.by_person()["ann"], result.by_person()["pm"]
    # RACI points: ann R on a = 1; pm A on a (0.5) + R on b (1) = 1.5 -> shares 0.4 / 0.6 x 2
    assert ann.components["responsibility"] == Decimal("0.8000")
    assert pm.components["responsibility"] == Decimal("1.2000")
    # difficulty 4 vs 2 of 6 -> x2 = 1.3333 / 0.6667; workload 6 vs 2 of 8 -> 1.5 / 0.5
    assert ann.components["difficulty"] == Decimal("1.3333")
    assert ann.components["workload"] == Decimal("1.5000")
    assert pm.components["workload"] == Decimal("0.5000")
    assert (ann.components["on_time"], ann.components["on_budget"]) == (Decimal(0), Decimal(1))
    assert (pm.components["on_time"], pm.components["on_budget"]) == (Decimal(1), Decimal(0))
    # ann: 0.3x0.8 + 0.25x1.33333 + 0.25x1.5 + 0 + 0.1 = 1.048333
    assert ann.score == Decimal("1.0483")
    # pm: 0.3x1.2 + 0.25x0.66667 + 0.25x0.5 + 0.1 + 0 = 0.751667
    assert pm.score == Decimal("0.7517")
    assert ann.bonus + pm.bonus == Decimal("1000.00")
    # 1000 x 1.0483 / 1.8 = 582.388.. and 417.611..: the larger remainder takes the cent
    assert (ann.bonus, pm.bonus) == (Decimal("582.39"), Decimal("417.61"))
    assert len(ann.explanation) == 7 and "score" in ann.explanation[5]


def test_weights_are_configurable():
    weights = AppraisalWeights(
        responsibility=Decimal(0),
        difficulty=Decimal(0),
        workload=Decimal(1),
        on_time=Decimal(0),
        on_budget=Decimal(0),
    )
    result = appraise(plan(), TEAM, bonus_pool=Decimal("80"), weights=weights)
    # pure workload 6:2 -> scores 1.5 and 0.5 -> bonus 60 and 20
    assert [m.bonus for m in result.members] == [Decimal("60.00"), Decimal("20.00")]
