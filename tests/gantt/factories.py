"""Generated plans with their schedules, built by construction (no CPM needed).

``chain_plan(n)`` makes summaries of ``group_size`` tasks; inside a group the tasks form an FS
chain on consecutive calendar days, every group starts on the plan start, so the longest group
is critical. Dates are known by construction, which makes them an independent oracle.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from wbs.plan import Link, Plan, Task
from wbs.result import Schedule, TaskSchedule

START = date(2027, 1, 4)


def _row(
    task_id: str, name: str, start: date, finish: date, total_float: int, *, summary: bool = False
) -> TaskSchedule:
    late_start = start + timedelta(days=total_float)
    late_finish = finish + timedelta(days=total_float)
    return TaskSchedule(
        id=task_id,
        name=name,
        start=start,
        finish=finish,
        early_start=start,
        early_finish=finish,
        late_start=late_start,
        late_finish=late_finish,
        total_float=total_float,
        free_float=0,
        critical=total_float <= 0,
        driving_predecessor=None,
        is_summary=summary,
    )


def chain_plan(
    task_count: int, group_size: int = 50, name: str = "生成的投标计划"
) -> tuple[Plan, Schedule]:
    """``task_count`` leaf tasks (durations 1..3 days) in groups; the last task of each group is a
    milestone (duration 0). Groups finishing last are critical; the others get the difference as
    total float."""
    plan = Plan(name=name, start=START, status_date=START + timedelta(days=10))
    rows: list[TaskSchedule] = []
    groups = [
        list(range(i, min(i + group_size, task_count))) for i in range(0, task_count, group_size)
    ]
    group_finishes: list[date] = []
    group_rows: list[list[TaskSchedule]] = []
    for number, members in enumerate(groups, start=1):
        summary_id = f"s{number}"
        plan.tasks.append(Task(id=summary_id, name=f"工作包 {number}", is_summary=True))
        day = START
        previous: str | None = None
        members_rows: list[TaskSchedule] = []
        for position, index in enumerate(members):
            task_id = f"t{index}"
            milestone = position == len(members) - 1
            duration = 0 if milestone else 1 + index % 3
            plan.tasks.append(
                Task(
                    id=task_id,
                    name=f"任务 {index} Task",
                    duration=duration,
                    parent=summary_id,
                    owner=f"张三{index % 7}",
                    role="presales",
                    budget=Decimal("1000.00") + index,
                    percent_complete=50.0 if index % 4 == 0 else 0.0,
                )
            )
            if previous is not None:
                plan.links.append(Link(predecessor=previous, successor=task_id))
            finish = day + timedelta(days=max(duration, 1) - 1)
            members_rows.append(_row(task_id, f"任务 {index} Task", day, finish, 0))
            day = finish + timedelta(days=1) if duration else day
            previous = task_id
        group_rows.append(members_rows)
        group_finishes.append(max(row.finish for row in members_rows))
    project_finish = max(group_finishes)
    for number, (members_rows, finish) in enumerate(zip(group_rows, group_finishes), start=1):
        slack = (project_finish - finish).days
        for row in members_rows:
            row.total_float = slack
            row.critical = slack == 0
            row.late_start = row.start + timedelta(days=slack)
            row.late_finish = row.finish + timedelta(days=slack)
        first = members_rows[0].start
        rows.append(_row(f"s{number}", f"工作包 {number}", first, finish, slack, summary=True))
        rows.extend(members_rows)
    schedule = Schedule(
        project_start=START,
        project_finish=project_finish,
        duration=(project_finish - START).days + 1,
        unit="day",
        tasks=rows,
        critical_path=[row.id for row in rows if row.critical and not row.is_summary],
    )
    return plan, schedule
