"""The critical path method: early and late dates, floats, critical path, driving predecessors.

``schedule(plan)`` validates nothing beyond what it needs (call ``wbs.network.validate_plan``
first for friendly refusals); it compiles the leaf network, runs a forward and a backward pass
on *working-time indices* and converts indices to dates once, at the end.

The time axis
-------------
- ``unit="period"`` (PSPLIB): no calendar; index = period, dates are ints from ``plan.start``.
- ``unit="day"``: index 0 is the first working day on or after ``plan.start``. A task of
  duration ``d`` starting at index ``e`` occupies working days ``e .. e+d-1``; its ``start`` is
  the date of day ``e`` and its ``finish`` the date of day ``e+d-1`` (inclusive, as MS Project
  shows dates). A milestone (``d = 0``) driven by a finish (FS or FF link, or a must-finish-on
  constraint) sits on the date of day ``e-1``, i.e. on its predecessor's finish date; otherwise
  on day ``e``.
- ``unit="minute"`` (MS Project): index = working minutes from ``plan.start``. A start at the end
  of a working period moves to the start of the next period (08:00 the next day), a finish stays
  at the end of its period (17:00). As in MS Project, a finish driven by a start (an SF link)
  keeps the start's form (08:00 the next working day).

The rules
---------
- Links: contribution to the successor's early start =
  ``ES_pred + dur_pred*[FS|FF] + lag - dur_succ*[FF|SF]``; lags are working units, or elapsed
  minutes (``Link.lag_elapsed``) converted through the calendar. No task starts before the
  project start.
- Constraints (MS Project's "tasks honour their constraint dates"): SNET/FNET raise the early
  start; SNLT/FNLT cap it and the late dates; MSO/MFO fix the start (finish); ALAP tasks are
  shown on their late dates. A link that a constraint overrides shows up as negative float.
- Deadlines (``task.deadline``, ``plan.finish_deadline``) cap the late finish: a deadline that
  cannot be met gives negative total float and a warning, never an exception.
- Progress at ``plan.status_date``: finished tasks keep their actual dates; started tasks keep
  their actual start and the remaining duration runs from the status date; tasks not started
  start no earlier than the status date.
- Total float = LS - ES (with ES the later of the scheduled start and what the links require);
  free float = the least slack to any successor's early start (to the project finish for tasks
  without successors), between 0 and the total float. ``critical`` = total float <= 0 and
  not finished (no actual finish: finished work cannot delay anything, as in MS Project).
- Summary tasks roll up their leaf descendants (min start, max finish); links on summaries apply
  to each leaf below them.
- Task calendars (``task.calendar``): such a task's duration, dates and floats count on its own
  calendar; lags count on the plan's calendar. Plans with task calendars run the passes in real
  moments (``calendar_passes``); the ``*_index`` fields stay on the plan's calendar.

Example
-------
>>> from wbs.plan import Plan, Task, Link
>>> plan = Plan("p", 0, [Task("a", "A", 3), Task("b", "B", 2), Task("c", "C", 1)],
...             [Link("a", "c"), Link("b", "c")], unit="period")
>>> result = schedule(plan)
>>> result.duration, [(t.id, t.total_float) for t in result.tasks]
(4, [('a', 0), ('b', 1), ('c', 0)])
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from operator import add
from typing import TYPE_CHECKING, Any, Literal

from wbs.calendar import WorkCalendar
from wbs.network import (
    PRED_FINISH,
    SUCC_FINISH,
    CompiledNetwork,
    any_true,
    as_array,
    as_bool_array,
    as_bool_list,
    as_list,
    compile_network,
)
from wbs.plan import ConstraintType, Plan, PlanTime, Task, TimeUnit
from wbs.result import Schedule, TaskSchedule

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from wbs.network import BoolColumn, IntColumn

    IntArray = npt.NDArray[np.int64]
    BoolArray = npt.NDArray[np.bool_]

Method = Literal["auto", "python", "numpy"]
NUMPY_THRESHOLD = 2000  # below this many tasks a plain loop beats NumPy's per-call overhead
# Up to this many tasks, a process that has not imported NumPy yet schedules without it:
# importing it (~0.1 s) costs more than the vector passes save (``kampmo schedule``).
LIGHT_LIMIT = 20_000
FAR = 1 << 60  # "no bound"
CODE_FS, CODE_SS, CODE_FF, CODE_SF = 0, 1, 2, 3


# --------------------------------------------------------------------------- the time axis


class TimeAxis:
    """Converts plan times to working-time offsets from the project start and back."""

    def __init__(self, plan: Plan, calendar: WorkCalendar | None = None) -> None:
        self.unit = plan.unit
        self.calendar: WorkCalendar | None = None
        self.origin = 0
        if plan.unit == "period":
            self.origin = int(plan.start)  # type: ignore[arg-type]
            return
        self.calendar = calendar or plan_calendar(plan)
        self.origin = self.calendar.index_at(self._moment(plan.start, finish=False))

    def _moment(self, value: PlanTime, *, finish: bool) -> date | datetime:
        if isinstance(value, datetime):
            if self.unit == "day":
                return value.date() + timedelta(days=1) if finish else value.date()
            return value
        if isinstance(value, date):
            day = value + timedelta(days=1) if finish else value
            return day if self.unit == "day" else datetime.combine(day, time())
        raise TypeError(f"a {self.unit} plan needs dates, not {value!r}")

    def index(self, value: PlanTime, *, finish: bool = False) -> int:
        """The offset of a start (``finish=False``) or of an inclusive finish date."""
        if self.calendar is None:
            return int(value) - self.origin  # type: ignore[arg-type]
        return self.calendar.index_at(self._moment(value, finish=finish)) - self.origin

    def start(self, offset: int) -> PlanTime:
        if self.calendar is None:
            return self.origin + offset
        return self.calendar.start_at(self.origin + offset)

    def finish(self, offset: int) -> PlanTime:
        if self.calendar is None:
            return self.origin + offset
        return self.calendar.finish_at(self.origin + offset)

    def elapsed(self, offset: int, minutes: int, *, from_finish: bool) -> int:
        """The offset ``minutes`` elapsed (calendar) minutes after a start or finish offset."""
        if self.calendar is None:
            return offset + minutes
        if from_finish:
            moment = self.calendar.finish_moment(self.origin + offset)
        else:
            moment = self.calendar.start_moment(self.origin + offset)
        return self.calendar.index_at(moment + timedelta(minutes=minutes)) - self.origin


def plan_calendar(plan: Plan, name: str | None = None) -> WorkCalendar:
    """The calendar named ``name`` (default: the plan's) from the plan's specs or built-ins."""
    unit: TimeUnit = "minute" if plan.unit == "minute" else "day"
    name = plan.calendar if name is None else name
    if name is not None and name in plan.calendars:
        return WorkCalendar.from_spec(plan.calendars[name], unit, plan.calendars)
    if name is None and "Standard" in plan.calendars:
        return WorkCalendar.from_spec(plan.calendars["Standard"], unit, plan.calendars)
    return WorkCalendar.named(name, unit)


# --------------------------------------------------------------------------- inputs


@dataclass(slots=True)
class PassInputs:
    """Per leaf task: duration and the bounds the constraints, deadlines and progress put.

    Columns are NumPy arrays, or lists on the light path (``prepare_inputs(light=True)``)."""

    duration: IntColumn
    lower: IntColumn  # early start >= lower (project start, SNET, FNET, status date)
    upper: IntColumn  # early start <= upper (SNLT, FNLT)
    fixed: IntColumn  # early start == fixed where ``is_fixed`` (MSO, MFO, actual start)
    is_fixed: BoolColumn
    progress_fixed: BoolColumn  # fixed by actual progress: floats count from the fixed start
    late_start_cap: IntColumn  # SNLT, MSO
    late_finish_cap: IntColumn  # FNLT, MFO, deadlines, the plan's finish deadline
    constrained: bool  # any bound besides the project start


@dataclass(slots=True)
class PassResult:
    early_start: IntColumn  # scheduled early start
    required_start: IntColumn  # what links and lower bounds require (before caps and fixes)
    late_start: IntColumn
    project_finish: int
    driving_link: IntColumn  # link number, -1 = none
    free_float: IntColumn
    total_float: IntColumn


def prepare_inputs(
    plan: Plan, network: CompiledNetwork, axis: TimeAxis, *, light: bool = False
) -> PassInputs:
    """The pass inputs of ``plan``: NumPy arrays, or plain lists when ``light``."""
    leaves = leaf_tasks(plan, network)
    bounded = [
        (number, task)
        for number, task in enumerate(leaves)
        if task.constraint is not None or task.deadline is not None or _has_progress(task)
    ]
    return bounded_inputs(
        [task.duration for task in leaves],
        bounded,
        axis,
        plan.status_date,
        plan.finish_deadline,
        light=light,
    )


def bounded_inputs(
    duration: list[int],
    bounded: list[tuple[int, Task]],
    axis: TimeAxis,
    status_date: PlanTime | None,
    finish_deadline: PlanTime | None,
    *,
    light: bool = False,
) -> PassInputs:
    """The pass inputs from the leaf durations and the leaves that carry a constraint, a
    deadline or progress (``bounded``: position and task, in network order); ``duration``
    is updated in place for tasks with progress. The columnar reader (``wbs.columnar``)
    builds only those tasks as ``Task`` objects."""
    size = len(duration)
    lower = [0] * size
    upper = [FAR] * size
    fixed = [0] * size
    is_fixed = [False] * size
    progress_fixed = [False] * size
    late_start_cap = [FAR] * size
    late_finish_cap = [FAR] * size
    constrained = False
    if finish_deadline is not None:
        late_finish_cap = [axis.index(finish_deadline, finish=True)] * size
        constrained = True
    status = axis.index(status_date) if status_date is not None else None
    if status is not None:
        lower = [max(0, status)] * size
        constrained = True
    for number, task in bounded:
        constrained = True
        if task.deadline is not None:
            late_finish_cap[number] = min(
                late_finish_cap[number], axis.index(task.deadline, finish=True)
            )
        if _has_progress(task):
            start, length = _progress(task, axis, status)
            fixed[number], duration[number] = start, length
            is_fixed[number] = progress_fixed[number] = True
            continue
        if task.constraint is None or task.constraint.date is None:
            continue
        kind = ConstraintType(task.constraint.type)
        length = int(duration[number])
        if kind in (ConstraintType.SNET, ConstraintType.MSO, ConstraintType.SNLT):
            at = axis.index(task.constraint.date)
        else:
            at = axis.index(task.constraint.date, finish=True) - length
        if kind in (ConstraintType.SNET, ConstraintType.FNET):
            lower[number] = max(lower[number], at)
        elif kind in (ConstraintType.SNLT, ConstraintType.FNLT):
            upper[number] = at
            late_start_cap[number] = min(late_start_cap[number], at)
        elif kind in (ConstraintType.MSO, ConstraintType.MFO):
            fixed[number] = at
            is_fixed[number] = True
            late_start_cap[number] = min(late_start_cap[number], at)
    if light:
        return PassInputs(
            duration,
            lower,
            upper,
            fixed,
            is_fixed,
            progress_fixed,
            late_start_cap,
            late_finish_cap,
            constrained,
        )
    return PassInputs(
        as_array(duration),
        as_array(lower),
        as_array(upper),
        as_array(fixed),
        as_bool_array(is_fixed),
        as_bool_array(progress_fixed),
        as_array(late_start_cap),
        as_array(late_finish_cap),
        constrained,
    )


def leaf_tasks(plan: Plan, network: CompiledNetwork) -> list[Task]:
    """The network's tasks in its order (the plan's own list when every task is a leaf)."""
    if network.size == len(plan.tasks):
        return plan.tasks
    tasks = plan.task_index()
    return [tasks[task_id] for task_id in network.ids]


def _finished(task: Task) -> bool:
    """Finished work (an actual finish, or 100 % complete) is never critical."""
    return task.actual_finish is not None or task.percent_complete >= 100


def _has_progress(task: Task) -> bool:
    return task.actual_start is not None or task.actual_finish is not None


def _progress(task: Task, axis: TimeAxis, status: int | None) -> tuple[int, int]:
    """(fixed start, effective duration) of a started or finished task."""
    if task.actual_finish is not None:
        finish = axis.index(task.actual_finish, finish=True)
        start = axis.index(task.actual_start) if task.actual_start is not None else finish
        start = min(start, finish - task.duration) if task.actual_start is None else start
        return start, max(0, finish - start)
    assert task.actual_start is not None
    start = axis.index(task.actual_start)
    if task.remaining_duration is not None:
        remaining = task.remaining_duration
    else:
        remaining = round(task.duration * (100.0 - task.percent_complete) / 100.0)
    done = max(0, task.duration - remaining)
    resume = start + done if status is None else max(start + done, status)
    return start, resume + remaining - start


# --------------------------------------------------------------------------- the passes


def python_passes(
    network: CompiledNetwork, inputs: PassInputs, axis: TimeAxis | None
) -> PassResult:
    """Forward and backward pass as plain loops; handles elapsed lags. The result's columns
    are lists (no NumPy needed)."""
    size = network.size
    duration = as_list(inputs.duration)
    lower, upper = as_list(inputs.lower), as_list(inputs.upper)
    fixed, is_fixed = as_list(inputs.fixed), as_bool_list(inputs.is_fixed)
    progress_fixed = as_bool_list(inputs.progress_fixed)
    source, target = as_list(network.source), as_list(network.target)
    code, lag = as_list(network.code), as_list(network.lag)
    elapsed = as_bool_list(network.elapsed)
    incoming = network.predecessors()
    outgoing = network.successors()
    order = as_list(network.order)
    early = [0] * size
    required = [0] * size
    driving = [-1] * size

    def contribution(link: int, predecessor_start: int) -> int:
        kind = code[link]
        base = predecessor_start + (duration[source[link]] if PRED_FINISH[kind] else 0)
        if elapsed[link] and axis is not None:
            base = axis.elapsed(base, lag[link], from_finish=PRED_FINISH[kind])
        else:
            base += lag[link]
        return base - (duration[target[link]] if SUCC_FINISH[kind] else 0)

    for task in order:
        best, best_link = -FAR, -1
        for link in incoming[task]:
            value = contribution(link, early[source[link]])
            if value > best:
                best, best_link = value, link
        needed = max(lower[task], best)
        required[task] = needed
        early[task] = fixed[task] if is_fixed[task] else min(needed, upper[task])
        if best_link >= 0 and best == early[task] and not progress_fixed[task]:
            driving[task] = best_link
    finish = max((early[t] + duration[t] for t in range(size)), default=0)
    finish = max(finish, 0)
    late = [0] * size
    start_cap = as_list(inputs.late_start_cap)
    finish_cap = as_list(inputs.late_finish_cap)
    for task in reversed(order):
        value = min(min(finish, finish_cap[task]) - duration[task], start_cap[task])
        for link in outgoing[task]:
            value = min(
                value, _late_bound(link, late, duration, source, target, code, lag, elapsed, axis)
            )
        late[task] = value
    free = [0] * size
    for task in range(size):
        slack = finish - (early[task] + duration[task]) if not outgoing[task] else FAR
        for link in outgoing[task]:
            slack = min(slack, early[target[link]] - contribution(link, early[task]))
        free[task] = slack
    # floats as in ``_finish_floats``, on lists
    total = [
        late_start - (start if fixed_by_progress else max(start, needed))
        for start, needed, late_start, fixed_by_progress in zip(
            early, required, late, progress_fixed, strict=True
        )
    ]
    free = [max(0, min(slack, whole)) for slack, whole in zip(free, total, strict=True)]
    return PassResult(early, required, late, finish, driving, free, total)


def _late_bound(
    link: int,
    late: list[int],
    duration: list[int],
    source: list[int],
    target: list[int],
    code: list[int],
    lag: list[int],
    elapsed: list[bool],
    axis: TimeAxis | None,
) -> int:
    """The latest start of ``source[link]`` that the link allows, given the target's LS."""
    kind = code[link]
    point = late[target[link]] + (duration[target[link]] if SUCC_FINISH[kind] else 0)
    if elapsed[link] and axis is not None:
        point = axis.elapsed(point, -lag[link], from_finish=SUCC_FINISH[kind])
    else:
        point -= lag[link]
    return point - (duration[source[link]] if PRED_FINISH[kind] else 0)


def _finish_floats(
    inputs: PassInputs,
    early: IntArray,
    required: IntArray,
    late: IntArray,
    finish: int,
    driving: IntArray,
    free: IntArray,
) -> PassResult:
    import numpy as np

    basis = np.where(as_bool_array(inputs.progress_fixed), early, np.maximum(early, required))
    total = late - basis
    free = np.maximum(0, np.minimum(free, total))
    return PassResult(early, required, late, finish, driving, free, total)


@dataclass(slots=True)
class LevelPlan:
    """The links of a network arranged for ``numpy_passes`` (cache it with the network).

    The passes work on one vector of values: the early starts (slots ``0..n-1``), the *tails*
    (``n..2n-1``) and, when late dates are capped, the *capped tails* (``2n..3n-1``). A task's
    tail is the longest working time from its start to the end of the network (its duration
    at least), so that late start = project finish - tail; a capped tail is the longest time
    from its start to a capped late start downstream (``u = -LS`` on the caps). Neither depends
    on the early starts, so the forward and the backward pass advance together: step ``k``
    settles the early starts of the tasks at depth ``k`` (longest chain of predecessors) and
    the tails of the tasks at height ``k`` (longest chain of successors), with one gather and
    one ``maximum.at`` over the step's edges.

    ``in_*`` hold the links grouped by successor (plan order kept within a successor). Edge
    ``e`` of the value vector goes ``step_from[e] -> step_to[e]`` with the weight of link
    ``in_*[step_link[e]]``; per step ``k >= 1``, ``step_bounds[k - 1]`` holds its first edge,
    the end of its early-start and tail edges, and the end of its capped-tail edges. The
    ``open_*`` arrays repeat the early-start and tail edges alone (``open_bounds[k - 1]`` is
    step ``k``'s slice), for the passes without capped late dates: they then gather and scan
    two thirds of the edges.
    """

    in_link: IntArray  # the link number at each position of the successor grouping
    in_source: IntArray
    in_target: IntArray
    in_lag: IntArray
    in_from_finish: IntArray  # 1 where the link leaves the predecessor's finish (FS, FF)
    in_to_finish: IntArray  # 1 where it reaches the successor's finish (FF, SF)
    finish_to_start: bool  # every link FS: weight = lag + the predecessor's duration
    has_successor: BoolArray
    depth: IntArray  # per task: its step in the forward pass (``network.level``)
    step_from: IntArray
    step_to: IntArray
    step_link: IntArray
    step_bounds: list[tuple[int, int, int]]
    open_from: IntArray
    open_to: IntArray
    open_link: IntArray
    open_bounds: list[tuple[int, int]]


def level_plan(network: CompiledNetwork) -> LevelPlan:
    """Arrange the links of ``network`` for ``numpy_passes`` (no elapsed lags)."""
    import numpy as np

    size = network.size
    source, target = as_array(network.source), as_array(network.target)
    depth = as_array(network.level)
    steps = int(depth.max()) + 1 if size else 0
    height = _heights(depth, source, target, steps)
    in_link = np.argsort(target, kind="stable")
    in_source, in_target = source[in_link], target[in_link]
    code = as_array(network.code)[in_link]
    lag = np.where(as_bool_array(network.elapsed), 0, as_array(network.lag))[in_link]
    from_finish = ((code == CODE_FS) | (code == CODE_FF)).astype(np.int64)
    to_finish = ((code == CODE_FF) | (code == CODE_SF)).astype(np.int64)
    positions = np.arange(in_link.size, dtype=np.int64)
    # early starts: predecessor -> successor; tails: successor -> predecessor (capped: + n)
    step_from = np.concatenate((in_source, in_target + size, in_target + 2 * size))
    step_to = np.concatenate((in_target, in_source + size, in_source + 2 * size))
    key = np.concatenate((depth[in_target], height[in_source], height[in_source]))
    key *= 2
    key[2 * in_link.size :] += 1  # within a step: early starts and tails, then capped tails
    order = _stable_order(key, 2 * steps)
    edges = np.searchsorted(key[order], np.arange(2, 2 * steps + 1)).tolist()
    del key  # the temporaries of a 100,000-task plan weigh tens of MB: free them early
    step_link = np.concatenate((positions, positions, positions))[order]
    step_from = step_from[order]
    step_to = step_to[order]
    is_open = order < 2 * in_link.size
    del order
    open_edges = np.cumsum(is_open)
    open_bounds = [
        (int(open_edges[low - 1]) if low else 0, int(open_edges[middle - 1]) if middle else 0)
        for low, middle in zip(edges[0::2], edges[1::2], strict=False)
    ]
    return LevelPlan(
        in_link.astype(np.int64),
        in_source,
        in_target,
        lag.astype(np.int64),
        from_finish,
        to_finish,
        bool(np.all(code == CODE_FS)),
        np.bincount(source, minlength=size) > 0,
        depth,
        step_from,
        step_to,
        step_link,
        [(edges[i], edges[i + 1], edges[i + 2]) for i in range(0, 2 * steps - 2, 2)],
        step_from[is_open],
        step_to[is_open],
        step_link[is_open],
        open_bounds,
    )


def _heights(depth: IntArray, source: IntArray, target: IntArray, steps: int) -> IntArray:
    """Per task, the longest chain of successors after it (its depth in the reversed network):
    one ``maximum.at`` per depth, deepest first."""
    import numpy as np

    link_depth = depth[source]
    order = _stable_order(link_depth, steps)
    bounds = np.searchsorted(link_depth[order], np.arange(steps + 1)).tolist()
    source, target = source[order], target[order]
    height = np.zeros(depth.size, dtype=np.int64)
    for level in range(steps - 1, -1, -1):
        low, high = bounds[level], bounds[level + 1]
        np.maximum.at(height, source[low:high], height[target[low:high]] + 1)
    return height


def _stable_order(keys: IntArray, top: int) -> IntArray:
    """``argsort(keys, kind="stable")`` for keys in ``0..top``."""
    import numpy as np

    # NumPy sorts 16-bit integers stably by radix: a fifth of the time of 64-bit ones
    narrow = keys.astype(np.int16) if top < 1 << 15 else keys
    return np.argsort(narrow, kind="stable").astype(np.int64)


def numpy_passes(
    network: CompiledNetwork, inputs: PassInputs, levels: LevelPlan | None = None
) -> PassResult:
    """Forward and backward pass vectorised level by level (no elapsed lags).

    Both passes advance together (see ``LevelPlan``): per level, one gather, one add and one
    ``maximum.at`` over the links that settle it, plus a ``minimum`` for the early starts
    capped there (SNLT, FNLT, fixed starts). Driving links and floats follow as whole-array
    operations.
    """
    import numpy as np

    plan = levels or level_plan(network)
    size = network.size
    duration = as_array(inputs.duration)
    weight = _link_weights(plan, duration)
    start_cap = as_array(inputs.late_start_cap)
    finish_cap = as_array(inputs.late_finish_cap)
    constrained = inputs.constrained
    capped = constrained and bool(np.any(start_cap < FAR) or np.any(finish_cap < FAR))
    values = np.empty(size * (3 if capped else 2), dtype=np.int64)
    lower = as_array(inputs.lower)
    clamps: dict[int, tuple[IntArray, IntArray]] = {}
    if constrained:
        is_fixed, fixed = as_bool_array(inputs.is_fixed), as_array(inputs.fixed)
        # a fixed start is a floor and a ceiling at once: min(max(fixed, links), fixed)
        ceiling = np.where(is_fixed, fixed, as_array(inputs.upper))
        np.minimum(np.where(is_fixed, fixed, lower), ceiling, out=values[:size])
        clamps = _clamps_by_depth(plan.depth, ceiling)
    else:
        values[:size] = lower
    values[size : 2 * size] = duration
    if capped:
        np.maximum(duration - finish_cap, -start_cap, out=values[2 * size :])
    maximum_at = np.maximum.at
    if capped or clamps:
        step_weight = weight[plan.step_link]
        step_from, step_to = plan.step_from, plan.step_to
        for step, (low, middle, high) in enumerate(plan.step_bounds, start=1):
            end = high if capped else middle
            contribution = values[step_from[low:end]]
            contribution += step_weight[low:end]
            maximum_at(values, step_to[low:end], contribution)
            if step in clamps:
                tasks, caps = clamps[step]
                values[tasks] = np.minimum(values[tasks], caps)
    else:  # nothing caps a start or a late date: the early-start and tail edges alone
        step_weight = weight[plan.open_link]
        step_from, step_to = plan.open_from, plan.open_to
        for low, high in plan.open_bounds:
            contribution = values[step_from[low:high]]
            contribution += step_weight[low:high]
            maximum_at(values, step_to[low:high], contribution)
    early = values[:size]
    ends = early + duration
    finish = max(int(ends.max(initial=0)), 0)
    late = finish - values[size : 2 * size]
    if capped:
        np.minimum(late, -values[2 * size :], out=late)
    return _links_and_floats(plan, inputs, weight, early, late, finish, finish - ends)


def _link_weights(plan: LevelPlan, duration: IntArray) -> IntArray:
    """Per link (successor grouping): successor's ES >= predecessor's ES + weight."""
    weight = duration[plan.in_source]
    if plan.finish_to_start:
        weight += plan.in_lag
        return weight
    weight *= plan.in_from_finish
    weight += plan.in_lag
    weight -= duration[plan.in_target] * plan.in_to_finish
    return weight


def _clamps_by_depth(depth: IntArray, ceiling: IntArray) -> dict[int, tuple[IntArray, IntArray]]:
    """The tasks with predecessors and an early-start ceiling, and their ceilings, per depth."""
    import numpy as np

    tasks = np.flatnonzero((ceiling < FAR) & (depth > 0))
    if not tasks.size:
        return {}
    tasks = tasks[np.argsort(depth[tasks], kind="stable")]
    levels = depth[tasks]
    groups = np.split(tasks, np.flatnonzero(levels[1:] != levels[:-1]) + 1)
    return {int(depth[group[0]]): (group, ceiling[group]) for group in groups}


def _links_and_floats(
    plan: LevelPlan,
    inputs: PassInputs,
    weight: IntArray,
    early: IntArray,
    late: IntArray,
    finish: int,
    free: IntArray,
) -> PassResult:
    """Required starts, driving links and floats from the early and late starts.

    ``free`` holds each task's slack to the project finish; tasks with successors get their
    least slack to a successor instead.
    """
    import numpy as np

    contribution = early[plan.in_source]
    contribution += weight
    slack = early[plan.in_target]
    slack -= contribution
    np.copyto(free, FAR, where=plan.has_successor)
    np.minimum.at(free, plan.in_source, slack)
    # Driving links: per successor, the first link (in plan order) with no slack
    candidates = np.flatnonzero(slack == 0)
    driven = plan.in_target[candidates]
    required = early
    if inputs.constrained:  # a capped or fixed start has a driver only if no link asks for more
        best = np.full(early.size, -FAR, dtype=np.int64)
        np.maximum.at(best, plan.in_target, contribution)
        required = np.maximum(as_array(inputs.lower), best)
        eligible = (best == early) & ~as_bool_array(inputs.progress_fixed)
        keep = eligible[driven]
        candidates, driven = candidates[keep], driven[keep]
    driving = np.full(early.size, -1, dtype=np.int64)
    if candidates.size:
        leading = np.empty(driven.size, dtype=np.bool_)
        leading[0] = True
        np.not_equal(driven[1:], driven[:-1], out=leading[1:])
        driving[driven[leading]] = plan.in_link[candidates[leading]]
    if inputs.constrained:
        return _finish_floats(inputs, early, required, late, finish, driving, free)
    total = late - early  # no progress, no bounds: the early start is what the links require
    np.minimum(free, total, out=free)
    np.maximum(free, 0, out=free)
    return PassResult(early, required, late, finish, driving, free, total)


def run_passes(
    network: CompiledNetwork,
    inputs: PassInputs,
    axis: TimeAxis | None,
    method: Method = "auto",
    levels: LevelPlan | None = None,
) -> PassResult:
    has_elapsed = any_true(network.elapsed)
    if method == "numpy" and has_elapsed:
        raise ValueError("elapsed lags need the python passes")
    use_numpy = method == "numpy" or (
        method == "auto" and not has_elapsed and network.size >= NUMPY_THRESHOLD
    )
    if use_numpy:
        return numpy_passes(network, inputs, levels)
    return python_passes(network, inputs, axis)


# --------------------------------------------------------------------------- the result


def schedule(
    plan: Plan, *, calendar: WorkCalendar | None = None, method: Method = "auto"
) -> Schedule:
    """The CPM schedule of ``plan``.

    Parameters
    ----------
    plan:
        Tasks, links, constraints, progress; durations in the plan's unit.
    calendar:
        Overrides the plan's own calendar (day and minute plans).
    method:
        ``"auto"`` (by size), ``"python"`` or ``"numpy"``: the same results either way.

    Returns
    -------
    Schedule
        One ``TaskSchedule`` per task in plan order, summaries rolled up.

    Raises
    ------
    wbs.network.CycleError, wbs.network.UnknownTaskError
        When the network cannot be ordered.
    """
    light = _numpy_free(plan, method)
    network = compile_network(plan, light=light)
    axis = TimeAxis(plan, calendar)
    inputs = prepare_inputs(plan, network, axis, light=light)
    own_calendars = task_calendars(plan, network, axis)
    if own_calendars:
        result, moments = calendar_passes(network, inputs, axis, own_calendars)
        return build_schedule(plan, network, inputs, result, axis, moments)
    result = run_passes(network, inputs, axis, "python" if light else method)
    return build_schedule(plan, network, inputs, result, axis)


def _numpy_free(plan: Plan, method: Method) -> bool:
    """Whether ``plan`` is scheduled on lists, without NumPy: the python passes, and under
    ``LIGHT_LIMIT`` tasks while NumPy is not imported yet (a fresh command line process)."""
    if method != "auto":
        return method == "python"
    size = len(plan.tasks)
    return size < NUMPY_THRESHOLD or (size < LIGHT_LIMIT and "numpy" not in sys.modules)


def task_calendars(plan: Plan, network: CompiledNetwork, axis: TimeAxis) -> dict[int, WorkCalendar]:
    """Leaf tasks whose own calendar differs from the plan's, by position."""
    if axis.calendar is None or not any(task.calendar for task in plan.tasks):
        return {}
    tasks = plan.task_index()
    built: dict[str, WorkCalendar] = {}
    result: dict[int, WorkCalendar] = {}
    for number, task_id in enumerate(network.ids):
        name = tasks[task_id].calendar
        if not name or name == plan.calendar or name == axis.calendar.name:
            continue
        if name not in built:
            built[name] = plan_calendar(plan, name)
        result[number] = built[name]
    return result


# Per task on its own calendar: that calendar and the task's early start, early finish, late
# start and late finish as indices on it.
Moments = dict[int, tuple[WorkCalendar, int, int, int, int]]


def calendar_passes(
    network: CompiledNetwork,
    inputs: PassInputs,
    axis: TimeAxis,
    task_calendars: dict[int, WorkCalendar],
) -> tuple[PassResult, Moments]:
    """Forward and backward pass in real moments, each task on its own calendar.

    Durations count in the task's calendar, lags in the plan's; floats are in the task's
    calendar units. Returns project-axis indices (for diffs) and each calendar task's dates.
    """
    import numpy as np

    project = axis.calendar
    assert project is not None
    origin = axis.origin
    size = network.size
    duration = as_list(inputs.duration)
    source, target = as_list(network.source), as_list(network.target)
    code, lag = as_list(network.code), as_list(network.lag)
    elapsed = as_bool_list(network.elapsed)
    incoming, outgoing = network.predecessors(), network.successors()
    order = as_list(network.order)
    calendars = [task_calendars.get(number, project) for number in range(size)]

    def project_moment(offset: int, finish: bool = False) -> datetime:
        index = origin + offset
        return project.finish_moment(index) if finish else project.start_moment(index)

    def shift(moment: datetime, link: int, finish: bool, sign: int) -> datetime:
        if elapsed[link]:
            return moment + timedelta(minutes=sign * lag[link])
        if lag[link] == 0:
            return moment
        index = project.index_at(moment) + sign * lag[link]
        return project.finish_moment(index) if finish else project.start_moment(index)

    def start_of(task: int, moment: datetime) -> datetime:
        return calendars[task].start_moment(calendars[task].index_at(moment))

    def finish_after(task: int, start: datetime) -> datetime:
        if duration[task] == 0:
            return start
        own = calendars[task]
        return own.finish_moment(own.index_at(start) + duration[task])

    def start_before_finish(task: int, finish: datetime) -> datetime:
        if duration[task] == 0:
            return finish
        own = calendars[task]
        return own.start_moment(own.index_at(finish) - duration[task])

    lower = as_list(inputs.lower)
    upper, fixed = as_list(inputs.upper), as_list(inputs.fixed)
    is_fixed, progress_fixed = as_bool_list(inputs.is_fixed), as_bool_list(inputs.progress_fixed)
    early: list[datetime] = [project_moment(0)] * size
    required: list[datetime] = list(early)
    finish_at: list[datetime] = list(early)
    driving = [-1] * size
    for task in order:
        best: datetime | None = None
        best_link, best_key = -1, -FAR
        own = calendars[task]
        for link in incoming[task]:
            kind = code[link]
            predecessor = source[link]
            base = finish_at[predecessor] if PRED_FINISH[kind] else early[predecessor]
            point = shift(base, link, PRED_FINISH[kind] or lag[link] > 0, 1)
            if SUCC_FINISH[kind]:
                point = start_before_finish(task, point)
            key = own.index_at(point)  # moments in one gap are the same working time
            if key > best_key:
                best, best_link, best_key = point, link, key
        needed = project_moment(lower[task])
        if best is not None and best > needed:
            needed = best
        start = needed
        if is_fixed[task]:
            start = project_moment(fixed[task])
        elif upper[task] < FAR and project_moment(upper[task]) < needed:
            start = project_moment(upper[task])
        start = start_of(task, start)
        required[task] = start_of(task, needed)
        early[task] = start
        finish_at[task] = finish_after(task, start)
        if best_link >= 0 and best is not None and start_of(task, best) == start:
            driving[task] = best_link
    project_finish = max(finish_at, default=project_moment(0))
    late_finish: list[datetime] = [project_finish] * size
    late: list[datetime] = [project_finish] * size
    start_cap, finish_cap = as_list(inputs.late_start_cap), as_list(inputs.late_finish_cap)
    for task in reversed(order):
        bound = project_finish
        if finish_cap[task] < FAR:
            bound = min(bound, project_moment(finish_cap[task], finish=True))
        for link in outgoing[task]:
            kind = code[link]
            successor = target[link]
            point = late_finish[successor] if SUCC_FINISH[kind] else late[successor]
            point = shift(point, link, SUCC_FINISH[kind], -1)
            if not PRED_FINISH[kind]:
                point = finish_after(task, point)
            bound = min(bound, point)
        own = calendars[task]
        bound = own.finish_moment(own.index_at(bound))
        latest_start = start_before_finish(task, bound) if duration[task] else bound
        if start_cap[task] < FAR:
            latest_start = min(latest_start, project_moment(start_cap[task]))
        late[task] = latest_start
        late_finish[task] = finish_after(task, start_of(task, latest_start))
    moments: Moments = {}
    indices = np.zeros((4, size), dtype=np.int64)
    total = np.zeros(size, dtype=np.int64)
    free = np.zeros(size, dtype=np.int64)
    for task in range(size):
        own = calendars[task]
        basis = early[task] if progress_fixed[task] else max(early[task], required[task])
        total[task] = own.index_at(late[task]) - own.index_at(basis)
        slack = own.index_at(project_finish) - own.index_at(finish_at[task])
        for link in outgoing[task]:
            kind = code[link]
            successor = target[link]
            point = finish_at[successor] if SUCC_FINISH[kind] else early[successor]
            point = shift(point, link, SUCC_FINISH[kind], -1)
            mine = finish_at[task] if PRED_FINISH[kind] else early[task]
            slack = min(slack, own.index_at(point) - own.index_at(mine))
        free[task] = slack
        for row, moment in enumerate((early[task], finish_at[task], late[task], late_finish[task])):
            indices[row, task] = project.index_at(moment) - origin
        if task in task_calendars:
            moments[task] = (
                own,
                own.index_at(early[task]),
                own.index_at(finish_at[task]),
                own.index_at(late[task]),
                own.index_at(late_finish[task]),
            )
    result = _finish_floats(
        inputs,
        indices[0],
        indices[0],
        indices[2],
        project.index_at(project_finish) - origin,
        np.asarray(driving, dtype=np.int64),
        free,
    )
    result.total_float = total
    result.free_float = np.maximum(0, np.minimum(free, total))
    return result, moments


def build_schedule(
    plan: Plan,
    network: CompiledNetwork,
    inputs: PassInputs,
    result: PassResult,
    axis: TimeAxis,
    moments: Moments | None = None,
) -> Schedule:
    """Convert a pass result into the plain ``Schedule`` (dates converted once, here);
    ``moments`` gives the dates of tasks on their own calendars."""
    leaves = leaf_tasks(plan, network)
    early = as_list(result.early_start)
    late = as_list(result.late_start)
    duration = as_list(inputs.duration)
    total = as_list(result.total_float)
    free = as_list(result.free_float)
    driving = as_list(result.driving_link)
    codes = as_list(network.code)
    lags = as_list(network.lag)
    sources = as_list(network.source)
    low = min(0, min(early, default=0), min(late, default=0))
    high = max(
        result.project_finish,
        max(map(add, early, duration), default=0),
        max(map(add, late, duration), default=0),
    )
    converter = DateTable(axis, low, high)
    rows: dict[str, TaskSchedule] = {}
    warnings: list[str] = []
    at = converter.at
    table, base = converter.table, converter.base
    ids = network.ids
    minute = axis.unit == "minute"
    plain: list[list[PlanTime]] | None = None
    if table is not None and moments is None:  # day plans: the four columns in one go
        plain = [
            [table[start - base] for start in early],
            [table[start + end - base - 1] for start, end in zip(early, duration, strict=True)],
            [table[start - base] for start in late],
            [table[start + end - base - 1] for start, end in zip(late, duration, strict=True)],
        ]
    for number, task in enumerate(leaves):
        task_id = task.id
        link = driving[number]
        start_index, late_index = early[number], late[number]
        length = duration[number]
        if plain is not None and task.constraint is None and (length or not task.is_milestone):
            total_float = total[number]
            begin, end = plain[0][number], plain[1][number]
            rows[task_id] = TaskSchedule(
                task_id,
                task.name,
                begin,
                end,
                begin,
                end,
                plain[2][number],
                plain[3][number],
                total_float,
                free[number],
                total_float <= 0 and not _finished(task),
                ids[sources[link]] if link >= 0 else None,
                start_index,
                start_index + length,
                late_index,
                late_index + length,
                False,
                task.is_milestone,
                dict(task.resources) if task.resources else {},
            )
            if total_float < 0 and task.deadline is not None:
                warning = _limit_warning(task, rows[task_id], total_float, plan, axis)
                if warning is not None:
                    warnings.append(warning)
            continue
        shown_start, start_by_finish, finish_by_start = shown_forms(
            task, length, start_index, late_index, link, codes, lags, minute
        )
        total_float = total[number]
        dates: tuple[PlanTime, ...]
        if moments is not None and number in moments:
            own, own_start, own_finish, own_late, own_late_finish = moments[number]
            shown, shown_finish = own_start, own_finish
            if shown_start != start_index:  # as late as possible
                shown, shown_finish = own_late, own_late_finish
            first = own.finish_at if start_by_finish else own.start_at
            last = own.start_at if finish_by_start else own.finish_at
            dates = (
                first(shown),
                last(shown_finish),
                first(own_start),
                last(own_finish),
                first(own_late),
                last(own_late_finish),
            )
        elif table is not None:  # day plans: straight table look-ups
            offsets = (shown_start, start_index, late_index, length)
            at_positions = date_positions(base, offsets, start_by_finish, finish_by_start)
            dates = (
                table[at_positions[0]],
                table[at_positions[1]],
                table[at_positions[2]],
                table[at_positions[3]],
                table[at_positions[4]],
                table[at_positions[5]],
            )
        else:
            dates = (
                at(shown_start, start_by_finish),
                at(shown_start + length, not finish_by_start),
                at(start_index, start_by_finish),
                at(start_index + length, not finish_by_start),
                at(late_index, start_by_finish),
                at(late_index + length, not finish_by_start),
            )
        row = TaskSchedule(
            task_id,
            task.name,
            *dates,
            total_float,
            free[number],
            total_float <= 0 and not _finished(task),
            ids[sources[link]] if link >= 0 else None,
            start_index,
            start_index + length,
            late_index,
            late_index + length,
            False,
            task.is_milestone,
            dict(task.resources) if task.resources else {},
        )
        rows[task_id] = row
        if total_float < 0 and _has_limit(task):
            warning = _limit_warning(task, row, total_float, plan, axis)
            if warning is not None:
                warnings.append(warning)
    _roll_up_summaries(plan, rows, converter)
    ordered = [rows[task.id] for task in plan.tasks if task.id in rows]
    leaf_rows = [rows[task_id] for task_id in network.ids]
    critical_path = [
        row.id
        for row in sorted(leaf_rows, key=lambda r: (r.early_start_index, r.early_finish_index))
        if row.critical
    ]
    if plan.finish_deadline is not None:
        deadline = axis.index(plan.finish_deadline, finish=True)
        if result.project_finish > deadline:
            warnings.append(
                f"the project finishes {_text(converter.at(result.project_finish, True))}, after "
                f"its deadline {_text(plan.finish_deadline)}: "
                f"{_units(result.project_finish - deadline, plan.unit)} late"
            )
    if axis.calendar is not None:
        warnings.extend(axis.calendar.warnings)
    return Schedule(
        project_start=converter.at(0, False),
        project_finish=converter.at(result.project_finish, result.project_finish > 0),
        duration=result.project_finish,
        unit=plan.unit,
        tasks=ordered,
        critical_path=critical_path,
        warnings=warnings,
    )


def shown_forms(
    task: Task,
    length: int,
    start_index: int,
    late_index: int,
    link: int,
    codes: list[int],
    lags: list[int],
    minute: bool,
) -> tuple[int, bool, bool]:
    """The start a row shows (its late start for ALAP tasks) and the form of its dates:
    whether the start is shown as a finish (a milestone on its predecessor's finish date) and
    the finish as a start."""
    shown_start = start_index
    start_by_finish = finish_by_start = False
    if task.constraint is not None and task.constraint.type == ConstraintType.ALAP:
        shown_start = max(start_index, late_index)
    milestone = length == 0 and task.is_milestone
    if milestone or (minute and link >= 0):
        # MS Project keeps the form of the moment a link produces: a finish, or any
        # moment moved forward by a lag, ends a working period (17:00); a start begins
        # one (08:00).
        code = codes[link] if link >= 0 else -1
        link_lag = lags[link] if link >= 0 else 0
        if milestone:
            finish_driven = code in (CODE_FS, CODE_FF) or link_lag > 0 or _finish_constrained(task)
            start_by_finish = finish_driven and shown_start > 0
            finish_by_start = not start_by_finish
        else:
            finish_by_start = code == CODE_SF and link_lag <= 0
    return shown_start, start_by_finish, finish_by_start


def date_positions(
    base: int,
    offsets: tuple[int, int, int, int],
    start_by_finish: bool,
    finish_by_start: bool,
) -> tuple[int, int, int, int, int, int]:
    """Where a day plan's six row dates (shown, early, late; start and finish) sit in the
    date table of ``DateTable``; ``offsets`` = (shown start, early start, late start,
    duration)."""
    shown_start, start_index, late_index, length = offsets
    shift = base + start_by_finish
    end_shift = base + (not finish_by_start)
    return (
        shown_start - shift,
        shown_start + length - end_shift,
        start_index - shift,
        start_index + length - end_shift,
        late_index - shift,
        late_index + length - end_shift,
    )


class DateTable:
    """Offset -> plan time. Day plans look dates up in one table built once for the whole
    range of offsets; minute plans convert through the calendar with a cache."""

    def __init__(self, axis: TimeAxis, low: int, high: int) -> None:
        self.axis = axis
        self.starts: dict[int, PlanTime] = {}
        self.finishes: dict[int, PlanTime] = {}
        self.table: list[PlanTime] | None = None
        self.base = low - 1
        calendar = axis.calendar
        if calendar is not None and calendar.unit == "day" and high - low < 1_000_000:
            origin = axis.origin
            self.table = list(calendar.working_dates(self.base + origin, high + origin))

    def at(self, offset: int, finish: bool) -> PlanTime:
        if self.axis.calendar is None:
            return self.axis.origin + offset
        if self.table is not None:
            position = offset - self.base - (1 if finish else 0)
            if 0 <= position < len(self.table):
                return self.table[position]
        cache = self.finishes if finish else self.starts
        found = cache.get(offset)
        if found is None:
            found = self.axis.finish(offset) if finish else self.axis.start(offset)
            cache[offset] = found
        return found


def _has_limit(task: Task) -> bool:
    """A deadline or a date constraint: what a negative-float warning can name as the cause."""
    return task.deadline is not None or (
        task.constraint is not None
        and task.constraint.type not in (ConstraintType.ASAP, ConstraintType.ALAP)
    )


def _finish_constrained(task: Task) -> bool:
    return task.constraint is not None and task.constraint.type in (
        ConstraintType.MFO,
        ConstraintType.FNET,
        ConstraintType.FNLT,
    )


def _limit_warning(
    task: Task, row: TaskSchedule, total: int, plan: Plan, axis: TimeAxis
) -> str | None:
    """What a task with negative float and a limit of its own says, when it is true."""
    return limit_warning(
        task, row.early_finish_index, row.early_finish, row.finish, total, plan, axis
    )


def limit_warning(
    task: Task,
    early_finish_index: int,
    early_finish: PlanTime,
    finish: PlanTime,
    total: int,
    plan: Plan,
    axis: TimeAxis,
) -> str | None:
    """What a task with negative float and a limit of its own says, when it is true.

    A task that misses its own deadline says when it finishes and by how much it is late; a
    date constraint that forces negative float is named. A task that meets its own deadline
    and has negative float only because of what comes after it says nothing here: the limit
    it cannot meet is a successor's (or the project's), and that one warns. (The columnar
    path of ``wbs.columnar`` calls this with its table positions.)
    """
    if task.deadline is not None:
        late = early_finish_index - axis.index(task.deadline, finish=True)
        if late > 0:
            return (
                f"task {task.id} ({task.name}) finishes {_text(early_finish)}, after its "
                f"deadline {_text(task.deadline)}: {_units(late, plan.unit)} late"
            )
    if task.constraint is None or task.constraint.type in (
        ConstraintType.ASAP,
        ConstraintType.ALAP,
    ):
        return None
    return (
        f"task {task.id} ({task.name}) cannot meet constraint {task.constraint.type} "
        f"{_text(task.constraint.date)}: it finishes {_text(finish)}, "
        f"total float {total} {plan.unit}s"
    )


def _units(count: int, unit: str) -> str:
    """``3 working days``, ``1 working day``, ``5 periods``, ``90 working minutes``."""
    name = unit if count == 1 else f"{unit}s"
    return f"{count} {name}" if unit == "period" else f"{count} working {name}"


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, (date, datetime)) else str(value)


def _roll_up_summaries(plan: Plan, rows: dict[str, TaskSchedule], dates: DateTable) -> None:
    from wbs.network import children_map

    children = children_map(plan)
    summaries = [task for task in plan.tasks if task.id in children or task.is_summary]
    done: set[str] = set()

    def roll(task_id: str) -> TaskSchedule | None:
        if task_id in rows and (task_id in done or task_id not in children):
            return rows[task_id]
        parts = [part for child in children.get(task_id, []) if (part := roll(child))]
        task = index[task_id]
        done.add(task_id)
        if not parts:
            rows[task_id] = TaskSchedule(
                task_id,
                task.name,
                dates.at(0, False),
                dates.at(0, False),
                dates.at(0, False),
                dates.at(0, False),
                dates.at(0, False),
                dates.at(0, False),
                0,
                0,
                False,
                None,
                is_summary=True,
            )
            return rows[task_id]
        first = min(parts, key=lambda r: r.early_start_index)
        last = max(parts, key=lambda r: r.early_finish_index)
        late_first = min(parts, key=lambda r: r.late_start_index)
        late_last = max(parts, key=lambda r: r.late_finish_index)
        shown_first = min(parts, key=lambda r: _order_key(r.start))
        shown_last = max(parts, key=lambda r: _order_key(r.finish))
        total = min(r.total_float for r in parts)
        rows[task_id] = TaskSchedule(
            id=task_id,
            name=task.name,
            start=shown_first.start,
            finish=shown_last.finish,
            early_start=first.early_start,
            early_finish=last.early_finish,
            late_start=late_first.late_start,
            late_finish=late_last.late_finish,
            total_float=total,
            free_float=min(r.free_float for r in parts),
            critical=any(r.critical for r in parts),
            driving_predecessor=None,
            early_start_index=first.early_start_index,
            early_finish_index=last.early_finish_index,
            late_start_index=late_first.late_start_index,
            late_finish_index=late_last.late_finish_index,
            is_summary=True,
        )
        return rows[task_id]

    index = plan.task_index() if summaries else {}
    for task in summaries:
        roll(task.id)


def _order_key(value: PlanTime) -> tuple[int, float]:
    if isinstance(value, datetime):
        return (1, value.timestamp())
    if isinstance(value, date):
        return (1, float(value.toordinal() * 86400))
    return (0, float(value))
