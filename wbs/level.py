"""Resource leveling: a schedule that respects every resource capacity at every period.

:func:`level` turns a :class:`~wbs.plan.Plan` into the resource-constrained project scheduling
problem (RCPSP) of :mod:`wbs.level_rcpsp` and solves it with OR-Tools CP-SAT, hinted and
bounded by a fast priority-rule heuristic (serial SGS with forward-backward improvement). The
heuristic result is always feasible and is used when CP-SAT finds nothing better in time or is
not installed. :func:`level_portfolio` is the PMO's multi-bid use: per-task priorities and
allowed windows in, a proposal of moves with reasons and deadline violations out.

Conventions
-----------
- Work is in integer positions of the plan's working-time axis (periods for PSPLIB plans,
  working days for day plans, working minutes for minute plans); a task of duration ``d``
  starting at ``s`` occupies positions ``s .. s+d-1`` and uses ``task.resources`` units of each
  resource during each of them. Resources missing from ``plan.resources`` get capacity 1 (a
  named person) and a warning.
- Links become minimum distances between starts: FS ``s_b >= s_a + d_a + lag``, SS
  ``s_b >= s_a + lag``, FF ``s_b + d_b >= s_a + d_a + lag``, SF ``s_b + d_b >= s_a + lag``.
  A link to or from a summary task applies to every leaf task below it (a conservative reading:
  the result always satisfies MS Project's meaning too).
- Floats after leveling are *resource-aware*: ``free_float`` is how far the task alone can
  slip with every other task where it is; ``total_float`` is the larger of that and the task's
  slip in the right-justified schedule with the same makespan (every task as late as
  resources, successors and the makespan allow, latest finish first); ``late_start`` = start +
  total float. ``critical`` means zero total float.
- ``Schedule.extra`` records ``method`` (``"cp-sat"`` or ``"heuristic"``), ``status``
  (``"optimal"`` when proven, else ``"feasible"``), ``lower_bound``, ``heuristic_makespan``,
  ``solve_seconds`` and ``resource_delayed`` (task id -> periods the resources pushed it past
  its precedence-only early start).

Example
-------
>>> from wbs.plan import Link, Plan, Resource, Task
>>> plan = Plan("demo", 0, unit="period",
...     tasks=[Task("a", "A", 2, resources={"R": 1}), Task("b", "B", 3, resources={"R": 1})],
...     resources=[Resource("R", capacity=1)])
>>> level(plan).makespan
5
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from wbs.level_rcpsp import (
    CycleError,
    Distance,
    InfeasibleError,
    Rcpsp,
    cpsat_schedule,
    earliest_starts,
    heuristic_schedule,
    lower_bound,
    makespan_of,
    priority_schedule,
    tails,
    violations,
)
from wbs.level_timeline import Timeline, timeline_for
from wbs.plan import LinkType, Plan, Task
from wbs.result import Schedule, TaskSchedule

__all__ = [
    "LevelingError",
    "LevelingProposal",
    "ProposedMove",
    "Window",
    "bid_priority",
    "level",
    "level_portfolio",
    "solve_rcpsp",
]


class LevelingError(ValueError):
    """The plan cannot be leveled: a dependency cycle, or a demand above a capacity."""


# --- the plan as an RCPSP ------------------------------------------------------------------


@dataclass(slots=True)
class _Model:
    plan: Plan
    leaves: list[Task]
    index: dict[str, int]
    problem: Rcpsp
    timeline: Timeline
    resource_ids: list[str]
    precedence_starts: list[int]  # in the plan's unit
    scale: int  # plan units per RCPSP period (the gcd of all durations, distances, releases)
    warnings: list[str] = field(default_factory=list)


def _children(plan: Plan) -> dict[str, list[str]]:
    children: dict[str, list[str]] = {}
    for task in plan.tasks:
        if task.parent is not None:
            children.setdefault(task.parent, []).append(task.id)
    return children


def _leaf_descendants(task_id: str, children: dict[str, list[str]]) -> list[str]:
    if task_id not in children:
        return [task_id]
    found: list[str] = []
    stack = [task_id]
    while stack:
        current = stack.pop()
        below = children.get(current)
        if below is None:
            found.append(current)
        else:
            stack.extend(below)
    return found


def _min_distance(link_type: LinkType, lag: int, before: int, after: int) -> int:
    """The minimum start-to-start distance a link imposes (``before``/``after``: durations)."""
    if link_type is LinkType.FS:
        return before + lag
    if link_type is LinkType.SS:
        return lag
    if link_type is LinkType.FF:
        return before + lag - after
    return lag - after  # SF


def _build_model(plan: Plan, releases: Mapping[str, int] | None = None) -> _Model:
    children = _children(plan)
    by_id = plan.task_index()
    leaves = [t for t in plan.tasks if not t.is_summary and t.id not in children]
    index = {task.id: number for number, task in enumerate(leaves)}
    warnings: list[str] = []
    timeline = timeline_for(plan, warnings)

    capacities = {resource.id: resource.capacity for resource in plan.resources}
    for task in leaves:
        for resource_id in task.resources:
            if resource_id not in capacities:
                capacities[resource_id] = 1
                warnings.append(f"resource {resource_id!r} is not declared; capacity 1 assumed")
    resource_ids = list(capacities)
    durations = [max(0, _remaining_duration(task)) for task in leaves]
    demands = [[task.resources.get(r, 0) for r in resource_ids] for task in leaves]

    distances: list[Distance] = []
    elapsed_lags = 0
    for link in plan.links:
        if link.predecessor not in by_id or link.successor not in by_id:
            missing = link.predecessor if link.predecessor not in by_id else link.successor
            raise LevelingError(f"link {link.predecessor} -> {link.successor}: no task {missing!r}")
        elapsed_lags += link.lag_elapsed
        for before in _leaf_descendants(link.predecessor, children):
            for after in _leaf_descendants(link.successor, children):
                if before == after:
                    continue
                a, b = index[before], index[after]
                distance = _min_distance(link.type, link.lag, durations[a], durations[b])
                distances.append(Distance(a, b, distance))
    if elapsed_lags:
        warnings.append(f"{elapsed_lags} elapsed-time lag(s) treated as working time")

    release = [max(0, timeline.release(task, warnings)) for task in leaves]
    if releases:
        for task_id, position in releases.items():
            if task_id in index:
                release[index[task_id]] = max(release[index[task_id]], position)
    # MS Project plans count minutes; their durations and lags are mostly whole days or hours,
    # so working on that grid is exact and keeps the time axis short.
    scale = math.gcd(*durations, *(d.min_distance for d in distances), *release) or 1
    if scale > 1:
        durations = [d // scale for d in durations]
        distances = [Distance(d.before, d.after, d.min_distance // scale) for d in distances]
        release = [r // scale for r in release]
    try:
        problem = Rcpsp(durations, demands, list(capacities.values()), distances, release)
    except CycleError as error:
        names = " -> ".join(leaves[j].id for j in error.tasks)
        raise LevelingError(f"dependency cycle: {names}") from error
    except InfeasibleError:
        raise LevelingError(_capacity_message(leaves, demands, resource_ids, capacities)) from None
    return _Model(
        plan,
        leaves,
        index,
        problem,
        timeline,
        resource_ids,
        [start * scale for start in earliest_starts(problem)],
        scale,
        warnings,
    )


def _remaining_duration(task: Task) -> int:
    return task.duration


def _capacity_message(
    leaves: list[Task],
    demands: list[list[int]],
    resource_ids: list[str],
    capacities: dict[str, int],
) -> str:
    for task, row in zip(leaves, demands, strict=True):
        for resource_id, amount in zip(resource_ids, row, strict=True):
            if amount > capacities[resource_id]:
                return (
                    f"task {task.id!r} needs {amount} of resource {resource_id!r}, "
                    f"whose capacity is {capacities[resource_id]}"
                )
    return "a demand exceeds its capacity"  # pragma: no cover - the core found one


# --- solving ---------------------------------------------------------------------------


@dataclass(slots=True)
class SolveReport:
    """How :func:`solve_rcpsp` got its schedule."""

    method: str  # "cp-sat" or "heuristic"
    status: str  # "optimal" or "feasible"
    makespan: int
    lower_bound: int
    heuristic_makespan: int
    cp_sat_status: str  # "optimal", "feasible", "unknown", "skipped" or "unavailable"
    solve_seconds: float


def solve_rcpsp(
    problem: Rcpsp,
    *,
    time_limit_seconds: float = 1.0,
    workers: int = 2,
    use_cp_sat: bool = True,
) -> tuple[list[int], SolveReport]:
    """The best schedule found within the time limit, and how it was found.

    The heuristic runs first (stopping after 30 % of the limit, 200 passes or at the lower
    bound) and gives CP-SAT its hint and an upper bound; CP-SAT then gets the rest of the
    time. The result is always feasible.
    """
    started = time.perf_counter()
    bound = lower_bound(problem)
    heuristic_budget = _HEURISTIC_SHARE * time_limit_seconds if use_cp_sat else time_limit_seconds
    heuristic = heuristic_schedule(problem, time_limit_seconds=heuristic_budget, target=bound)
    heuristic_makespan = makespan_of(problem, heuristic)
    best, best_makespan = heuristic, heuristic_makespan
    method, cp_status = "heuristic", "skipped"
    if use_cp_sat and heuristic_makespan > bound:
        remaining = time_limit_seconds - (time.perf_counter() - started) - _SAFETY_SECONDS
        cp_status = "unknown"
        if remaining > 0.01:
            try:
                result = cpsat_schedule(
                    problem,
                    upper_bound=heuristic_makespan,
                    lower_bound_hint=bound,
                    hint=heuristic,
                    time_limit_seconds=remaining,
                    workers=workers,
                )
            except ImportError:
                cp_status = "unavailable"
            else:
                cp_status = result.status
                bound = max(bound, result.lower_bound)
                # trust but verify: only a schedule that passes the independent check is used
                if result.starts is not None and not violations(problem, result.starts):
                    best, best_makespan, method = (
                        result.starts,
                        makespan_of(problem, result.starts),
                        "cp-sat",
                    )
    report = SolveReport(
        method=method,
        status="optimal" if best_makespan <= bound else "feasible",
        makespan=best_makespan,
        lower_bound=min(bound, best_makespan),
        heuristic_makespan=heuristic_makespan,
        cp_sat_status=cp_status,
        solve_seconds=time.perf_counter() - started,
    )
    return best, report


_HEURISTIC_SHARE = 0.3  # of the time limit, before CP-SAT gets the rest
_SAFETY_SECONDS = 0.1  # model building and result reading after CP-SAT's own clock stops


def level(
    plan: Plan, *, time_limit_seconds: float = 1.0, workers: int = 2, use_cp_sat: bool = True
) -> Schedule:
    """The plan's resource-constrained schedule, of (near-)minimal makespan.

    Parameters
    ----------
    plan:
        Any plan; ``task.resources`` are the units used per period, ``plan.resources`` the
        capacities.
    time_limit_seconds:
        Wall-clock budget for the solvers (the heuristic alone may stop sooner: at the lower
        bound or after 200 passes).
    workers:
        CP-SAT search threads.
    use_cp_sat:
        False runs the priority-rule heuristic alone (for comparison, or when speed matters
        more than the last per cent).

    Returns
    -------
    Schedule
        With ``makespan`` set, leveled ``start``/``finish`` per task, resource-aware floats,
        each task's ``resources``, and ``extra`` saying how it was found (see the module notes).

    Raises
    ------
    LevelingError
        On a dependency cycle (named), an unknown task in a link, or a task needing more of a
        resource than its capacity.
    """
    model = _build_model(plan)
    starts, report = solve_rcpsp(
        model.problem,
        time_limit_seconds=time_limit_seconds,
        workers=workers,
        use_cp_sat=use_cp_sat,
    )
    return _to_schedule(model, starts, report)


# --- the result as a Schedule ---------------------------------------------------------------


def _to_schedule(model: _Model, periods: list[int], report: SolveReport) -> Schedule:
    problem = model.problem
    scale = model.scale
    makespan_periods = max(report.makespan, max(problem.release, default=0))
    late = [v * scale for v in latest_starts(problem, periods, makespan_periods)]
    free = [v * scale for v in free_floats(problem, periods, makespan_periods)]
    starts = [v * scale for v in periods]
    durations = [d * scale for d in problem.durations]
    makespan = makespan_periods * scale
    timeline = model.timeline
    rows: dict[str, TaskSchedule] = {}
    delayed: dict[str, int] = {}
    for j, task in enumerate(model.leaves):
        start, duration = starts[j], durations[j]
        # the greedy right-justification can miss a slip the task alone has (free float)
        total_float = max(late[j] - start, free[j])
        late[j] = start + total_float
        driver = _driving_predecessor(model, periods, j)
        if start > model.precedence_starts[j]:
            delayed[task.id] = start - model.precedence_starts[j]
        rows[task.id] = TaskSchedule(
            id=task.id,
            name=task.name,
            start=timeline.start_time(start, duration),
            finish=timeline.finish_time(start, duration),
            early_start=timeline.start_time(start, duration),
            early_finish=timeline.finish_time(start, duration),
            late_start=timeline.start_time(late[j], duration),
            late_finish=timeline.finish_time(late[j], duration),
            total_float=total_float,
            free_float=free[j],
            critical=total_float <= 0,
            driving_predecessor=driver,
            early_start_index=start,
            early_finish_index=start + duration,
            late_start_index=late[j],
            late_finish_index=late[j] + duration,
            is_milestone=task.is_milestone,
            resources=dict(task.resources),
        )
    _add_summaries(model, rows)
    ordered = [rows[task.id] for task in model.plan.tasks if task.id in rows]
    critical_path = [
        model.leaves[j].id
        for j in sorted(range(problem.size), key=lambda j: (starts[j], j))
        if late[j] == starts[j]
    ]
    extra: dict[str, Any] = {
        "method": report.method,
        "status": report.status,
        "lower_bound": report.lower_bound * scale,
        "heuristic_makespan": report.heuristic_makespan * scale,
        "cp_sat_status": report.cp_sat_status,
        "solve_seconds": round(report.solve_seconds, 3),
        "resource_delayed": delayed,
    }
    return Schedule(
        project_start=timeline.start_time(0, 1),
        project_finish=timeline.finish_time(0, makespan),
        duration=makespan,
        unit=model.plan.unit,
        tasks=ordered,
        critical_path=critical_path,
        warnings=list(model.warnings),
        makespan=makespan,
        extra=extra,
    )


def _driving_predecessor(model: _Model, starts: list[int], j: int) -> str | None:
    """The predecessor whose link holds the task where it is (None: resources or the start)."""
    binding = [
        k for k, distance in model.problem.predecessors[j] if starts[k] + distance == starts[j]
    ]
    if not binding:
        return None
    return model.leaves[min(binding, key=lambda k: (-starts[k] - model.problem.durations[k], k))].id


def _add_summaries(model: _Model, rows: dict[str, TaskSchedule]) -> None:
    children = _children(model.plan)
    timeline = model.timeline
    summaries = [t for t in model.plan.tasks if t.is_summary or t.id in children]
    for summary in summaries:
        below = [rows[i] for i in _leaf_descendants(summary.id, children) if i in rows]
        if not below:
            continue
        start = min(row.early_start_index for row in below)
        finish = max(row.early_finish_index for row in below)
        late_start = min(row.late_start_index for row in below)
        late_finish = max(row.late_finish_index for row in below)
        total_float = min(row.total_float for row in below)
        rows[summary.id] = TaskSchedule(
            id=summary.id,
            name=summary.name,
            start=timeline.start_time(start, finish - start),
            finish=timeline.finish_time(start, finish - start),
            early_start=timeline.start_time(start, finish - start),
            early_finish=timeline.finish_time(start, finish - start),
            late_start=timeline.start_time(late_start, late_finish - late_start),
            late_finish=timeline.finish_time(late_start, late_finish - late_start),
            total_float=total_float,
            free_float=min(row.free_float for row in below),
            critical=total_float <= 0,
            driving_predecessor=None,
            early_start_index=start,
            early_finish_index=finish,
            late_start_index=late_start,
            late_finish_index=late_finish,
            is_summary=True,
        )


def latest_starts(problem: Rcpsp, starts: Sequence[int], makespan: int) -> list[int]:
    """Right-justify a feasible schedule: each task as late as its successors, the resources
    and ``makespan`` allow, latest-finishing first. Never earlier than the task's start."""
    n = problem.size
    durations = problem.durations
    free = _free_profile(problem, [], makespan)
    remaining = [len(successors) for successors in problem.successors]
    rank = {j: position for position, j in enumerate(problem.order)}

    def key(k: int) -> tuple[int, int, int]:
        return (-(starts[k] + durations[k]), -rank[k], k)

    ready = [key(j) for j in range(n) if remaining[j] == 0]
    heapq.heapify(ready)
    late = list(starts)
    while ready:
        j = heapq.heappop(ready)[2]
        limit = makespan - durations[j]
        for k, distance in problem.successors[j]:
            limit = min(limit, late[k] - distance)
        position = _latest_fit(free, problem.usage[j], durations[j], limit, starts[j])
        late[j] = position
        _book(free, problem.usage[j], position, durations[j])
        for k, _ in problem.predecessors[j]:
            remaining[k] -= 1
            if remaining[k] == 0:
                heapq.heappush(ready, key(k))
    return late


def free_floats(problem: Rcpsp, starts: Sequence[int], makespan: int) -> list[int]:
    """Per task, how many periods it alone can slip: successors, resources and the makespan
    stay as they are."""
    free = _free_profile(problem, starts, makespan)
    result = []
    for j in range(problem.size):
        duration = problem.durations[j]
        limit = makespan - duration
        for k, distance in problem.successors[j]:
            limit = min(limit, starts[k] - distance)
        usage = problem.usage[j]
        _book(free, usage, starts[j], duration, sign=-1)
        slip = 0
        while starts[j] + slip < limit and _fits(free, usage, starts[j] + slip + 1, duration):
            slip += 1
        _book(free, usage, starts[j], duration)
        result.append(max(0, slip))
    return result


def _free_profile(problem: Rcpsp, starts: Sequence[int], makespan: int) -> list[list[int]]:
    length = makespan + 1
    free = [[capacity] * length for capacity in problem.capacities]
    for j, start in enumerate(starts):
        _book(free, problem.usage[j], start, problem.durations[j])
    return free


def _book(
    free: list[list[int]], usage: list[tuple[int, int]], start: int, duration: int, sign: int = 1
) -> None:
    for r, amount in usage:
        row = free[r]
        for t in range(start, start + duration):
            row[t] -= sign * amount


def _fits(free: list[list[int]], usage: list[tuple[int, int]], start: int, duration: int) -> bool:
    for r, amount in usage:
        row = free[r]
        if start + duration > len(row):
            return False
        for t in range(start, start + duration):
            if row[t] < amount:
                return False
    return True


def _latest_fit(
    free: list[list[int]], usage: list[tuple[int, int]], duration: int, limit: int, floor: int
) -> int:
    """The latest start in ``floor .. limit`` where the task fits (``floor`` if none does)."""
    position = limit
    while position > floor:
        if _fits(free, usage, position, duration):
            return position
        position -= 1
    return floor


# --- the PMO's multi-bid use ----------------------------------------------------------------


_TIER_WEIGHTS = {"A": 3.0, "B": 2.0, "C": 1.0, "strategic": 3.0, "key": 2.0, "standard": 1.0}


def bid_priority(weighted_value: Decimal, account_tier: str | int | None) -> float:
    """A bid's leveling priority: weighted value (value x win probability) times a tier weight.

    Tier ``"A"``/``"strategic"``/``1`` weighs 3, ``"B"``/``"key"``/``2`` weighs 2, anything else
    1. Higher goes first.

    >>> bid_priority(Decimal("1000000"), "A") > bid_priority(Decimal("2000000"), "C")
    True
    """
    if isinstance(account_tier, int):
        weight = {1: 3.0, 2: 2.0}.get(account_tier, 1.0)
    else:
        weight = _TIER_WEIGHTS.get((account_tier or "").strip(), 1.0)
    return float(max(weighted_value, Decimal(0))) * weight


@dataclass(frozen=True, slots=True)
class Window:
    """Where a task may be: not before ``earliest_start``; ``latest_finish`` is the bid's
    submission deadline (positions on the plan's axis, finish exclusive)."""

    earliest_start: int = 0
    latest_finish: int | None = None


@dataclass(slots=True)
class ProposedMove:
    id: str
    old_start: int
    new_start: int
    shift: int  # new - old, in the plan's unit; positive = later
    reason: str
    within_float: bool  # the move does not push its bid's finish


@dataclass(slots=True)
class LevelingProposal:
    """A proposal the PMO may accept or reject; nothing is applied here."""

    starts: dict[str, int]
    moves: list[ProposedMove]
    violations: list[str]  # deadlines the proposal misses, said plainly
    over_allocations_before: list[str]
    makespan: int
    schedule: Schedule


def level_portfolio(
    plan: Plan,
    *,
    priorities: Mapping[str, float],
    windows: Mapping[str, Window] | None = None,
    current_starts: Mapping[str, int] | None = None,
    groups: Mapping[str, str] | None = None,
) -> LevelingProposal:
    """Level many bids at once, higher-priority work first.

    ``plan`` holds the tasks of all bids sharing the resources (ids unique across bids);
    ``priorities`` gives each task its bid's priority (see :func:`bid_priority`; missing = 0);
    ``windows`` the allowed windows; ``current_starts`` the positions the tasks have now
    (default: precedence-only early starts); ``groups`` maps a task to its bid (for the
    "within float" test: a move is within float when its bid's finish does not move).

    Tasks are placed one at a time: the eligible task with the highest priority, then the
    smallest precedence-only latest start (critical work before work with float), at its
    earliest precedence- and resource-feasible position. So non-critical work slides within
    its float first, and lower-priority bids are the ones delayed. Deadlines are never
    silently broken: every task finishing after its window is listed in ``violations``.
    """
    windows = windows or {}
    releases = {task_id: window.earliest_start for task_id, window in windows.items()}
    model = _build_model(plan, releases)
    problem = model.problem
    leaves = model.leaves
    current = [
        (current_starts or {}).get(task.id, model.precedence_starts[j])
        for j, task in enumerate(leaves)
    ]
    over_before = _over_allocations(model, current)

    tail = tails(problem)
    order_key = [(-priorities.get(task.id, 0.0), -tail[j], j) for j, task in enumerate(leaves)]
    rank = {
        j: position
        for position, j in enumerate(sorted(range(problem.size), key=order_key.__getitem__))
    }
    periods = priority_schedule(problem, [float(rank[j]) for j in range(problem.size)])
    makespan = makespan_of(problem, periods)
    report = SolveReport(
        "heuristic", "feasible", makespan, lower_bound(problem), makespan, "skipped", 0.0
    )
    schedule = _to_schedule(model, periods, report)
    starts = [period * model.scale for period in periods]
    durations = [duration * model.scale for duration in problem.durations]

    group_of = groups or {}
    finish_old: dict[str, int] = {}
    finish_new: dict[str, int] = {}
    for j, task in enumerate(leaves):
        group = group_of.get(task.id, "")
        end_old = current[j] + durations[j]
        end_new = starts[j] + durations[j]
        finish_old[group] = max(finish_old.get(group, 0), end_old)
        finish_new[group] = max(finish_new.get(group, 0), end_new)
    moves: list[ProposedMove] = []
    violations: list[str] = []
    for j, task in enumerate(leaves):
        group = group_of.get(task.id, "")
        if starts[j] != current[j]:
            within = finish_new[group] <= finish_old[group]
            moves.append(
                ProposedMove(
                    id=task.id,
                    old_start=current[j],
                    new_start=starts[j],
                    shift=starts[j] - current[j],
                    reason=_move_reason(model, periods, j, priorities),
                    within_float=within,
                )
            )
        window = windows.get(task.id)
        end = starts[j] + durations[j]
        if window is not None and window.latest_finish is not None and end > window.latest_finish:
            violations.append(
                f"task {task.id!r} finishes at {end}, {end - window.latest_finish} after its "
                f"deadline {window.latest_finish}"
            )
    return LevelingProposal(
        starts={task.id: starts[j] for j, task in enumerate(leaves)},
        moves=moves,
        violations=violations,
        over_allocations_before=over_before,
        makespan=makespan * model.scale,
        schedule=schedule,
    )


def _move_reason(model: _Model, starts: list[int], j: int, priorities: Mapping[str, float]) -> str:
    problem = model.problem
    driver = _driving_predecessor(model, starts, j)
    if driver is not None:
        return f"follows its predecessor {driver!r}, which moved"
    if starts[j] <= problem.release[j]:
        return "starts at its earliest allowed position"
    task = model.leaves[j]
    blockers = []
    for k in range(problem.size):
        if k == j or problem.durations[k] == 0:
            continue
        shares = {r for r, _ in problem.usage[k]} & {r for r, _ in problem.usage[j]}
        if shares and starts[k] < starts[j] and starts[k] + problem.durations[k] >= starts[j]:
            blockers.append(k)
    if not blockers:
        return "resource capacity taken until then"
    names = ", ".join(sorted(model.leaves[k].id for k in blockers))
    shared = sorted(
        {model.resource_ids[r] for k in blockers for r, _ in problem.usage[k]}
        & {model.resource_ids[r] for r, _ in problem.usage[j]}
    )
    higher = any(
        priorities.get(model.leaves[k].id, 0.0) > priorities.get(task.id, 0.0) for k in blockers
    )
    who = "higher-priority work" if higher else "work placed first"
    return f"{', '.join(shared)} busy with {who} ({names})"


def _over_allocations(model: _Model, starts: Sequence[int]) -> list[str]:
    """Over-booked (resource, position) pairs of positions in the plan's unit."""
    problem = model.problem
    used: dict[tuple[int, int], int] = {}
    for j, row in enumerate(problem.usage):
        for r, amount in row:
            for t in range(starts[j], starts[j] + problem.durations[j] * model.scale):
                used[r, t] = used.get((r, t), 0) + amount
    found = []
    for (r, t), amount in sorted(used.items()):
        if amount > problem.capacities[r]:
            found.append(
                f"{model.resource_ids[r]} at {t}: {amount} booked, capacity {problem.capacities[r]}"
            )
    return found
