"""The level-vectorised passes (``wbs.cpm.numpy_passes``) against the plain-loop reference
(``python_passes``), column by column: early, required and late starts, project finish,
driving links, free and total float."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from wbs.cpm import (
    PassResult,
    TimeAxis,
    level_plan,
    numpy_passes,
    prepare_inputs,
    python_passes,
)
from wbs.network import as_list, compile_network
from wbs.plan import Constraint, ConstraintType, Link, LinkType, Plan, Task

COLUMNS = ("early_start", "required_start", "late_start", "driving_link", "free_float")


def columns(result: PassResult) -> dict[str, object]:
    values: dict[str, object] = {name: as_list(getattr(result, name)) for name in COLUMNS}
    values["total_float"] = as_list(result.total_float)
    values["project_finish"] = int(result.project_finish)
    return values


def assert_passes_agree(plan: Plan) -> None:
    """Both pass implementations on ``plan``; then again after new durations, on the same
    cached ``LevelPlan`` (it depends on the network only)."""
    network = compile_network(plan)
    axis = TimeAxis(plan)
    levels = level_plan(network)
    for round_number in range(2):
        inputs = prepare_inputs(plan, network, axis)
        expected = columns(python_passes(network, inputs, axis))
        assert columns(numpy_passes(network, inputs, levels)) == expected
        assert columns(numpy_passes(network, inputs)) == expected
        rng = random.Random(round_number)
        for task in plan.tasks:
            task.duration = rng.randint(0, 7)


@st.composite
def progressed_plans(draw: st.DrawFn) -> Plan:
    """Random networks: every link type, negative lags, constraints, deadlines, progress at a
    status date, a finish deadline."""
    size = draw(st.integers(1, 30))
    tasks = [Task(f"t{i}", f"t{i}", draw(st.integers(0, 6))) for i in range(size)]
    links = []
    for successor in range(1, size):
        for predecessor in draw(st.sets(st.integers(0, successor - 1), max_size=3)):
            kind = draw(st.sampled_from(list(LinkType)))
            links.append(Link(f"t{predecessor}", f"t{successor}", kind, draw(st.integers(-3, 4))))
    for task in tasks:
        if draw(st.integers(0, 5)) == 0:
            task.deadline = draw(st.integers(0, 20))
        if draw(st.integers(0, 5)) == 0:
            kind = draw(st.sampled_from([c for c in ConstraintType if c != ConstraintType.ASAP]))
            task.constraint = Constraint(kind, draw(st.integers(0, 20)))
        if draw(st.integers(0, 5)) == 0:
            task.actual_start = draw(st.integers(0, 10))
            ending = draw(st.sampled_from(["finished", "remaining", "percent"]))
            if ending == "finished":
                task.actual_finish = task.actual_start + draw(st.integers(0, 5))
            elif ending == "remaining":
                task.remaining_duration = draw(st.integers(0, 4))
            else:
                task.percent_complete = draw(st.integers(0, 100))
    return Plan(
        "random",
        0,
        tasks,
        links,
        unit="period",
        status_date=draw(st.none() | st.integers(0, 12)),
        finish_deadline=draw(st.none() | st.integers(0, 25)),
    )


@settings(max_examples=300, deadline=None)
@given(progressed_plans())
def test_level_passes_agree_with_the_loops(plan: Plan) -> None:
    assert_passes_agree(plan)


def layered(tasks: int, width: int, seed: int) -> Plan:
    """Like the benchmark network (layers, links to the 1-3 layers before), mixed link types."""
    rng = random.Random(seed)
    plan_tasks = [Task(f"t{i}", f"t{i}", rng.randint(0, 9)) for i in range(tasks)]
    pairs = set()
    for successor in range(width, tasks):
        for _ in range(rng.randint(1, 3)):
            layer = successor // width - rng.randint(1, 3)
            if layer >= 0:
                pairs.add((layer * width + rng.randrange(width), successor))
    links = [
        Link(f"t{a}", f"t{b}", rng.choice(list(LinkType)), rng.randint(-2, 3))
        for a, b in sorted(pairs)
    ]
    return Plan("layered", 0, plan_tasks, links, unit="period")


def test_deep_networks_agree_unconstrained_and_capped() -> None:
    plan = layered(3000, 20, seed=3)
    assert_passes_agree(plan)
    plan.finish_deadline = 300  # caps every late finish: the capped tails
    plan.tasks[1500].constraint = Constraint(ConstraintType.SNLT, 40)  # a ceiling mid-network
    plan.tasks[2200].constraint = Constraint(ConstraintType.MSO, 90)
    plan.tasks[2900].deadline = 250
    assert_passes_agree(plan)


def test_backward_chains_longer_than_forward_ones() -> None:
    """a and g start the network (depth 0), but their tails settle only at step 5, after the
    chain of four links below b."""
    tasks = [Task(name, name, duration) for name, duration in zip("abcdefg", [1, 2, 3, 1, 2, 4, 1])]
    links = [Link(a, b) for a, b in ["ab", "bc", "cd", "de", "ef"]] + [Link("g", "b", lag=-1)]
    plan = Plan("chain", 0, tasks, links, unit="period")
    network = compile_network(plan)
    inputs = prepare_inputs(plan, network, TimeAxis(plan))
    result = numpy_passes(network, inputs)
    assert as_list(result.late_start) == [0, 1, 3, 6, 7, 9, 1]
    assert as_list(result.total_float) == [0, 0, 0, 0, 0, 0, 1]
    assert as_list(result.driving_link) == [-1, 0, 1, 2, 3, 4, -1]
