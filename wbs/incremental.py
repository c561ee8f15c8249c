"""Incremental CPM: after one duration or lag change, re-propagate only what can move.

``IncrementalSchedule`` keeps one computed schedule's arrays. A change re-runs the forward pass
through the changed task's downstream cone in topological (level) order, stopping wherever a
task's early start does not change, and the backward pass through its upstream cone the same
way. Only when the project finish moves is the whole backward pass redone (every late date
depends on it). The result equals a full recompute (``tests/wbs/test_incremental.py`` checks
that on random plans with Hypothesis).

Example
-------
>>> from wbs.plan import Plan, Task, Link
>>> plan = Plan("p", 0, [Task("a", "A", 3), Task("b", "B", 2), Task("c", "C", 1)],
...             [Link("a", "c"), Link("b", "c")], unit="period")
>>> incremental = IncrementalSchedule(plan)
>>> sorted(incremental.change_duration("b", 5))
['a', 'b', 'c']
>>> incremental.schedule().duration
6
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

from wbs.calendar import WorkCalendar
from wbs.cpm import (
    FAR,
    NUMPY_THRESHOLD,
    Moments,
    PassInputs,
    PassResult,
    TimeAxis,
    build_schedule,
    calendar_passes,
    prepare_inputs,
    run_passes,
    task_calendars,
)
from wbs.network import (
    PRED_FINISH,
    SUCC_FINISH,
    any_true,
    as_array,
    as_bool_list,
    as_list,
    compile_network,
)
from wbs.plan import ConstraintType, Link, Plan
from wbs.result import Schedule

if TYPE_CHECKING:
    from wbs.network import CompiledNetwork


class IncrementalSchedule:
    """A schedule that absorbs duration and lag changes by local re-propagation.

    Plans with elapsed lags, progress or finish-anchored constraints on the changed task are
    recomputed in full on each change (still correct, just not incremental).
    """

    def __init__(self, plan: Plan, *, calendar: WorkCalendar | None = None) -> None:
        self.plan = plan
        # small plans live on lists from end to end (no NumPy round trips per change)
        self._light = len(plan.tasks) < NUMPY_THRESHOLD
        self.network: CompiledNetwork = compile_network(plan, light=self._light)
        self.axis = TimeAxis(plan, calendar)
        self.inputs: PassInputs = prepare_inputs(plan, self.network, self.axis, light=self._light)
        self._calendars = task_calendars(plan, self.network, self.axis)
        self._moments: Moments | None = None
        self._load(self._full_passes())
        network = self.network
        self._incoming = network.predecessors()
        self._outgoing = network.successors()
        self._local = not any_true(network.elapsed) and not self._calendars
        tasks = plan.task_index()
        self._finish_anchored = {
            number
            for number, task_id in enumerate(network.ids)
            if tasks[task_id].constraint is not None
            and tasks[task_id].constraint.type  # type: ignore[union-attr]
            in (ConstraintType.FNET, ConstraintType.FNLT, ConstraintType.MFO)
        }

    def _load(self, result: PassResult) -> None:
        network, inputs = self.network, self.inputs
        self._source: list[int] = as_list(network.source)
        self._target: list[int] = as_list(network.target)
        self._code: list[int] = as_list(network.code)
        self._lag: list[int] = as_list(network.lag)
        self._level: list[int] = as_list(network.level)
        self._lower: list[int] = as_list(inputs.lower)
        self._upper: list[int] = as_list(inputs.upper)
        self._fixed: list[int] = as_list(inputs.fixed)
        self._is_fixed: list[bool] = as_bool_list(inputs.is_fixed)
        self._progress: list[bool] = as_bool_list(inputs.progress_fixed)
        self._start_cap: list[int] = as_list(inputs.late_start_cap)
        self._finish_cap: list[int] = as_list(inputs.late_finish_cap)
        self._duration: list[int] = as_list(self.inputs.duration)
        self._early: list[int] = as_list(result.early_start)
        self._required: list[int] = as_list(result.required_start)
        self._late: list[int] = as_list(result.late_start)
        self._finish = result.project_finish
        self._driving: list[int] = as_list(result.driving_link)

    # ------------------------------------------------------------------ changes

    def change_duration(self, task_id: str, new_duration: int) -> set[str]:
        """Set a leaf task's duration; returns the ids of the tasks whose dates moved."""
        number = self.network.position[task_id]
        if new_duration < 0:
            raise ValueError(f"task {task_id!r}: a duration cannot be negative")
        for task in self.plan.tasks:
            if task.id == task_id:
                task.duration = new_duration
        if not self._local or self._progress[number] or number in self._finish_anchored:
            return self._recompute_all() | {task_id}
        old_finish = self._early[number] + self._duration[number]
        self._duration[number] = new_duration
        self.inputs.duration[number] = new_duration
        backward_seeds = [number, *(self._source[link] for link in self._incoming[number])]
        return self._propagate([number], backward_seeds, {number: old_finish}) | {task_id}

    def change_lag(self, predecessor: str, successor: str, lag: int) -> set[str]:
        """Set the lag of the link ``predecessor -> successor`` (leaf tasks)."""
        source = self.network.position[predecessor]
        target = self.network.position[successor]
        for link in self._outgoing[source]:
            if self._target[link] == target:
                self._lag[link] = lag
                self.network.lag[link] = lag
                break
        else:
            raise KeyError(f"no link {predecessor!r} -> {successor!r}")
        self.plan.links = [
            Link(x.predecessor, x.successor, x.type, lag, x.lag_elapsed)
            if (x.predecessor, x.successor) == (predecessor, successor)
            else x
            for x in self.plan.links
        ]
        if not self._local:
            return self._recompute_all()
        return self._propagate([target], [source])

    def renew_calendar(self) -> None:
        """Give the schedule a fresh copy of its calendar before the next ``schedule()``.

        A calendar remembers every year it was asked about, and its ``warnings`` name the
        years without holiday data among them; after many changes those could include years
        the current schedule no longer touches. The fresh copy (year tables shared, nothing
        rebuilt) is asked about the same years, in the same order, as a full recompute asks:
        the plan's start and its constraint, deadline and status dates here, the schedule's
        span in ``schedule()``.
        """
        calendar = self.axis.calendar
        if calendar is None or self._calendars:
            return
        self.axis = TimeAxis(self.plan, calendar.fresh())
        prepare_inputs(self.plan, self.network, self.axis, light=self._light)

    def _recompute_all(self) -> set[str]:
        before = (list(self._early), list(self._late))
        self.network = compile_network(self.plan, light=self._light)
        self.inputs = prepare_inputs(self.plan, self.network, self.axis, light=self._light)
        self._load(self._full_passes())
        return {
            task_id
            for number, task_id in enumerate(self.network.ids)
            if before[0][number] != self._early[number] or before[1][number] != self._late[number]
        }

    def _full_passes(self) -> PassResult:
        if self._calendars:  # tasks on their own calendars: the moment-based passes
            result, self._moments = calendar_passes(
                self.network, self.inputs, self.axis, self._calendars
            )
            self._full_result: PassResult | None = result
            return result
        self._full_result = None
        return run_passes(self.network, self.inputs, self.axis)

    # ------------------------------------------------------------------ propagation

    def _weight(self, link: int) -> int:
        code = self._code[link]
        value = self._lag[link]
        if PRED_FINISH[code]:
            value += self._duration[self._source[link]]
        if SUCC_FINISH[code]:
            value -= self._duration[self._target[link]]
        return value

    def _propagate(
        self,
        forward_seeds: list[int],
        backward_seeds: list[int],
        old_finishes: dict[int, int] | None = None,
    ) -> set[str]:
        changed: set[int] = set()
        seeds = set(forward_seeds)
        queue = [(self._level[task], task) for task in seeds]
        heapq.heapify(queue)
        queued = set(seeds)
        early, required, driving = self._early, self._required, self._driving
        # the hot loop reads everything through locals (``_weight`` inlined)
        incoming, outgoing, level = self._incoming, self._outgoing, self._level
        source, target, codes, lags = self._source, self._target, self._code, self._lag
        duration, lower, upper = self._duration, self._lower, self._upper
        fixed, is_fixed = self._fixed, self._is_fixed
        finishes = old_finishes or {}
        project_finish = self._finish
        heappop, heappush = heapq.heappop, heapq.heappush
        finish_moved_down = False
        new_finish = project_finish
        while queue:
            _, task = heappop(queue)
            best, best_link = -FAR, -1
            for link in incoming[task]:
                code = codes[link]
                weight = lags[link]
                if PRED_FINISH[code]:
                    weight += duration[source[link]]
                if SUCC_FINISH[code]:
                    weight -= duration[target[link]]
                value = early[source[link]] + weight
                if value > best:
                    best, best_link = value, link
            needed = max(lower[task], best)
            start = fixed[task] if is_fixed[task] else min(needed, upper[task])
            drive = best_link if best_link >= 0 and best == start else -1
            length = duration[task]
            old_finish = finishes.get(task, early[task] + length)
            moved = start != early[task] or task in seeds
            if start != early[task] or needed != required[task] or drive != driving[task]:
                changed.add(task)
            early[task], required[task], driving[task] = start, needed, drive
            new_task_finish = start + length
            if new_task_finish > new_finish:
                new_finish = new_task_finish
            elif old_finish == project_finish and new_task_finish < old_finish:
                finish_moved_down = True
            if moved:
                for link in outgoing[task]:
                    successor = target[link]
                    if successor not in queued:
                        queued.add(successor)
                        heappush(queue, (level[successor], successor))
        if finish_moved_down and new_finish == self._finish:
            new_finish = max(
                max((e + d for e, d in zip(early, self._duration, strict=True)), default=0), 0
            )
        if new_finish != self._finish:
            self._finish = new_finish
            changed |= self._backward_all()
        else:
            changed |= self._backward_local(backward_seeds)
        ids = self.network.ids
        return {ids[task] for task in changed}

    def _late_value(self, task: int) -> int:
        value = min(
            min(self._finish, self._finish_cap[task]) - self._duration[task],
            self._start_cap[task],
        )
        late = self._late
        for link in self._outgoing[task]:
            bound = late[self._target[link]] - self._weight(link)
            if bound < value:
                value = bound
        return value

    def _backward_local(self, seeds: list[int]) -> set[int]:
        changed: set[int] = set()
        seed_set = set(seeds)
        queue = [(-self._level[task], task) for task in seed_set]
        heapq.heapify(queue)
        queued = set(seed_set)
        while queue:
            _, task = heapq.heappop(queue)
            value = self._late_value(task)
            if value == self._late[task] and task not in seed_set:
                continue
            if value != self._late[task]:
                changed.add(task)
                self._late[task] = value
            for link in self._incoming[task]:
                predecessor = self._source[link]
                if predecessor not in queued:
                    queued.add(predecessor)
                    heapq.heappush(queue, (-self._level[predecessor], predecessor))
        return changed

    def _backward_all(self) -> set[int]:
        changed: set[int] = set()
        late, outgoing = self._late, self._outgoing
        source, target, codes, lags = self._source, self._target, self._code, self._lag
        duration, start_caps, finish_caps = self._duration, self._start_cap, self._finish_cap
        finish = self._finish
        for task in reversed(as_list(self.network.order)):
            # ``_late_value``, inlined: this runs for every task when the project finish moves
            length = duration[task]
            value = min(min(finish, finish_caps[task]) - length, start_caps[task])
            for link in outgoing[task]:
                code = codes[link]
                weight = lags[link]
                if PRED_FINISH[code]:
                    weight += duration[source[link]]
                if SUCC_FINISH[code]:
                    weight -= duration[target[link]]
                bound = late[target[link]] - weight
                if bound < value:
                    value = bound
            if value != late[task]:
                changed.add(task)
                late[task] = value
        return changed

    # ------------------------------------------------------------------ results

    def result(self) -> PassResult:
        """The current pass columns (floats recomputed from the dates)."""
        if self._light:
            return self._result_lists()
        import numpy as np

        network = self.network
        early = np.asarray(self._early, dtype=np.int64)
        duration = np.asarray(self._duration, dtype=np.int64)
        weight = np.fromiter(
            (self._weight(link) for link in range(len(self._code))),
            dtype=np.int64,
            count=len(self._code),
        )
        free = self._finish - (early + duration)
        source, target = as_array(network.source), as_array(network.target)
        has_successor = np.zeros(network.size, dtype=np.bool_)
        has_successor[source] = True
        free = np.where(has_successor, FAR, free)
        np.minimum.at(free, source, early[target] - (early[source] + weight))
        required = np.asarray(self._required, dtype=np.int64)
        late = np.asarray(self._late, dtype=np.int64)
        progress = np.asarray(self._progress, dtype=np.bool_)
        basis = np.where(progress, early, np.maximum(early, required))
        total = late - basis
        return PassResult(
            early,
            required,
            late,
            self._finish,
            np.asarray(self._driving, dtype=np.int64),
            np.maximum(0, np.minimum(free, total)),
            total,
        )

    def _result_lists(self) -> PassResult:
        """``result`` on lists: the same floats, without NumPy."""
        early, duration, finish = self._early, self._duration, self._finish
        free = [finish - (start + length) for start, length in zip(early, duration, strict=True)]
        has_successor = [bool(links) for links in self._outgoing]
        free = [FAR if leads else slack for slack, leads in zip(free, has_successor, strict=True)]
        lags = self._lag
        for link, (source, target, code) in enumerate(
            zip(self._source, self._target, self._code, strict=True)
        ):
            weight = lags[link]  # ``_weight``, inlined
            if PRED_FINISH[code]:
                weight += duration[source]
            if SUCC_FINISH[code]:
                weight -= duration[target]
            slack = early[target] - (early[source] + weight)
            if slack < free[source]:
                free[source] = slack
        total = [
            late - (start if fixed else max(start, needed))
            for start, needed, late, fixed in zip(
                early, self._required, self._late, self._progress, strict=True
            )
        ]
        return PassResult(
            list(early),
            list(self._required),
            list(self._late),
            finish,
            list(self._driving),
            [max(0, min(slack, whole)) for slack, whole in zip(free, total, strict=True)],
            total,
        )

    def schedule(self) -> Schedule:
        """The current schedule as a full ``Schedule``."""
        self.inputs.duration[:] = self._duration
        if self._full_result is not None:
            return build_schedule(
                self.plan, self.network, self.inputs, self._full_result, self.axis, self._moments
            )
        return build_schedule(self.plan, self.network, self.inputs, self.result(), self.axis)
