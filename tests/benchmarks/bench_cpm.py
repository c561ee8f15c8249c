"""CPM speed (issue 8): kampmo's level-by-level NumPy passes against a compiled O(V+E) loop
over CSR arrays (numba) and idiomatic NetworkX, on a layered random network of 100,000 tasks
and 210,000 FS links with lags; and one duration change in a 10,000-task plan, incremental
against a full recompute.

kampmo's figure is the full pass -- forward, backward, total and free float, driving links --
plus the conversion of the four date columns through a working calendar, with the compiled
network cached (as the service caches it per bid version). Building the ``Schedule`` objects is
shown separately, as is a whole ``schedule(plan)``.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import date

import numpy as np

from tests.benchmarks.common import BenchRow, median_seconds
from wbs.calendar import WorkCalendar
from wbs.cpm import TimeAxis, level_plan, numpy_passes, prepare_inputs, schedule
from wbs.incremental import IncrementalSchedule
from wbs.network import compile_network
from wbs.plan import Link, Plan, Task


def layered_plan(tasks: int, links: int, width: int = 100, seed: int = 8) -> Plan:
    """Tasks in layers of ``width``; each link joins a task to one in the 1-3 layers before."""
    rng = random.Random(seed)
    plan_tasks = [Task(f"t{i}", f"task {i}", rng.randint(1, 10)) for i in range(tasks)]
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < links:
        successor = rng.randrange(width, tasks)
        layer = successor // width - rng.randint(1, 3)
        if layer < 0:
            continue
        pairs.add((layer * width + rng.randrange(width), successor))
    plan_links = [Link(f"t{a}", f"t{b}", lag=rng.randint(-1, 3)) for a, b in sorted(pairs)]
    return Plan("bench", date(2027, 1, 4), plan_tasks, plan_links, unit="day", calendar="CN")


def _csr(plan: Plan) -> tuple[np.ndarray, ...]:
    position = {task.id: i for i, task in enumerate(plan.tasks)}
    source = np.array([position[link.predecessor] for link in plan.links], dtype=np.int64)
    target = np.array([position[link.successor] for link in plan.links], dtype=np.int64)
    lag = np.array([link.lag for link in plan.links], dtype=np.int64)
    duration = np.array([task.duration for task in plan.tasks], dtype=np.int64)
    by_target = np.argsort(target, kind="stable")
    in_start = np.searchsorted(target[by_target], np.arange(len(plan.tasks) + 1))
    by_source = np.argsort(source, kind="stable")
    out_start = np.searchsorted(source[by_source], np.arange(len(plan.tasks) + 1))
    return (
        duration,
        source[by_target],
        lag[by_target],
        in_start,
        target[by_source],
        lag[by_source],
        out_start,
    )


def compiled_reference():  # type: ignore[no-untyped-def]
    """The numba O(V+E) loop (tasks are numbered topologically in the layered network)."""
    from numba import njit

    @njit(cache=True)
    def passes(duration, in_source, in_lag, in_start, out_target, out_lag, out_start):  # type: ignore[no-untyped-def]
        size = duration.size
        early = np.zeros(size, dtype=np.int64)
        for task in range(size):
            best = 0
            for k in range(in_start[task], in_start[task + 1]):
                value = early[in_source[k]] + duration[in_source[k]] + in_lag[k]
                if value > best:
                    best = value
            early[task] = best
        finish = 0
        for task in range(size):
            finish = max(finish, early[task] + duration[task])
        late = np.empty(size, dtype=np.int64)
        free = np.empty(size, dtype=np.int64)
        for task in range(size - 1, -1, -1):
            value = finish - duration[task]
            slack = finish - early[task] - duration[task]
            if out_start[task] < out_start[task + 1]:
                slack = 1 << 60
            for k in range(out_start[task], out_start[task + 1]):
                successor = out_target[k]
                value = min(value, late[successor] - out_lag[k] - duration[task])
                slack = min(slack, early[successor] - early[task] - duration[task] - out_lag[k])
            late[task] = value
            free[task] = slack
        return early, late, late - early, free

    return passes


def networkx_passes(plan: Plan) -> int:
    """Idiomatic NetworkX: build a DiGraph, loop over G.pred / G.succ in topological order."""
    import networkx as nx

    graph = nx.DiGraph()
    for task in plan.tasks:
        graph.add_node(task.id, duration=task.duration)
    for link in plan.links:
        graph.add_edge(link.predecessor, link.successor, lag=link.lag)
    order = list(nx.topological_sort(graph))
    early: dict[str, int] = {}
    for node in order:
        early[node] = max(
            (
                early[p] + graph.nodes[p]["duration"] + graph.edges[p, node]["lag"]
                for p in graph.pred[node]
            ),
            default=0,
        )
    finish = max(early[n] + graph.nodes[n]["duration"] for n in order)
    late: dict[str, int] = {}
    for node in reversed(order):
        duration = graph.nodes[node]["duration"]
        late[node] = min(
            (late[s] - graph.edges[node, s]["lag"] - duration for s in graph.succ[node]),
            default=finish - duration,
        )
    return sum(late[n] - early[n] for n in order)


def _kampmo_full_pass(plan: Plan):  # type: ignore[no-untyped-def]
    network = compile_network(plan)
    levels = level_plan(network)
    calendar = WorkCalendar.named(plan.calendar, "day")
    axis = TimeAxis(plan, calendar)
    inputs = prepare_inputs(plan, network, axis)

    def run() -> object:
        result = numpy_passes(network, inputs, levels)
        origin = axis.origin
        # start dates of ES and LS, inclusive finish dates of EF and LF, in one conversion
        columns = np.concatenate(
            (
                result.early_start,
                result.early_start + inputs.duration - 1,
                result.late_start,
                result.late_start + inputs.duration - 1,
            )
        )
        return calendar.dates_of(columns + origin).reshape(4, -1)

    return run


def interleaved_medians(
    first: Callable[[], object], second: Callable[[], object], repeats: int
) -> tuple[float, float]:
    """Median times of two actions timed in turns, so that the machine's load (shared, noisy)
    weighs on both alike; one untimed warm-up run each."""
    first()
    second()
    timings: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for action, times in zip((first, second), timings, strict=True):
            started = time.perf_counter()
            action()
            times.append(time.perf_counter() - started)
    return statistics.median(timings[0]), statistics.median(timings[1])


def run() -> list[BenchRow]:
    plan = layered_plan(100_000, 210_000)
    reference = compiled_reference()
    arrays = _csr(plan)
    compiled, kampmo = interleaved_medians(
        lambda: reference(*arrays), _kampmo_full_pass(plan), repeats=15
    )
    networkx = median_seconds(lambda: networkx_passes(plan), repeats=3, warmup=0)
    started = time.perf_counter()
    schedule(plan)
    whole = time.perf_counter() - started
    ratio = kampmo / compiled
    rows = [
        BenchRow(
            "CPM 100k tasks/210k links: compiled CSR loop (numba)", f"{compiled * 1e3:.1f} ms"
        ),
        BenchRow(
            "CPM 100k: kampmo passes + floats + calendar dates (network cached)",
            f"{kampmo * 1e3:.1f} ms ({ratio:.1f}x compiled)",
            "<= 5x compiled",
            ratio <= 5,
        ),
        BenchRow(
            "CPM 100k: idiomatic NetworkX (build + G.pred/G.succ loops)",
            f"{networkx * 1e3:.0f} ms ({networkx / kampmo:.0f}x kampmo)",
        ),
        BenchRow(
            "CPM 100k: whole schedule(plan) incl. compile and Schedule objects",
            f"{whole * 1e3:.0f} ms",
        ),
    ]
    rows.append(_incremental_row())
    return rows


def _incremental_row() -> BenchRow:
    plan = layered_plan(10_000, 21_000, seed=9)
    full = median_seconds(lambda: schedule(plan), repeats=5, warmup=1)
    incremental = IncrementalSchedule(plan)
    rng = random.Random(10)
    timings = []
    for _ in range(300):
        task = plan.tasks[rng.randrange(len(plan.tasks))]
        new_duration = max(0, task.duration + rng.choice((-2, -1, 1, 2)))
        started = time.perf_counter()
        incremental.change_duration(task.id, new_duration)
        timings.append(time.perf_counter() - started)
    median = statistics.median(timings)
    speedup = full / median
    return BenchRow(
        "one duration change, 10k tasks: incremental vs full schedule()",
        f"{median * 1e3:.2f} ms vs {full * 1e3:.0f} ms ({speedup:.0f}x)",
        ">= 20x",
        speedup >= 20,
    )
