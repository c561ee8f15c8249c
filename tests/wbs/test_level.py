"""Resource leveling (wbs.level): hand-made instances with known optima, an independent
feasibility check, a brute-force optimum on tiny random instances, and the portfolio use."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.wbs.rcpsp_checker import schedule_problems
from wbs.level import LevelingError, Window, bid_priority, level, level_portfolio
from wbs.plan import Constraint, ConstraintType, Link, LinkType, Plan, Resource, Task


def period_plan(tasks, links=(), resources=()):
    return Plan(
        "t",
        0,
        tasks=list(tasks),
        links=list(links),
        resources=list(resources),
        unit="period",
    )


def leveled(plan, **options):
    schedule = level(plan, **options)
    assert schedule_problems(plan, schedule) == []
    return schedule


# --- hand-made instances, optima worked out by hand -----------------------------------------


def test_two_tasks_on_one_person_run_one_after_the_other():
    plan = period_plan(
        [Task("a", "A", 2, resources={"R": 1}), Task("b", "B", 3, resources={"R": 1})],
        resources=[Resource("R", capacity=1)],
    )
    schedule = leveled(plan)
    assert schedule.makespan == 5
    assert schedule.extra["status"] == "optimal"
    assert schedule.extra["method"] in {"cp-sat", "heuristic"}


def test_capacity_two_allows_overlap():
    plan = period_plan(
        [Task("a", "A", 2, resources={"R": 1}), Task("b", "B", 3, resources={"R": 1})],
        resources=[Resource("R", capacity=2)],
    )
    assert leveled(plan).makespan == 3


def test_pairwise_conflict_beats_the_energy_bound():
    # A and B together need 4 > 3 units, so they never overlap: 3 + 2 = 5, while the
    # work bound is only ceil((6 + 4 + 2) / 3) = 4. C (one unit) fits beside either.
    plan = period_plan(
        [
            Task("a", "A", 3, resources={"R": 2}),
            Task("b", "B", 2, resources={"R": 2}),
            Task("c", "C", 2, resources={"R": 1}),
        ],
        resources=[Resource("R", capacity=3)],
    )
    assert leveled(plan).makespan == 5


def test_ss_lag_and_a_shared_person_push_beyond_the_lag():
    # B may start 2 after A starts, but both need the one person: B waits for A's finish.
    plan = period_plan(
        [Task("a", "A", 4, resources={"R": 1}), Task("b", "B", 4, resources={"R": 1})],
        [Link("a", "b", LinkType.SS, 2)],
        [Resource("R", capacity=1)],
    )
    schedule = leveled(plan)
    assert schedule.makespan == 8
    rows = schedule.by_id()
    assert (rows["a"].start, rows["b"].start) == (0, 4)


@pytest.mark.parametrize(
    ("link_type", "lag", "expected"),
    [
        (LinkType.FS, 0, 7),  # 4 + 3
        (LinkType.FS, -2, 5),  # B starts at 2
        (LinkType.SS, 2, 5),  # B starts at 2
        (LinkType.FF, 1, 5),  # B finishes at 4 + 1, starts at 2
        (LinkType.SF, 5, 5),  # B finishes at 0 + 5
    ],
)
def test_link_types_without_resource_conflict(link_type, lag, expected):
    plan = period_plan(
        [Task("a", "A", 4, resources={"R1": 1}), Task("b", "B", 3, resources={"R2": 1})],
        [Link("a", "b", link_type, lag)],
        [Resource("R1"), Resource("R2")],
    )
    assert leveled(plan).makespan == expected


def test_psplib_like_instance_with_dummies():
    # source -> {1, 2, 3} -> sink; capacity 4; demands 3, 2, 2; durations 2, 3, 3.
    # 2 and 3 fit together (4), 1 fits with neither: 1 alone (2), then 2 and 3 (3): 5.
    tasks = [
        Task("s", "source", 0),
        Task("1", "one", 2, resources={"R": 3}),
        Task("2", "two", 3, resources={"R": 2}),
        Task("3", "three", 3, resources={"R": 2}),
        Task("e", "sink", 0),
    ]
    links = [Link("s", j) for j in "123"] + [Link(j, "e") for j in "123"]
    schedule = leveled(period_plan(tasks, links, [Resource("R", capacity=4)]))
    assert schedule.makespan == 5
    assert schedule.by_id()["e"].start == 5


def test_heuristic_alone_is_feasible_and_says_so():
    tasks = [Task(str(i), f"t{i}", 1 + i % 3, resources={"R": 1 + i % 2}) for i in range(8)]
    links = [Link("0", "3"), Link("1", "4"), Link("3", "7")]
    schedule = leveled(period_plan(tasks, links, [Resource("R", capacity=2)]), use_cp_sat=False)
    assert schedule.extra["method"] == "heuristic"
    assert schedule.extra["cp_sat_status"] == "skipped"
    # the work is (1+2+3+1+2+3+1+2) with demands alternating 1, 2: never below its bound
    assert schedule.makespan >= schedule.extra["lower_bound"]


def test_floats_after_leveling():
    # One person, A (2) and B (3); C (1) needs nobody and may run any time before the end.
    plan = period_plan(
        [
            Task("a", "A", 2, resources={"R": 1}),
            Task("b", "B", 3, resources={"R": 1}),
            Task("c", "C", 1),
        ],
        resources=[Resource("R", capacity=1)],
    )
    schedule = leveled(plan)
    rows = schedule.by_id()
    assert rows["c"].total_float == 4
    assert rows["c"].free_float == 4
    assert not rows["c"].critical
    assert rows["a"].critical and rows["b"].critical
    assert set(schedule.critical_path) == {"a", "b"}


def test_summary_links_apply_to_all_children():
    tasks = [
        Task("p", "phase", is_summary=True),
        Task("a", "A", 2, parent="p", resources={"R": 1}),
        Task("b", "B", 3, parent="p", resources={"R": 1}),
        Task("c", "C", 1),
    ]
    plan = period_plan(tasks, [Link("p", "c")], [Resource("R", capacity=2)])
    schedule = leveled(plan)
    rows = schedule.by_id()
    assert rows["c"].start == 3
    assert (rows["p"].start, rows["p"].finish) == (0, 3)
    assert rows["p"].is_summary


def test_start_no_earlier_than_is_a_release():
    plan = period_plan(
        [
            Task("a", "A", 2, resources={"R": 1}, constraint=Constraint(ConstraintType.SNET, 4)),
            Task("b", "B", 3, resources={"R": 1}),
        ],
        resources=[Resource("R")],
    )
    schedule = leveled(plan)
    assert schedule.by_id()["a"].start >= 4
    assert schedule.makespan == 6


def test_chinese_names_pass_through():
    plan = period_plan(
        [Task("需求", "需求分析", 2, resources={"售前顾问": 1}), Task("方案", "方案编写", 2)],
        [Link("需求", "方案")],
        [Resource("售前顾问", "王工", 1)],
    )
    schedule = leveled(plan)
    assert schedule.by_id()["方案"].start == 2
    assert schedule.by_id()["需求"].resources == {"售前顾问": 1}


def test_cycle_is_refused_with_the_tasks_named():
    plan = period_plan(
        [Task("a", "A", 1), Task("b", "B", 1), Task("c", "C", 1)],
        [Link("a", "b"), Link("b", "c"), Link("c", "a")],
    )
    with pytest.raises(LevelingError, match=r"cycle: (a|b|c) -> .* -> "):
        level(plan)


def test_demand_above_capacity_is_refused():
    plan = period_plan(
        [Task("a", "A", 1, resources={"R": 3})], resources=[Resource("R", capacity=2)]
    )
    with pytest.raises(LevelingError, match="'a' needs 3 of resource 'R'"):
        level(plan)


def test_undeclared_resource_counts_as_one_person():
    plan = period_plan(
        [Task("a", "A", 2, resources={"x": 1}), Task("b", "B", 2, resources={"x": 1})]
    )
    schedule = level(plan)
    assert schedule.makespan == 4
    assert any("'x'" in warning for warning in schedule.warnings)


# --- random instances: feasibility, and the optimum against brute force ----------------------


def _distance(link, durations):
    before, after = durations[link.predecessor], durations[link.successor]
    return {
        LinkType.FS: before + link.lag,
        LinkType.SS: link.lag,
        LinkType.FF: before + link.lag - after,
        LinkType.SF: link.lag - after,
    }[link.type]


def brute_force_makespan(plan):
    """The least makespan by exhaustive search over start times (tasks in a topological order,
    each start from its precedence bound upwards, cut off at the best makespan so far)."""
    durations = {t.id: t.duration for t in plan.tasks}
    capacity = {r.id: r.capacity for r in plan.resources}
    ids = [t.id for t in plan.tasks]  # the generator only links t_i -> t_j for i < j
    usage = {t.id: t.resources for t in plan.tasks}
    predecessors = {i: [] for i in ids}
    for link in plan.links:
        predecessors[link.successor].append((link.predecessor, _distance(link, durations)))
    horizon = sum(durations.values()) + sum(abs(link.lag) for link in plan.links) + 1
    best = [horizon + 10]
    starts = {}
    load = {}

    def fits(task_id, t, sign):
        cells = [(r, u) for r in usage[task_id] for u in range(t, t + durations[task_id])]
        if sign > 0 and any(load.get(c, 0) + usage[task_id][c[0]] > capacity[c[0]] for c in cells):
            return False
        for cell in cells:
            load[cell] = load.get(cell, 0) + sign * usage[task_id][cell[0]]
        return True

    def search(position, makespan):
        if makespan >= best[0]:
            return
        if position == len(ids):
            best[0] = makespan
            return
        task_id = ids[position]
        earliest = max([0] + [starts[p] + d for p, d in predecessors[task_id]])
        for t in range(earliest, best[0] - durations[task_id]):
            if fits(task_id, t, +1):
                starts[task_id] = t
                search(position + 1, max(makespan, t + durations[task_id]))
                fits(task_id, t, -1)

    search(0, 0)
    return best[0]


@st.composite
def random_plans(draw, max_tasks=10):
    count = draw(st.integers(1, max_tasks))
    capacities = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    resources = [Resource(f"R{i}", capacity=c) for i, c in enumerate(capacities)]
    tasks = []
    for i in range(count):
        usage = {}
        for resource in resources:
            amount = draw(st.integers(0, resource.capacity))
            if amount:
                usage[resource.id] = amount
        tasks.append(Task(f"t{i}", f"任务{i}", draw(st.integers(0, 5)), resources=usage))
    links = []
    for i in range(count):
        for j in range(i + 1, count):
            if draw(st.integers(0, 4)) == 0:
                link_type = draw(st.sampled_from(list(LinkType)))
                links.append(Link(f"t{i}", f"t{j}", link_type, draw(st.integers(-2, 3))))
    return period_plan(tasks, links, resources)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_plans(max_tasks=14))
def test_heuristic_is_always_feasible(plan):
    schedule = leveled(plan, use_cp_sat=False, time_limit_seconds=0.02)
    assert schedule.makespan >= schedule.extra["lower_bound"]
    for row in schedule.tasks:
        assert row.total_float >= 0 and row.free_float >= 0
        assert row.free_float <= row.total_float or row.total_float == 0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_plans(max_tasks=5))
def test_cp_sat_finds_the_brute_force_optimum(plan):
    schedule = leveled(plan, time_limit_seconds=2.0)
    assert schedule.makespan == brute_force_makespan(plan)
    assert schedule.extra["status"] == "optimal"


# --- the PMO's portfolio use ------------------------------------------------------------------


def _two_bids():
    # One presales consultant "ps" shared by bid X (high priority) and bid Y (low priority).
    tasks = [
        Task("x1", "X 需求", 3, resources={"ps": 1}),
        Task("x2", "X 方案", 2),
        Task("y1", "Y analysis", 2, resources={"ps": 1}),
        Task("y2", "Y offer", 2, resources={"ps": 1}),
        Task("y3", "Y slack task", 1, resources={"pm": 1}),
    ]
    links = [Link("x1", "x2"), Link("y1", "y2")]
    plan = period_plan(tasks, links, [Resource("ps", "王工", 1), Resource("pm", "PM", 1)])
    groups = {"x1": "X", "x2": "X", "y1": "Y", "y2": "Y", "y3": "Y"}
    high, low = bid_priority(Decimal("500000"), "A"), bid_priority(Decimal("800000"), "C")
    priorities = {task_id: high if bid == "X" else low for task_id, bid in groups.items()}
    return plan, groups, priorities


def test_portfolio_delays_the_lower_priority_bid_and_reports_deadlines():
    plan, groups, priorities = _two_bids()
    windows = {"y2": Window(latest_finish=6)}
    proposal = level_portfolio(plan, priorities=priorities, windows=windows, groups=groups)
    assert proposal.starts["x1"] == 0  # the high-priority bid keeps its consultant
    assert proposal.starts["y1"] == 3 and proposal.starts["y2"] == 5
    assert proposal.over_allocations_before  # x1 and y1 both wanted "ps" at 0
    moved = {move.id: move for move in proposal.moves}
    assert set(moved) == {"y1", "y2"}
    assert "ps" in moved["y1"].reason and "higher-priority" in moved["y1"].reason
    assert "y1" in moved["y2"].reason
    assert not moved["y1"].within_float
    assert proposal.violations == ["task 'y2' finishes at 7, 1 after its deadline 6"]
    assert schedule_problems(plan, proposal.schedule) == []


def test_portfolio_moves_within_float_first():
    # Bid Y: a long chain y1 -> y2 on "pm" and a short task y3 on "ps" with float; bid X's x1
    # takes "ps" first, y3 slides within its float and Y's finish does not move.
    tasks = [
        Task("x1", "X", 2, resources={"ps": 1}),
        Task("y1", "Y1", 3, resources={"pm": 1}),
        Task("y2", "Y2", 3, resources={"pm": 1}),
        Task("y3", "Y3", 2, resources={"ps": 1}),
    ]
    plan = period_plan(tasks, [Link("y1", "y2")], [Resource("ps"), Resource("pm")])
    groups = {"x1": "X", "y1": "Y", "y2": "Y", "y3": "Y"}
    priorities = {"x1": 2.0, "y1": 1.0, "y2": 1.0, "y3": 1.0}
    proposal = level_portfolio(plan, priorities=priorities, groups=groups)
    moved = {move.id: move for move in proposal.moves}
    assert set(moved) == {"y3"}
    assert moved["y3"].within_float and moved["y3"].shift == 2
    assert proposal.violations == []


def test_portfolio_window_is_a_release():
    plan, groups, priorities = _two_bids()
    proposal = level_portfolio(
        plan, priorities=priorities, windows={"x1": Window(earliest_start=1)}, groups=groups
    )
    assert proposal.starts["x1"] >= 1
    assert schedule_problems(plan, proposal.schedule) == []


def test_day_plan_dates_skip_the_weekend():
    # Mon 2027-01-04: A takes Mon-Wed, B (same person) Thu, Fri and Mon 2027-01-11.
    plan = Plan(
        "bid",
        date(2027, 1, 4),
        tasks=[
            Task("a", "需求分析", 3, resources={"ps": 1}),
            Task("b", "方案编写", 3, resources={"ps": 1}),
            Task("m", "提交标书", 0),
        ],
        links=[Link("a", "m"), Link("b", "m")],
        resources=[Resource("ps", "王工", 1)],
    )
    schedule = leveled(plan)
    rows = schedule.by_id()
    first, second = sorted([rows["a"], rows["b"]], key=lambda row: row.start)
    assert (first.start, first.finish) == (date(2027, 1, 4), date(2027, 1, 6))
    assert (second.start, second.finish) == (date(2027, 1, 7), date(2027, 1, 11))
    assert rows["m"].start == date(2027, 1, 11)
    assert schedule.project_finish == date(2027, 1, 11)
    assert schedule.makespan == 6


def test_minute_plan_works_on_whole_days_and_returns_clock_times():
    # MS Project style: 480 working minutes a day, 08:00-12:00 and 13:00-17:00.
    plan = Plan(
        "mspdi",
        datetime(2027, 1, 4, 8, 0),
        tasks=[
            Task("1", "Survey", 480, resources={"eng": 1}),
            Task("2", "Design", 960, resources={"eng": 1}),
        ],
        resources=[Resource("eng")],
        unit="minute",
    )
    schedule = leveled(plan)
    spans = {row.id: (row.start, row.finish) for row in schedule.tasks}
    survey_first = {
        "1": (datetime(2027, 1, 4, 8), datetime(2027, 1, 4, 17)),
        "2": (datetime(2027, 1, 5, 8), datetime(2027, 1, 6, 17)),
    }
    design_first = {
        "2": (datetime(2027, 1, 4, 8), datetime(2027, 1, 5, 17)),
        "1": (datetime(2027, 1, 6, 8), datetime(2027, 1, 6, 17)),
    }
    assert spans in (survey_first, design_first)
    assert schedule.makespan == 1440
    assert schedule.project_finish == datetime(2027, 1, 6, 17)
