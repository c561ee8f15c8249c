"""An independent check of a leveled schedule against its plan (shared by tests and benchmarks).

Written from the definitions only (no code from ``wbs.level``): every link with its type and
lag, every resource capacity at every position, every duration.
"""

from __future__ import annotations

from wbs.plan import LinkType, Plan
from wbs.result import Schedule


def schedule_problems(plan: Plan, schedule: Schedule) -> list[str]:
    """Every way ``schedule`` breaks ``plan`` (empty when it is feasible)."""
    problems: list[str] = []
    rows = schedule.by_id()
    summaries = {task.parent for task in plan.tasks if task.parent} | {
        task.id for task in plan.tasks if task.is_summary
    }
    for task in plan.tasks:
        row = rows.get(task.id)
        if row is None:
            problems.append(f"task {task.id} is missing")
            continue
        if task.id in summaries:
            continue
        if row.early_start_index < 0:
            problems.append(f"task {task.id} starts before the project ({row.early_start_index})")
        if row.early_finish_index - row.early_start_index != task.duration:
            problems.append(
                f"task {task.id} lasts {row.early_finish_index - row.early_start_index}"
            )
        if plan.unit == "period" and (row.start, row.finish) != (
            row.early_start_index,
            row.early_finish_index,
        ):
            problems.append(f"task {task.id}: start/finish differ from its positions")
    for link in plan.links:
        before, after = rows[link.predecessor], rows[link.successor]
        first = {
            LinkType.FS: before.early_finish_index,
            LinkType.SS: before.early_start_index,
            LinkType.FF: before.early_finish_index,
            LinkType.SF: before.early_start_index,
        }[link.type]
        second = {
            LinkType.FS: after.early_start_index,
            LinkType.SS: after.early_start_index,
            LinkType.FF: after.early_finish_index,
            LinkType.SF: after.early_finish_index,
        }[link.type]
        if second < first + link.lag:
            problems.append(
                f"link {link.predecessor} {link.type.value}+{link.lag} {link.successor} broken"
            )
    capacity = {resource.id: resource.capacity for resource in plan.resources}
    load: dict[tuple[str, int], int] = {}
    for task in plan.tasks:
        if task.id in summaries:
            continue
        row = rows[task.id]
        for resource_id, amount in task.resources.items():
            for t in range(row.early_start_index, row.early_start_index + task.duration):
                load[resource_id, t] = load.get((resource_id, t), 0) + amount
    for (resource_id, t), amount in sorted(load.items()):
        if amount > capacity.get(resource_id, 1):
            problems.append(f"{resource_id} at {t}: {amount} > {capacity.get(resource_id, 1)}")
    finish = max((rows[t.id].early_finish_index for t in plan.tasks), default=0)
    if schedule.makespan != finish:
        problems.append(f"makespan {schedule.makespan} but the last finish is {finish}")
    return problems
