"""The CPM engine on hand-computed examples, and its two pass implementations agreeing."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wbs.cpm import schedule
from wbs.diff import diff_schedules
from wbs.network import (
    CycleError,
    DuplicateLinkError,
    NegativeDurationError,
    SelfLinkError,
    UnknownTaskError,
    validate_plan,
)
from wbs.plan import Constraint, ConstraintType, Link, LinkType, Plan, Task

MONDAY = date(2027, 1, 4)


def day_plan(tasks: list[Task], links: list[Link], **extra: object) -> Plan:
    return Plan("t", MONDAY, tasks, links, unit="day", **extra)  # type: ignore[arg-type]


def test_day_plan_dates_skip_the_weekend_and_milestone_sits_on_the_finish_date() -> None:
    plan = day_plan(
        [Task("a", "设计", 3), Task("b", "Build", 4), Task("m", "Submit", 0)],
        [Link("a", "b"), Link("b", "m")],
    )
    rows = schedule(plan).by_id()
    assert (rows["a"].start, rows["a"].finish) == (date(2027, 1, 4), date(2027, 1, 6))
    assert (rows["b"].start, rows["b"].finish) == (date(2027, 1, 7), date(2027, 1, 12))
    assert rows["m"].start == rows["m"].finish == date(2027, 1, 12)
    assert rows["b"].driving_predecessor == "a" and rows["a"].driving_predecessor is None


def test_link_types_and_lags_by_hand() -> None:
    # a: 0-5. b SS+2 -> 2-5. c FF-1 from a (EF 5) -> EF 4, ES 2 (dur 2). d SF+1 from c (ES 2)
    # -> EF >= 3, dur 4 -> ES -1 clamped to 0. e FS-2 from d (EF 4) -> ES 2.
    tasks = [Task("a", "a", 5), Task("b", "b", 3), Task("c", "c", 2), Task("d", "d", 4)]
    tasks.append(Task("e", "e", 1))
    links = [
        Link("a", "b", LinkType.SS, 2),
        Link("a", "c", LinkType.FF, -1),
        Link("c", "d", LinkType.SF, 1),
        Link("d", "e", LinkType.FS, -2),
    ]
    for method in ("python", "numpy"):
        result = schedule(Plan("p", 0, tasks, links, unit="period"), method=method)  # type: ignore[arg-type]
        rows = result.by_id()
        assert [rows[t].early_start for t in "abcde"] == [0, 2, 2, 0, 2]
        assert result.duration == 5
        # late: project finish 5. e LF 5 -> LS 4; d: FS-2 -> LF <= 6, cap 5 -> LS 1;
        # c: SF+1 -> LS_c <= LF_d - 1 = 4, own LF 5 -> LS 3; b LS 2; a: SS+2 -> LS <= 0.
        assert [rows[t].late_start for t in "abcde"] == [0, 2, 3, 1, 4]
        assert [rows[t].total_float for t in "abcde"] == [0, 0, 1, 1, 2]
        assert rows["d"].driving_predecessor is None  # clamped at the project start


def test_missed_deadline_gives_negative_float_and_a_warning() -> None:
    plan = day_plan(
        [Task("a", "a", 5), Task("b", "b", 5, deadline=date(2027, 1, 13))], [Link("a", "b")]
    )
    result = schedule(plan)
    rows = result.by_id()
    # b finishes Fri 15 Jan; the deadline Wed 13 Jan is 2 working days earlier.
    assert rows["b"].finish == date(2027, 1, 15)
    assert rows["b"].total_float == rows["a"].total_float == -2
    assert rows["a"].critical and rows["b"].critical
    assert "task b (b) finishes 2027-01-15, after its deadline 2027-01-13: 2 working days late" in (
        result.warnings
    )
    assert not any("task a" in warning for warning in result.warnings)  # a has no limit


def test_project_finish_deadline_and_constraints() -> None:
    tasks = [
        Task("a", "a", 2, constraint=Constraint(ConstraintType.SNET, date(2027, 1, 6))),
        Task("b", "b", 1, constraint=Constraint(ConstraintType.MFO, date(2027, 1, 15))),
        Task("c", "c", 1, constraint=Constraint(ConstraintType.ALAP)),
    ]
    plan = day_plan(tasks, [Link("a", "b")], finish_deadline=date(2027, 1, 14))
    rows = schedule(plan).by_id()
    assert rows["a"].start == date(2027, 1, 6)
    assert rows["b"].start == rows["b"].finish == date(2027, 1, 15)
    assert rows["b"].total_float == -1  # must finish on the 15th, project deadline the 14th
    assert rows["c"].start == date(2027, 1, 14)  # as late as possible: on the deadline day


def test_progress_at_the_status_date() -> None:
    tasks = [
        Task("done", "done", 3, actual_start=date(2027, 1, 4), actual_finish=date(2027, 1, 7)),
        Task("doing", "doing", 4, actual_start=date(2027, 1, 6), remaining_duration=2),
        Task("next", "next", 1),
    ]
    plan = day_plan(tasks, [Link("done", "next")], status_date=date(2027, 1, 11))
    rows = schedule(plan).by_id()
    assert (rows["done"].start, rows["done"].finish) == (date(2027, 1, 4), date(2027, 1, 7))
    # 2 days done from Wed 6th, 2 remaining from the status date Mon 11th -> Tue 12th.
    assert rows["doing"].start == date(2027, 1, 6)
    assert rows["doing"].finish == date(2027, 1, 12)
    assert rows["next"].start == date(2027, 1, 11)


def test_summary_rolls_up_and_its_links_apply_to_children() -> None:
    tasks = [
        Task("s", "phase", is_summary=True),
        Task("x", "x", 2, parent="s"),
        Task("y", "y", 3, parent="s"),
        Task("z", "z", 1),
    ]
    plan = Plan("p", 0, tasks, [Link("x", "y"), Link("s", "z")], unit="period")
    rows = schedule(plan).by_id()
    assert (rows["s"].early_start, rows["s"].early_finish) == (0, 5)
    assert rows["s"].is_summary and rows["z"].early_start == 5


@pytest.mark.parametrize(
    ("links", "error", "text"),
    [
        ([Link("a", "b"), Link("b", "c"), Link("c", "a")], CycleError, "a -> b -> c -> a"),
        ([Link("a", "q")], UnknownTaskError, "'q'"),
        ([Link("a", "b"), Link("a", "b", LinkType.SS)], DuplicateLinkError, "twice"),
        ([Link("a", "a")], SelfLinkError, "itself"),
    ],
)
def test_refusals_name_the_tasks(links: list[Link], error: type[Exception], text: str) -> None:
    plan = Plan("p", 0, [Task("a", "a", 1), Task("b", "b", 1), Task("c", "c", 1)], links)
    with pytest.raises(error, match=text.replace("'", ".")) as raised:
        validate_plan(plan)
    if isinstance(raised.value, CycleError):
        assert raised.value.cycle == ["a", "b", "c"]


def test_negative_duration_is_refused() -> None:
    with pytest.raises(NegativeDurationError):
        validate_plan(Plan("p", 0, [Task("a", "a", -1)]))


def test_diff_reports_moves_and_critical_changes() -> None:
    tasks = [Task("a", "a", 2), Task("b", "b", 1), Task("c", "c", 1)]
    links = [Link("a", "c"), Link("b", "c")]
    before = schedule(Plan("p", 0, tasks, links, unit="period"))
    tasks[1].duration = 4
    after = schedule(Plan("p", 0, tasks, links, unit="period"))
    change = diff_schedules(before, after)
    assert change.project_finish_shift == 2
    assert {move.id: move.start_shift for move in change.moved}["c"] == 2
    assert change.became_critical == ["b"] and change.left_critical == ["a"]


@st.composite
def random_plans(draw: st.DrawFn) -> Plan:
    size = draw(st.integers(1, 25))
    tasks = [Task(f"t{i}", f"t{i}", draw(st.integers(0, 6))) for i in range(size)]
    links = []
    for successor in range(1, size):
        for predecessor in draw(st.sets(st.integers(0, successor - 1), max_size=3)):
            kind = draw(st.sampled_from(list(LinkType)))
            links.append(Link(f"t{predecessor}", f"t{successor}", kind, draw(st.integers(-3, 4))))
    for task in tasks:
        if draw(st.integers(0, 5)) == 0:
            task.deadline = draw(st.integers(0, 20))
        if draw(st.integers(0, 6)) == 0:
            kind = draw(st.sampled_from([c for c in ConstraintType if c != ConstraintType.ASAP]))
            task.constraint = Constraint(kind, draw(st.integers(0, 20)))
    return Plan("random", 0, tasks, links, unit="period")


@settings(max_examples=150, deadline=None)
@given(random_plans())
def test_numpy_and_python_passes_agree(plan: Plan) -> None:
    a = schedule(plan, method="python")
    b = schedule(plan, method="numpy")
    assert a == b
    rows = a.by_id()
    overriding = {ConstraintType.SNLT, ConstraintType.FNLT, ConstraintType.MSO, ConstraintType.MFO}
    free = {t.id for t in plan.tasks if not (t.constraint and t.constraint.type in overriding)}
    for link in plan.links:  # every link holds on the early dates, unless a constraint wins
        if link.successor not in free:
            continue
        p, s = rows[link.predecessor], rows[link.successor]
        left = p.early_finish if link.type in (LinkType.FS, LinkType.FF) else p.early_start
        right = s.early_finish if link.type in (LinkType.FF, LinkType.SF) else s.early_start
        assert right >= left + link.lag  # type: ignore[operator]


def test_elapsed_lag_runs_over_the_weekend() -> None:
    # a finishes Friday 8 Jan; 2 elapsed days (2880 min) end Sunday night -> b starts Monday.
    # The same lag in working days would start b on Wednesday 13 Jan.
    tasks = [Task("a", "a", 5), Task("b", "b", 1), Task("c", "c", 1)]
    links = [Link("a", "b", lag=2880, lag_elapsed=True), Link("a", "c", lag=2)]
    rows = schedule(day_plan(tasks, links)).by_id()
    assert rows["b"].start == date(2027, 1, 11)
    assert rows["c"].start == date(2027, 1, 13)
    assert rows["b"].total_float == 2  # both end the project on the 13th


def test_china_calendar_skips_the_spring_festival() -> None:
    plan = Plan("cn", date(2026, 2, 12), [Task("a", "标书编写", 3)], [], unit="day", calendar="CN")
    row = schedule(plan).tasks[0]
    # Thu 12, Fri 13, Sat 14 (make-up working day) -> finishes on the 14th.
    assert (row.start, row.finish) == (date(2026, 2, 12), date(2026, 2, 14))
    plan.tasks[0].duration = 4  # the festival holidays run to the 23rd
    assert schedule(plan).tasks[0].finish == date(2026, 2, 24)


def test_a_task_on_its_own_calendar() -> None:
    """b works Saturdays: after a (Mon 4 - Fri 8 Jan) it runs Sat 9 and Mon 11, so c (on the
    plan's Mon-Fri calendar) starts Tue 12 instead of Wed 13."""
    from wbs.calendar import STANDARD_WEEK
    from wbs.plan import CalendarSpec

    six_days = CalendarSpec("six-day", weekly={**STANDARD_WEEK, 5: STANDARD_WEEK[0]})
    tasks = [Task("a", "a", 5), Task("b", "b", 2, calendar="six-day"), Task("c", "c", 1)]
    plan = day_plan(tasks, [Link("a", "b"), Link("b", "c")], calendars={"six-day": six_days})
    rows = schedule(plan).by_id()
    assert (rows["b"].start, rows["b"].finish) == (date(2027, 1, 9), date(2027, 1, 11))
    assert rows["c"].start == date(2027, 1, 12)
    assert [rows[t].total_float for t in "abc"] == [0, 0, 0]
    assert rows["c"].driving_predecessor == "b"
    tasks[1].calendar = None  # on the plan's calendar b runs Mon 11 - Tue 12
    assert schedule(plan).by_id()["c"].start == date(2027, 1, 13)


def test_task_calendars_on_a_twin_of_the_plan_calendar_change_nothing() -> None:
    from wbs.calendar import STANDARD_WEEK
    from wbs.plan import CalendarSpec

    tasks = [Task("a", "a", 3), Task("b", "b", 2), Task("m", "m", 0)]
    links = [Link("a", "b", LinkType.SS, 1), Link("b", "m"), Link("a", "m", LinkType.FF, 2)]
    plan = day_plan(tasks, links, calendars={"twin": CalendarSpec("twin", dict(STANDARD_WEEK))})
    plain = schedule(plan)
    for task in tasks:
        task.calendar = "twin"
    assert schedule(plan) == plain
