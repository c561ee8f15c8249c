"""Incremental re-propagation equals a full recompute (Hypothesis, random plans)."""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from wbs.cpm import schedule
from wbs.incremental import IncrementalSchedule
from wbs.plan import Constraint, ConstraintType, Link, LinkType, Plan, Task


@st.composite
def plans_and_changes(draw: st.DrawFn) -> tuple[Plan, list[tuple[str, int, int]]]:
    size = draw(st.integers(2, 30))
    tasks = [Task(f"t{i}", f"t{i}", draw(st.integers(0, 8))) for i in range(size)]
    links = []
    for successor in range(1, size):
        for predecessor in draw(st.sets(st.integers(0, successor - 1), max_size=3)):
            kind = draw(st.sampled_from(list(LinkType)))
            links.append(Link(f"t{predecessor}", f"t{successor}", kind, draw(st.integers(-2, 3))))
    for task in tasks:
        if draw(st.integers(0, 6)) == 0:
            task.deadline = draw(st.integers(0, 25))
        if draw(st.integers(0, 6)) == 0:
            kind = draw(st.sampled_from([c for c in ConstraintType if c != ConstraintType.ASAP]))
            task.constraint = Constraint(kind, draw(st.integers(0, 20)))
    plan = Plan("random", 0, tasks, links, unit="period")
    changes = draw(
        st.lists(
            st.tuples(st.integers(0, size - 1), st.integers(0, 12), st.integers(-2, 4)),
            min_size=1,
            max_size=4,
        )
    )
    return plan, [(f"t{task}", duration, lag) for task, duration, lag in changes]


@settings(max_examples=200, deadline=None)
@given(plans_and_changes())
def test_incremental_equals_full_recompute(case: tuple[Plan, list[tuple[str, int, int]]]) -> None:
    plan, changes = case
    incremental = IncrementalSchedule(copy.deepcopy(plan))
    for task_id, duration, lag in changes:
        before = incremental.schedule().by_id()
        moved = incremental.change_duration(task_id, duration)
        for task in plan.tasks:
            if task.id == task_id:
                task.duration = duration
        full = schedule(plan)
        assert incremental.schedule() == full
        for row in full.tasks:  # what it reports as moved is what moved
            old = before[row.id]
            if (old.early_start_index, old.late_start_index) != (
                row.early_start_index,
                row.late_start_index,
            ):
                assert row.id in moved
        outgoing = [link for link in plan.links if link.predecessor == task_id]
        if outgoing:
            link = outgoing[0]
            incremental.change_lag(link.predecessor, link.successor, lag)
            plan.links = [
                Link(x.predecessor, x.successor, x.type, lag) if x is link else x
                for x in plan.links
            ]
            assert incremental.schedule() == schedule(plan)
