"""A bid's submission deadline caps the submission milestone and what drives it, never the work
after it (``wbs.decompose.as_bid_plan``); deadline warnings say only what is true."""

from datetime import date

from wbs.cpm import schedule
from wbs.decompose import SUBMISSION_CODE, as_bid_plan
from wbs.plan import Link, Plan, Task

MONDAY = date(2027, 1, 4)


def bid_plan(prepare_days: int = 5, *, deadline: date, award_deadline: date | None = None) -> Plan:
    """prepare -> submit (milestone) -> opening (3 days) -> award (milestone) -> close-out (2),
    plus a side task that drives nothing."""
    tasks = [
        Task("prepare", "编制标书", prepare_days),
        Task("side", "样品准备", 1),
        Task("submit", "递交投标文件", 0, extra={"template_code": SUBMISSION_CODE}),
        Task("opening", "开标与澄清", 3),
        Task("award", "中标通知书", 0, deadline=award_deadline),
        Task("close", "收尾", 2),
    ]
    links = [
        Link("prepare", "submit"),
        Link("side", "submit"),
        Link("submit", "opening"),
        Link("opening", "award"),
        Link("award", "close"),
    ]
    plan = Plan("bid", MONDAY, tasks, links, unit="day")
    return as_bid_plan(plan, status_date=None, submission_deadline=deadline)


def test_a_met_submission_deadline_leaves_the_work_after_it_on_time() -> None:
    # prepare Mon 4 .. Fri 8 Jan, submit Fri 8 Jan = the deadline
    result = schedule(bid_plan(deadline=date(2027, 1, 8)))
    rows = result.by_id()
    assert rows["submit"].finish == date(2027, 1, 8)
    assert {t.id: t.total_float for t in result.tasks} == {
        "prepare": 0,
        "side": 4,
        "submit": 0,
        "opening": 0,
        "award": 0,
        "close": 0,
    }
    assert result.warnings == []  # nothing is late, so nothing says so


def test_a_missed_submission_deadline_makes_the_milestone_and_its_drivers_late_only() -> None:
    result = schedule(bid_plan(deadline=date(2027, 1, 6)))  # two working days too early
    rows = result.by_id()
    assert rows["submit"].total_float == rows["prepare"].total_float == -2
    assert rows["side"].total_float == 2
    # bid opening, award and close-out come after submission: they float against the finish
    assert [rows[t].total_float for t in ("opening", "award", "close")] == [0, 0, 0]
    assert result.project_finish == date(2027, 1, 15)
    assert result.warnings == [
        "task submit (递交投标文件) finishes 2027-01-08, after its deadline 2027-01-06: "
        "2 working days late"
    ]


def test_a_later_deadline_of_its_own_gives_the_work_after_submission_its_float() -> None:
    # award due Wed 20 Jan; it is reached Wed 13 Jan: 5 working days to spare after submission
    result = schedule(bid_plan(deadline=date(2027, 1, 8), award_deadline=date(2027, 1, 20)))
    rows = result.by_id()
    assert rows["award"].total_float == 0  # the close-out after it sets the project finish
    assert rows["submit"].total_float == 0
    tight = schedule(bid_plan(deadline=date(2027, 1, 8), award_deadline=date(2027, 1, 12)))
    rows = tight.by_id()
    assert rows["award"].total_float == rows["opening"].total_float == -1
    assert rows["submit"].total_float == rows["prepare"].total_float == -1
    assert rows["close"].total_float == 0
    assert tight.warnings == [
        "task award (中标通知书) finishes 2027-01-13, after its deadline 2027-01-12: "
        "1 working day late"
    ]


def test_the_milestone_keeps_an_earlier_deadline_of_its_own() -> None:
    plan = bid_plan(deadline=date(2027, 1, 8))
    plan.tasks[2].deadline = date(2027, 1, 7)
    again = as_bid_plan(plan, status_date=None, submission_deadline=date(2027, 1, 8))
    assert again.task_index()["submit"].deadline == date(2027, 1, 7)
    assert schedule(again).by_id()["submit"].total_float == -1


def test_a_plan_without_a_submission_milestone_is_all_submission_work() -> None:
    plan = Plan(
        "imported", MONDAY, [Task("a", "A", 5), Task("b", "B", 2)], [Link("a", "b")], unit="day"
    )
    bid = as_bid_plan(plan, status_date=date(2027, 1, 5), submission_deadline=date(2027, 1, 8))
    assert bid.finish_deadline == date(2027, 1, 8)
    assert bid.status_date == date(2027, 1, 5)
    assert plan.finish_deadline is None and plan.status_date is None  # the input is unchanged
    result = schedule(bid)  # nothing starts before the status date: a runs Tue 5 .. Mon 11
    assert result.by_id()["a"].total_float == -3
    assert result.warnings == [
        "the project finishes 2027-01-13, after its deadline 2027-01-08: 3 working days late"
    ]


def test_finished_work_is_never_critical() -> None:
    plan = bid_plan(deadline=date(2027, 1, 6))
    plan.tasks[0].actual_start, plan.tasks[0].actual_finish = MONDAY, date(2027, 1, 8)
    plan.tasks[0].percent_complete = 100
    plan.status_date = date(2027, 1, 11)
    rows = schedule(plan).by_id()
    assert rows["prepare"].total_float < 0 and not rows["prepare"].critical
    assert rows["submit"].critical
