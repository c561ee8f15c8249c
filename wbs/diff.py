"""What a recompute changed: which tasks moved, by how much, and how the critical path changed.

Shifts are measured on the working-time axis (``*_index`` fields) in the plan's unit, so that a
move over a weekend counts as one working day, not three calendar days.

Example
-------
>>> from wbs.result import Schedule, TaskSchedule
>>> def row(start, length, critical):
...     return TaskSchedule("a", "A", start, start + length, start, start + length, start,
...                         start + length, 0, 0, critical, None, start, start + length,
...                         start, start + length)
>>> old = Schedule(0, 2, 2, "period", [row(0, 2, True)])
>>> new = Schedule(0, 3, 3, "period", [row(1, 2, False)])
>>> change = diff_schedules(old, new)
>>> change.moved[0].start_shift, change.project_finish_shift, change.left_critical
(1, 1, ['a'])
"""

from __future__ import annotations

from wbs.result import Schedule, ScheduleDiff, TaskMove


def diff_schedules(old: Schedule, new: Schedule) -> ScheduleDiff:
    """Tasks present in both schedules whose start or finish moved, or whose criticality
    changed; tasks added or removed count as becoming / leaving critical when critical."""
    before = old.by_id()
    moved: list[TaskMove] = []
    became: list[str] = []
    left: list[str] = []
    seen: set[str] = set()
    for task in new.tasks:
        seen.add(task.id)
        previous = before.get(task.id)
        if previous is None:
            if task.critical:
                became.append(task.id)
            continue
        start_shift = task.early_start_index - previous.early_start_index
        finish_shift = task.early_finish_index - previous.early_finish_index
        if task.start != previous.start and start_shift == 0:
            start_shift = _calendar_shift(previous.start, task.start)
        if task.finish != previous.finish and finish_shift == 0:
            finish_shift = _calendar_shift(previous.finish, task.finish)
        if start_shift or finish_shift or task.critical != previous.critical:
            moved.append(
                TaskMove(task.id, start_shift, finish_shift, previous.critical, task.critical)
            )
        if task.critical and not previous.critical:
            became.append(task.id)
        elif previous.critical and not task.critical:
            left.append(task.id)
    left.extend(task.id for task in old.tasks if task.id not in seen and task.critical)
    return ScheduleDiff(
        moved=moved,
        project_finish_shift=new.duration - old.duration,
        became_critical=became,
        left_critical=left,
    )


def _calendar_shift(old: object, new: object) -> int:
    """A fallback shift for schedules without indices (e.g. rebuilt from stored dates)."""
    from datetime import date, datetime

    if isinstance(old, datetime) and isinstance(new, datetime):
        return round((new - old).total_seconds() / 60)
    if isinstance(old, date) and isinstance(new, date):
        return (new - old).days
    if isinstance(old, int) and isinstance(new, int):
        return new - old
    return 0
