"""Schedule risk: Monte Carlo CPM over three-point estimates, risk events and correlations.

``simulate(plan, model, iterations, seed)`` draws every uncertain task duration and every risk
event ``iterations`` times and runs, per iteration, the critical path method of ``wbs.cpm`` on
the plan's working-day calendar: the same links and lags, constraints, deadlines, progress and
status date, the same date rules. The passes are vectorised *across iterations*: each task is
one row of a ``(tasks, iterations)`` array, the tasks are processed in topological levels (one
gather, one add and one ``maximum.reduceat`` per level over all the level's links and all the
block's iterations), and the iterations run in blocks of ``BLOCK`` so memory stays bounded.

The model
---------
- A task's duration is a three-point estimate ``(optimistic, likely, pessimistic)`` in working
  days with a distribution: ``triangular``, ``pert`` (Beta with ``alpha = 1 + 4 (m - a) / (b - a)``,
  ``beta = 1 + 4 (b - m) / (b - a)``) or ``uniform`` (between optimistic and pessimistic).
  A task takes a whole number of working days: the continuous draw ``X`` is rounded
  *stochastically* (``floor(X + V)``, ``V`` uniform on [0, 1)), which keeps the mean exactly:
  ``E[D] = E[X]``. The discrete law ``P(D <= k) = integral of F_X over [k, k + 1]`` is tabulated
  once per estimate and sampled by inverse transform (one uniform per task per iteration).
- Started tasks keep their actual start; their remaining work scales with the draw
  (``remaining * X / likely``). Finished tasks keep their actual dates.
- A risk event occurs in an iteration with its probability; its impact (three-point, working
  days) is drawn once per occurrence and added to every task it hits that is not finished.
- Correlation: tasks of a ``Correlation`` group share a Gaussian copula with one common factor,
  ``Z_i = sqrt(r) Y + sqrt(1 - r) E_i``, ``U_i = Phi(Z_i)``; the normal correlation is
  ``r = 2 sin(pi rho / 6)`` for the requested Spearman rank correlation ``rho``, so any two
  tasks of the group have rank correlation ``rho`` (exactly, for continuous durations) while
  each keeps its own distribution.

Results
-------
The submission milestone's and the project's finish per iteration (as working-day indices, then
calendar dates for P10/P50/P80/P90 and the histogram), the probability that the submission
finishes by its deadline, the criticality index of each task (the share of iterations in which
its total float, against that iteration's project finish, is <= 0; deadlines do not count
there: a late deadline would otherwise make every task on a late path "critical"), the
sensitivity (Spearman rank correlation of each task's duration with the submission finish, or
the project finish without a submission milestone) and each risk's effect.

Example
-------
>>> from datetime import date
>>> from wbs.plan import Plan, Task, Link
>>> plan = Plan("p", date(2027, 3, 1), [Task("a", "A", 3), Task("b", "B", 0)], [Link("a", "b")])
>>> model = RiskModel({"a": Estimate(2, 3, 6)}, submission="b")
>>> result = simulate(plan, model, iterations=2000, seed=1)
>>> result.submission_dates[10] <= result.submission_dates[90]
True
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from wbs.calendar import WorkCalendar
from wbs.cpm import CODE_FF, CODE_FS, TimeAxis, leaf_tasks, plan_calendar
from wbs.network import as_array, as_bool_array, compile_network
from wbs.plan import ConstraintType, Plan, PlanTime, Task

if TYPE_CHECKING:
    IntArray = npt.NDArray[np.int64]
    Int32Array = npt.NDArray[np.signedinteger[Any]]  # int16 or int32 working days
    FloatArray = npt.NDArray[np.float64]
    BoolArray = npt.NDArray[np.bool_]

Distribution = Literal["triangular", "pert", "uniform"]
DISTRIBUTIONS: tuple[Distribution, ...] = ("triangular", "pert", "uniform")
BLOCK = 2048  # iterations per block: fixed, so a seed gives the same draws whatever N is
PERCENTILES = (10, 50, 80, 90)
FAR = 1 << 30  # "no bound" in int32 arithmetic
FAR_16 = 16_000  # the same in int16 blocks (used while the plan's horizon stays below it)
HORIZON_16 = 12_000
MAX_DAYS = 10_000
DEFAULT_ITERATIONS = 10_000
Progress = Callable[[float, str], None]
DayType = type[np.signedinteger[Any]]


class RiskModelError(ValueError):
    """The model cannot be simulated (bad estimate, unknown task, unsupported plan)."""


@dataclass(frozen=True, slots=True)
class Estimate:
    """A three-point estimate in working days (optimistic <= likely <= pessimistic)."""

    optimistic: float
    likely: float
    pessimistic: float
    distribution: Distribution = "triangular"
    source: str = "task"  # where it came from: task, calibration, template, fixed

    def check(self, what: str) -> None:
        values = (self.optimistic, self.likely, self.pessimistic)
        if not all(math.isfinite(value) for value in values):
            raise RiskModelError(f"{what}: the estimate must be finite numbers")
        if not self.optimistic <= self.likely <= self.pessimistic:
            raise RiskModelError(
                f"{what}: optimistic {self.optimistic} <= likely {self.likely} <= "
                f"pessimistic {self.pessimistic} does not hold"
            )
        if max(abs(value) for value in values) > MAX_DAYS:
            raise RiskModelError(f"{what}: an estimate is at most {MAX_DAYS} working days")
        if self.distribution not in DISTRIBUTIONS:
            raise RiskModelError(f"{what}: unknown distribution {self.distribution!r}")

    @property
    def degenerate(self) -> bool:
        return self.optimistic == self.pessimistic

    def mean(self) -> float:
        """The mean of the continuous distribution (what the rounded draws average to)."""
        low, mode, high = self.optimistic, self.likely, self.pessimistic
        if self.distribution == "triangular":
            return (low + mode + high) / 3
        if self.distribution == "pert":
            return (low + 4 * mode + high) / 6
        return (low + high) / 2


@dataclass(frozen=True, slots=True)
class RiskEvent:
    """A risk of the register as the simulation sees it (pre- or post-mitigation values)."""

    id: str
    title: str
    probability: float  # 0..1 per simulated project
    impact: Estimate  # working days added to each task hit
    tasks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Correlation:
    """Tasks whose durations move together, with their pairwise Spearman rank correlation."""

    tasks: tuple[str, ...]
    rank_correlation: float


@dataclass(slots=True)
class RiskModel:
    estimates: dict[str, Estimate] = field(default_factory=dict)  # leaf task id -> estimate
    submission: str | None = None  # the submission milestone's task id
    risks: list[RiskEvent] = field(default_factory=list)
    correlations: list[Correlation] = field(default_factory=list)
    distribution: Distribution = "triangular"  # the default the estimates were made with


@dataclass(slots=True)
class RiskImpact:
    id: str
    title: str
    probability: float
    occurred: float  # share of iterations in which it occurred
    mean_delay_days: float  # mean target finish when it occurs minus when it does not
    p_meet_if_occurs: float | None


@dataclass(slots=True)
class RiskResult:
    iterations: int
    seed: int
    submission: str | None
    deadline: PlanTime | None
    p_meet_submission: float | None
    submission_dates: dict[int, PlanTime]  # percentile -> date (empty without a submission)
    finish_dates: dict[int, PlanTime]
    deterministic_submission: PlanTime | None
    deterministic_finish: PlanTime
    submission_histogram: list[tuple[PlanTime, int]]
    finish_histogram: list[tuple[PlanTime, int]]
    criticality: dict[str, float]
    sensitivity: dict[str, float]
    risks: list[RiskImpact]
    sources: dict[str, str]
    submission_days: IntArray  # per iteration: the submission's finish day (working-day index)
    finish_days: IntArray  # per iteration: the project's last working day (index)


# --------------------------------------------------------------------------- sampling tables


def _continuous_cdf(estimate: Estimate, points: FloatArray) -> FloatArray:
    low, mode, high = estimate.optimistic, estimate.likely, estimate.pessimistic
    width = high - low
    x = np.clip(points, low, high)
    if estimate.distribution == "uniform":
        return (x - low) / width
    if estimate.distribution == "triangular":
        left = (x - low) ** 2 / (width * (mode - low)) if mode > low else np.zeros_like(x)
        right = 1 - (high - x) ** 2 / (width * (high - mode)) if high > mode else np.ones_like(x)
        return np.where(x <= mode, left, right)
    alpha = 1 + 4 * (mode - low) / width
    beta = 1 + 4 * (high - mode) / width
    grid = np.linspace(0.0, 1.0, 4097)
    density = grid ** (alpha - 1) * (1 - grid) ** (beta - 1)
    cumulative = np.concatenate(([0.0], np.cumsum((density[1:] + density[:-1]) / 2)))
    cumulative /= cumulative[-1]
    result: FloatArray = np.interp((x - low) / width, grid, cumulative)
    return result


TABLE_BITS = 10  # the high bits of a 32-bit draw index a law's look-up table (2 KB: cached)
UNSETTLED = -(1 << 15)  # a table entry whose bin holds a step of the law


@dataclass(frozen=True, slots=True)
class DiscreteLaw:
    """``P(D <= first + j) = cdf[j]``: a duration law on whole working days.

    Sampling is by inverse transform on 32-bit random integers ``r``: ``D = first + #{j :
    thresholds[j] <= r}`` with ``thresholds = ceil(cdf * 2**32)``. A table over the top 16
    bits of ``r`` answers directly except in the few bins that contain a threshold, which are
    settled by comparing with the thresholds (so the law is exact to 2**-32)."""

    first: int
    cdf: FloatArray
    thresholds: FloatArray
    table: npt.NDArray[np.int16]

    @classmethod
    def of(cls, first: int, cdf: FloatArray) -> DiscreteLaw:
        thresholds = np.ceil(cdf[:-1] * 2.0**32)
        low = np.arange(1 << TABLE_BITS, dtype=np.float64) * (1 << (32 - TABLE_BITS))
        below = np.searchsorted(thresholds, low, side="right")
        above = np.searchsorted(thresholds, low + ((1 << (32 - TABLE_BITS)) - 1), side="right")
        table = np.where(below == above, below + first, UNSETTLED).astype(np.int16)
        return cls(first, cdf, thresholds, table)

    def settle(self, bits: npt.NDArray[np.uint32]) -> IntArray:
        """The exact draw for ``bits`` (the slow path, for unsettled table bins)."""
        found: IntArray = np.searchsorted(self.thresholds, bits, side="right") + self.first
        return found

    def sample_bits(self, bits: npt.NDArray[np.uint32]) -> IntArray:
        drawn: IntArray = self.table[bits >> (32 - TABLE_BITS)].astype(np.int64)
        unsettled = drawn == UNSETTLED
        if unsettled.any():
            drawn[unsettled] = self.settle(bits[unsettled])
        return drawn

    def probabilities(self) -> FloatArray:
        return np.diff(self.cdf, prepend=0.0)


def random_bits(rng: np.random.Generator, shape: tuple[int, ...]) -> npt.NDArray[np.uint32]:
    """Uniform 32-bit integers, two per raw 64-bit output of the generator."""
    count = math.prod(shape)
    raw = rng.bit_generator.random_raw((count + 1) // 2)
    bits: npt.NDArray[np.uint32] = raw.view(np.uint32)[:count].reshape(shape)
    return bits


def uniform_bits(uniforms: FloatArray) -> npt.NDArray[np.uint32]:
    """Uniforms on [0, 1) as 32-bit integers (for the correlated draws)."""
    scaled = np.clip(np.floor(uniforms * 2.0**32), 0, 2.0**32 - 1)
    return scaled.astype(np.uint32)


_LAWS: dict[Estimate, DiscreteLaw] = {}


def discrete_law(estimate: Estimate) -> DiscreteLaw:
    """The law of ``floor(X + V)`` for ``X`` of ``estimate`` and ``V`` uniform on [0, 1)."""
    key = Estimate(
        estimate.optimistic, estimate.likely, estimate.pessimistic, estimate.distribution
    )
    found = _LAWS.get(key)
    if found is not None:
        return found
    first = math.floor(estimate.optimistic)
    last = math.floor(estimate.pessimistic)
    ks = np.arange(first, last + 1, dtype=np.float64)
    if estimate.degenerate:
        cdf = np.clip(ks + 1 - estimate.optimistic, 0.0, 1.0)
    else:
        # the integral of F_X over [k, k + 1], by Simpson's rule on 256 panels per day
        panels = 256
        offsets = np.linspace(0.0, 1.0, panels + 1)
        weights = np.ones(panels + 1)
        weights[1:-1:2], weights[2:-1:2] = 4, 2
        weights /= 3 * panels
        values = _continuous_cdf(key, ks[:, None] + offsets[None, :])
        cdf = values @ weights
    cdf = np.minimum(np.maximum.accumulate(cdf), 1.0)
    cdf[-1] = 1.0
    law = DiscreteLaw.of(first, cdf)
    if len(_LAWS) < 4096:
        _LAWS[key] = law
    return law


def normal_cdf(values: FloatArray) -> FloatArray:
    """Phi, the standard normal CDF (Abramowitz and Stegun 26.2.17, error < 7.5e-8)."""
    z = np.abs(values)
    t = 1.0 / (1.0 + 0.2316419 * z)
    poly = t * (
        0.319381530 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429)))
    )
    tail = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi) * poly
    result: FloatArray = np.where(values >= 0, 1.0 - tail, tail)
    return result


# --------------------------------------------------------------------------- the network


@dataclass(slots=True)
class Prepared:
    """Everything that does not change between iterations."""

    size: int
    ids: list[str]
    axis: TimeAxis
    # forward pass: per level k >= 1, the links into its tasks grouped by target
    forward: list[Level]  # by depth: the links into each level's tasks
    forward_clamps: list[IntArray]  # per forward level: its tasks with bounds to apply
    root_clamps: IntArray  # tasks without predecessors that have bounds
    backward: list[Level]  # by height: the links out of each level's tasks
    source: IntArray
    target: IntArray
    lag: Int32Array
    from_finish: BoolArray
    to_finish: BoolArray
    all_fs: bool
    lower_start: Int32Array  # early start >= (project start, status date, SNET)
    lower_finish: Int32Array  # early finish >= (FNET)
    upper_start: Int32Array  # early start <= (SNLT)
    upper_finish: Int32Array  # early finish <= (FNLT)
    fixed_kind: IntArray  # 0 free, 1 start fixed (MSO, progress), 2 finish fixed (MFO)
    fixed_value: Int32Array
    progress_fixed: BoolArray
    late_start_cap: Int32Array  # SNLT, MSO
    late_finish_cap: Int32Array  # FNLT, MFO (constraints only: criticality ignores deadlines)
    clamped: IntArray  # tasks with a bound besides the lower start
    clamp_slot: IntArray  # per task: its row among ``clamped``
    capped: bool  # any late start or late finish cap
    has_lower: bool
    base_duration: Int32Array  # the CPM's effective durations (progress applied)
    # started tasks: (position, fixed start, done, remaining, resume)
    started: list[tuple[int, int, int, int, int]]
    finished: BoolArray

    def horizon(self) -> int:
        """The largest working-day index a constraint, the status date or progress names."""
        values = [0]
        for column in (
            self.lower_start,
            self.lower_finish,
            self.upper_start,
            self.upper_finish,
            self.fixed_value,
            self.late_start_cap,
            self.late_finish_cap,
        ):
            finite = np.abs(column[np.abs(column) < FAR].astype(np.int64))
            values.append(int(finite.max(initial=0)))
        values.append(int(np.abs(self.lag).max(initial=0)) * 2)
        return max(values)

    def cast(self, dtype: DayType) -> Prepared:
        """The same with the per-task columns in ``dtype`` ("no bound" as ``FAR_16`` in
        int16): int16 blocks move half the bytes of int32 ones."""
        if dtype is np.int32:
            return self
        far = FAR_16

        def narrow(column: Int32Array) -> Int32Array:
            result: Int32Array = np.clip(column, -far, far).astype(dtype)
            return result

        return replace(
            self,
            lag=narrow(self.lag),
            lower_start=narrow(self.lower_start),
            lower_finish=narrow(self.lower_finish),
            upper_start=narrow(self.upper_start),
            upper_finish=narrow(self.upper_finish),
            fixed_value=narrow(self.fixed_value),
            late_start_cap=narrow(self.late_start_cap),
            late_finish_cap=narrow(self.late_finish_cap),
            base_duration=narrow(self.base_duration),
        )


def prepare(plan: Plan, calendar_axis: TimeAxis | None = None) -> Prepared:
    if plan.unit == "minute":
        raise RiskModelError("schedule risk runs on working-day plans, not minute plans")
    if any(task.calendar for task in plan.tasks if task.calendar != plan.calendar):
        raise RiskModelError("schedule risk does not support task calendars yet")
    if any(link.lag_elapsed for link in plan.links):
        raise RiskModelError("schedule risk does not support elapsed lags yet")
    network = compile_network(plan)
    axis = calendar_axis or TimeAxis(plan, _calendar(plan))
    size = network.size
    leaves = leaf_tasks(plan, network)
    source, target = as_array(network.source), as_array(network.target)
    code = as_array(network.code)
    depth = as_array(network.level)
    height = _heights(size, source, target, depth)
    status = axis.index(plan.status_date) if plan.status_date is not None else None
    lower_start = np.full(size, max(0, status) if status is not None else 0, dtype=np.int32)
    lower_finish = np.full(size, -FAR, dtype=np.int32)
    upper_start = np.full(size, FAR, dtype=np.int32)
    upper_finish = np.full(size, FAR, dtype=np.int32)
    fixed_kind = np.zeros(size, dtype=np.int64)
    fixed_value = np.zeros(size, dtype=np.int32)
    progress_fixed = np.zeros(size, dtype=np.bool_)
    finished = np.zeros(size, dtype=np.bool_)
    late_start_cap = np.full(size, FAR, dtype=np.int32)
    late_finish_cap = np.full(size, FAR, dtype=np.int32)
    duration = np.array([task.duration for task in leaves], dtype=np.int32)
    started: list[tuple[int, int, int, int, int]] = []
    for number, task in enumerate(leaves):
        if task.actual_start is not None or task.actual_finish is not None:
            start, length, done, remaining, resume = _progress(task, axis, status)
            fixed_kind[number], fixed_value[number] = 1, start
            duration[number] = length
            progress_fixed[number] = True
            if task.actual_finish is not None:
                finished[number] = True
            else:
                started.append((number, start, done, remaining, resume))
            continue
        if task.constraint is None or task.constraint.date is None:
            continue
        kind = ConstraintType(task.constraint.type)
        if kind in (ConstraintType.SNET, ConstraintType.MSO, ConstraintType.SNLT):
            at = axis.index(task.constraint.date)
        elif kind in (ConstraintType.FNET, ConstraintType.FNLT, ConstraintType.MFO):
            at = axis.index(task.constraint.date, finish=True)
        else:
            continue
        if kind == ConstraintType.SNET:
            lower_start[number] = max(int(lower_start[number]), at)
        elif kind == ConstraintType.FNET:
            lower_finish[number] = at
        elif kind == ConstraintType.SNLT:
            upper_start[number] = late_start_cap[number] = at
        elif kind == ConstraintType.FNLT:
            upper_finish[number] = late_finish_cap[number] = at
        elif kind == ConstraintType.MSO:
            fixed_kind[number], fixed_value[number] = 1, at
            late_start_cap[number] = at
        else:
            fixed_kind[number], fixed_value[number] = 2, at
            late_finish_cap[number] = at
    clamped = np.flatnonzero(
        (lower_finish > -FAR) | (upper_start < FAR) | (upper_finish < FAR) | (fixed_kind > 0)
    )
    from_finish = (code == CODE_FS) | (code == CODE_FF)
    to_finish = (code == CODE_FF) | (code == 3)
    forward = _levels(depth, target, source)
    is_clamped = np.zeros(size, dtype=np.bool_)
    is_clamped[clamped] = True
    clamp_slot = np.zeros(size, dtype=np.int64)
    clamp_slot[clamped] = np.arange(clamped.size)
    return Prepared(
        size=size,
        ids=list(network.ids),
        axis=axis,
        forward=forward,
        forward_clamps=[tasks[is_clamped[tasks]] for tasks, _ in forward],
        root_clamps=clamped[depth[clamped] == 0],
        backward=_levels(height, source, target),
        source=source,
        target=target,
        lag=as_array(network.lag).astype(np.int32),
        from_finish=as_bool_array(from_finish),
        to_finish=as_bool_array(to_finish),
        all_fs=bool(np.all(code == CODE_FS)),
        lower_start=lower_start,
        lower_finish=lower_finish,
        upper_start=upper_start,
        upper_finish=upper_finish,
        fixed_kind=fixed_kind,
        fixed_value=fixed_value,
        progress_fixed=progress_fixed,
        late_start_cap=late_start_cap,
        late_finish_cap=late_finish_cap,
        clamped=clamped,
        clamp_slot=clamp_slot,
        capped=bool(np.any(late_start_cap < FAR) or np.any(late_finish_cap < FAR)),
        has_lower=bool(np.any(lower_start != 0)),
        base_duration=duration,
        started=started,
        finished=finished,
    )


_CALENDARS: dict[str, WorkCalendar] = {}


def _calendar(plan: Plan) -> WorkCalendar | None:
    """The plan's calendar, built once per distinct definition: building a country calendar's
    year tables costs more than a small simulation (a portfolio runs hundreds)."""
    if plan.unit == "period":
        return None
    key = repr((plan.calendar, plan.unit, sorted(plan.calendars.items())))
    found = _CALENDARS.get(key)
    if found is None:
        found = plan_calendar(plan)
        if len(_CALENDARS) < 64:
            _CALENDARS[key] = found
    return found


def _progress(task: Task, axis: TimeAxis, status: int | None) -> tuple[int, int, int, int, int]:
    """(fixed start, effective duration, done, remaining, resume) as in ``wbs.cpm``."""
    if task.actual_finish is not None:
        finish = axis.index(task.actual_finish, finish=True)
        start = axis.index(task.actual_start) if task.actual_start is not None else finish
        start = min(start, finish - task.duration) if task.actual_start is None else start
        return start, max(0, finish - start), 0, 0, 0
    assert task.actual_start is not None
    start = axis.index(task.actual_start)
    if task.remaining_duration is not None:
        remaining = task.remaining_duration
    else:
        remaining = round(task.duration * (100.0 - task.percent_complete) / 100.0)
    done = max(0, task.duration - remaining)
    resume = start + done if status is None else max(start + done, status)
    return start, resume + remaining - start, done, remaining, resume


def _heights(size: int, source: IntArray, target: IntArray, depth: IntArray) -> IntArray:
    """Per task, the longest chain of successors after it."""
    height = np.zeros(size, dtype=np.int64)
    if not source.size:
        return height
    order = np.argsort(depth[source], kind="stable")
    link_depth = depth[source][order]
    bounds = np.searchsorted(link_depth, np.arange(int(depth.max()) + 2))
    for level in range(int(depth.max()), -1, -1):
        chosen = order[bounds[level] : bounds[level + 1]]
        np.maximum.at(height, source[chosen], height[target[chosen]] + 1)
    return height


# per level: the tasks it settles, and its links in rounds of (links, other ends, task rows)
Rounds = list[tuple["IntArray", "IntArray", "IntArray"]]
Level = tuple["IntArray", Rounds]


def _levels(rank: IntArray, settled: IntArray, other: IntArray) -> list[Level]:
    """Per rank k >= 1 (ascending): the tasks of rank k (the ``settled`` end of their links)
    and their links in *rounds*: round ``r`` holds each task's ``r``-th link (plan order), so
    that a pass takes the first round's values as they are and folds each further round in
    with one ``maximum`` (or ``minimum``) over the tasks that have that many links."""
    if not settled.size:
        return []
    numbers = np.arange(settled.size, dtype=np.int64)
    order = np.lexsort((numbers, settled, rank[settled]))
    ranks = rank[settled][order]
    result: list[Level] = []
    bounds = np.searchsorted(ranks, np.arange(1, int(ranks.max()) + 2))
    for low, high in itertools.pairwise(bounds.tolist()):
        if low == high:
            continue
        links = order[low:high]
        ends = settled[links]
        first = np.concatenate(([True], ends[1:] != ends[:-1]))
        group = np.cumsum(first) - 1
        starts = np.flatnonzero(first)
        within = np.arange(links.size) - starts[group]
        rounds: Rounds = []
        for number in range(int(within.max()) + 1):
            chosen = np.flatnonzero(within == number)
            rounds.append((links[chosen], other[links[chosen]], group[chosen]))
        result.append((ends[starts], rounds))
    return result


# --------------------------------------------------------------------------- one block


@dataclass(slots=True)
class BlockResult:
    early_start: Int32Array  # (tasks, iterations)
    duration: Int32Array
    critical: BoolArray
    project_finish: Int32Array  # per iteration: max(0, max ES + D), an exclusive end index


def run_block(prepared: Prepared, duration: Int32Array) -> BlockResult:
    """The CPM of every iteration (column) of ``duration`` at once (``duration``'s dtype is
    the block's: int16 or int32, see ``Prepared.cast``)."""
    p = prepared
    size, width = duration.shape
    if p.all_fs:
        weight = duration[p.source]
        weight += p.lag[:, None]
    else:
        weight = duration[p.source] * p.from_finish[:, None]
        weight += p.lag[:, None]
        weight -= duration[p.target] * p.to_finish[:, None]
    early = np.empty((size, width), dtype=duration.dtype)
    early[:] = p.lower_start[:, None]
    required = np.empty((p.clamped.size, width), dtype=duration.dtype)
    if p.root_clamps.size:
        _clamp(p, p.root_clamps, early, required, duration)
    maximum, minimum = np.maximum, np.minimum
    for (tasks, rounds), here in zip(p.forward, p.forward_clamps, strict=True):
        links, sources, _ = rounds[0]
        best = early[sources]
        best += weight[links]
        for links, sources, rows in rounds[1:]:
            more = early[sources]
            more += weight[links]
            best[rows] = maximum(best[rows], more)
        if p.has_lower:
            maximum(best, p.lower_start[tasks][:, None], out=best)
        early[tasks] = best
        if here.size:
            _clamp(p, here, early, required, duration)
    ends = early + duration
    finish = np.maximum(ends.max(axis=0, initial=0), 0)
    late = finish[None, :] - duration
    if p.capped:
        np.minimum(late, p.late_start_cap[:, None], out=late)
        np.minimum(late, p.late_finish_cap[:, None] - duration, out=late)
    for tasks, rounds in p.backward:
        links, targets, _ = rounds[0]
        least = late[targets]
        least -= weight[links]
        for links, targets, rows in rounds[1:]:
            more = late[targets]
            more -= weight[links]
            least[rows] = minimum(least[rows], more)
        late[tasks] = minimum(late[tasks], least)
    critical = late <= early
    if p.clamped.size:
        rows = p.clamped
        basis = np.where(
            p.progress_fixed[rows][:, None], early[rows], np.maximum(early[rows], required)
        )
        critical[rows] = late[rows] <= basis
    return BlockResult(early, duration, critical, finish)


def _clamp(
    p: Prepared,
    tasks: IntArray,
    early: Int32Array,
    required: Int32Array,
    duration: Int32Array,
) -> None:
    """Apply FNET floors, SNLT/FNLT ceilings and fixed starts to ``tasks`` (rows), whose
    ``early`` holds what the links and the lower bound ask; keep that in ``required``."""
    length = duration[tasks]
    needed = np.maximum(early[tasks], p.lower_finish[tasks][:, None] - length)
    required[p.clamp_slot[tasks]] = needed
    ceiling = np.minimum(p.upper_start[tasks][:, None], p.upper_finish[tasks][:, None] - length)
    start = np.minimum(needed, ceiling)
    kind = p.fixed_kind[tasks][:, None]
    value = p.fixed_value[tasks][:, None]
    early[tasks] = np.where(kind == 1, value, np.where(kind == 2, value - length, start))


# --------------------------------------------------------------------------- the simulation


def simulate(
    plan: Plan,
    model: RiskModel,
    iterations: int = DEFAULT_ITERATIONS,
    seed: int = 0,
    *,
    progress: Progress | None = None,
) -> RiskResult:
    """Monte Carlo schedule risk of ``plan`` under ``model`` (see the module docstring).

    Raises
    ------
    RiskModelError
        A bad estimate, probability or correlation, an unknown task, an unsupported plan.
    wbs.network.CycleError, wbs.network.UnknownTaskError
        When the network cannot be ordered.
    """
    if iterations < 1:
        raise RiskModelError("iterations must be at least 1")
    prepared = prepare(plan)
    sampler = _Sampler(plan, prepared, model)
    submission = None if model.submission is None else prepared.ids.index(model.submission)
    milestone = _Milestone(plan, prepared, submission) if submission is not None else None
    deadline = _deadline(plan, model)
    deadline_day = prepared.axis.index(deadline, finish=True) - 1 if deadline is not None else None
    streams = Streams(seed, len(sampler.risks))
    blocks = prepared.cast(sampler.dtype)
    critical_count = np.zeros(prepared.size, dtype=np.int64)
    finish_days = np.empty(iterations, dtype=np.int64)
    submission_days = np.empty(iterations if submission is not None else 0, dtype=np.int64)
    stored = np.empty((sampler.varying.size, iterations), dtype=sampler.dtype)
    occurred = np.empty((len(sampler.risks), iterations), dtype=np.bool_)
    done = 0
    while done < iterations:
        width = min(BLOCK, iterations - done)
        duration, hits = sampler.draw(streams, width)
        block = run_block(blocks, duration)
        critical_count += block.critical.sum(axis=1)
        finish_days[done : done + width] = last_day(block.project_finish)
        if milestone is not None:
            submission_days[done : done + width] = milestone.finish_day(block)
        stored[:, done : done + width] = duration[sampler.varying]
        occurred[:, done : done + width] = hits
        done += width
        if progress is not None:
            progress(done / iterations, f"{done} of {iterations} iterations")
    target_days = submission_days if submission is not None else finish_days
    meets = target_days <= deadline_day if deadline_day is not None else None
    return _result(
        plan,
        model,
        prepared,
        sampler,
        iterations,
        seed,
        deadline,
        meets,
        submission_days,
        finish_days,
        critical_count,
        stored,
        occurred,
        target_days,
    )


def last_day(project_finish: Int32Array) -> Int32Array:
    """The project's last working day from its exclusive end (``wbs.cpm`` shows an empty
    project as finishing on its start)."""
    result: Int32Array = np.where(project_finish > 0, project_finish - 1, 0)
    return result


def _deadline(plan: Plan, model: RiskModel) -> PlanTime | None:
    """The submission deadline: the plan's (a bid's submission deadline), else the submission
    milestone's own deadline."""
    if plan.finish_deadline is not None:
        return plan.finish_deadline
    if model.submission is not None:
        return plan.task_index()[model.submission].deadline
    return None


class Streams:
    """Independent random streams (PCG64 from ``SeedSequence([seed, kind, number])``): the
    task durations, the correlation factors, and one per risk, so that adding a risk or a
    correlation group leaves every other draw as it was."""

    def __init__(self, seed: int, risks: int) -> None:
        def stream(*key: int) -> np.random.Generator:
            return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, *key])))

        self.durations = stream(0)
        self.correlations = stream(1)
        self.risks = [stream(2, number) for number in range(risks)]


class _Sampler:
    """Draws a block of durations: tasks' laws, correlations, risk events."""

    def __init__(self, plan: Plan, prepared: Prepared, model: RiskModel) -> None:
        self.prepared = prepared
        position = {task_id: number for number, task_id in enumerate(prepared.ids)}
        tasks = plan.task_index()
        uncertain: list[int] = []
        laws: list[DiscreteLaw] = []
        likely: list[float] = []
        for task_id, estimate in model.estimates.items():
            if task_id not in position:
                if task_id in tasks:
                    continue  # a summary: its leaves carry the work
                raise RiskModelError(f"estimate for unknown task {task_id!r}")
            estimate.check(f"task {task_id}")
            if estimate.optimistic < 0:
                raise RiskModelError(f"task {task_id}: a duration cannot be negative")
            number = position[task_id]
            if prepared.finished[number]:
                continue
            if estimate.degenerate and float(estimate.optimistic).is_integer():
                continue  # a fixed duration: the plan's own (the estimate equals it)
            uncertain.append(number)
            laws.append(discrete_law(estimate))
            likely.append(estimate.likely)
        self.uncertain = np.asarray(uncertain, dtype=np.int64)
        self.fixed_estimates = {
            position[task_id]: int(estimate.optimistic)
            for task_id, estimate in model.estimates.items()
            if task_id in position
            and estimate.degenerate
            and float(estimate.optimistic).is_integer()
            and not prepared.finished[position[task_id]]
        }
        self.laws = laws
        self.likely = np.asarray(likely, dtype=np.float64)
        self.started = {entry[0]: entry for entry in prepared.started}
        self.correlations = self._correlations(model, position)
        self.risks: list[tuple[RiskEvent, DiscreteLaw, IntArray]] = []
        for risk in model.risks:
            if not 0.0 <= risk.probability <= 1.0 or not math.isfinite(risk.probability):
                raise RiskModelError(f"risk {risk.id}: probability must be between 0 and 1")
            risk.impact.check(f"risk {risk.id} impact")
            hit = []
            for task_id in risk.tasks:
                if task_id not in position:
                    raise RiskModelError(f"risk {risk.id} hits unknown task {task_id!r}")
                if not prepared.finished[position[task_id]]:
                    hit.append(position[task_id])
            self.risks.append((risk, discrete_law(risk.impact), np.asarray(hit, np.int64)))
        self.stacked, self.offsets = self._tables()
        self.dtype: DayType = np.int32
        if self.horizon() + prepared.horizon() < HORIZON_16:
            self.dtype = np.int16
        hit_tasks = {int(t) for _, _, hit in self.risks for t in hit.tolist()}
        self.varying = np.asarray(sorted(set(uncertain) | hit_tasks), dtype=np.int64)

    def _tables(self) -> tuple[npt.NDArray[np.int16], IntArray]:
        """The look-up tables of the distinct laws side by side, and each row's offset."""
        index: dict[int, int] = {}
        tables: list[npt.NDArray[np.int16]] = []
        offsets: list[int] = []
        for law in self.laws:
            if id(law) not in index:
                index[id(law)] = len(tables)
                tables.append(law.table)
            offsets.append(index[id(law)] << TABLE_BITS)
        stacked = np.concatenate(tables) if tables else np.zeros(0, dtype=np.int16)
        laws = [law for law in {id(law): law for law in self.laws}.values()]
        steps = max((law.thresholds.size for law in laws), default=0)
        self.thresholds = np.full((len(laws), max(steps, 1)), np.inf)
        for number, law in enumerate(laws):
            self.thresholds[number, : law.thresholds.size] = law.thresholds
        self.firsts = np.asarray([law.first for law in laws], dtype=np.int64)
        self.law_of_row = np.asarray([index[id(law)] for law in self.laws], dtype=np.int64)
        return stacked, np.asarray(offsets, dtype=np.int64)

    def horizon(self) -> int:
        """The longest the plan can take: the CPM on every task's largest draw."""
        longest = self.prepared.base_duration.astype(np.int64).copy()
        for row, number in enumerate(self.uncertain.tolist()):
            law = self.laws[row]
            top = law.first + law.cdf.size - 1
            if number in self.started:
                top = int(self._remaining(number, np.asarray([top]), self.likely[row])[0])
            longest[number] = max(int(longest[number]), top)
        for _, law, tasks in self.risks:
            longest[tasks] += max(0, law.first + law.cdf.size - 1)
        column = longest.astype(np.int32)[:, None]
        return int(run_block(self.prepared, column).project_finish[0]) + int(longest.max(initial=0))

    def _correlations(
        self, model: RiskModel, position: Mapping[str, int]
    ) -> list[tuple[IntArray, float]]:
        rows = {int(task): row for row, task in enumerate(self.uncertain.tolist())}
        seen: set[str] = set()
        result = []
        for group in model.correlations:
            rho = group.rank_correlation
            if not math.isfinite(rho) or not 0.0 <= rho <= 1.0:
                raise RiskModelError("a rank correlation must be between 0 and 1")
            members = []
            for task_id in group.tasks:
                if task_id not in position:
                    raise RiskModelError(f"correlation names unknown task {task_id!r}")
                if task_id in seen:
                    raise RiskModelError(f"task {task_id!r} is in two correlation groups")
                seen.add(task_id)
                if position[task_id] in rows:
                    members.append(rows[position[task_id]])
            if len(members) > 1 and rho > 0:
                result.append((np.asarray(members, np.int64), 2 * math.sin(math.pi * rho / 6)))
        return result

    def draw(self, streams: Streams, width: int) -> tuple[Int32Array, BoolArray]:
        p = self.prepared
        duration = np.empty((p.size, width), dtype=self.dtype)
        duration[:] = p.base_duration[:, None]
        for number, value in self.fixed_estimates.items():
            if number not in self.started:
                duration[number] = value
        bits = random_bits(streams.durations, (self.uncertain.size, width))
        for members, normal_rho in self.correlations:
            factor = streams.correlations.standard_normal(width)
            own = streams.correlations.standard_normal((members.size, width))
            mixed = math.sqrt(normal_rho) * factor + math.sqrt(1 - normal_rho) * own
            bits[members] = uniform_bits(normal_cdf(mixed))
        index = bits >> (32 - TABLE_BITS)
        if self.offsets.any():
            index += self.offsets.astype(np.uint32)[:, None]
        drawn = self.stacked[index]
        flat = drawn.reshape(-1)
        unsettled = np.flatnonzero(flat == UNSETTLED)
        if unsettled.size:  # a bin holding a step of its law: compare with the thresholds
            laws = self.law_of_row[unsettled // width]
            values = bits.reshape(-1)[unsettled].astype(np.float64)
            steps = (self.thresholds[laws] <= values[:, None]).sum(axis=1)
            flat[unsettled] = steps + self.firsts[laws]
        duration[self.uncertain] = drawn
        for row, number in enumerate(self.uncertain.tolist()):
            if number in self.started:
                duration[number] = self._remaining(number, drawn[row], self.likely[row])
        hits = np.zeros((len(self.risks), width), dtype=np.bool_)
        for number, (risk, law, tasks) in enumerate(self.risks):
            chance, size = random_bits(streams.risks[number], (2, width))
            occurs = chance < risk.probability * 2.0**32
            impact = law.sample_bits(size)
            hits[number] = occurs
            if tasks.size:
                duration[tasks] += np.where(occurs, impact, 0).astype(self.dtype)[None, :]
        np.maximum(duration, 0, out=duration)
        return duration, hits

    def _remaining(self, number: int, drawn: IntArray, likely: float) -> IntArray:
        """A started task: its remaining work scaled by the draw; the effective duration as
        ``wbs.cpm`` counts it (from the fixed start)."""
        _, start, _, remaining, resume = self.started[number]
        scale = drawn / likely if likely > 0 else np.ones(drawn.shape)
        left = np.rint(remaining * scale).astype(np.int64)
        result: IntArray = resume - start + left
        return result


class _Milestone:
    """The finish day of one task per iteration, with ``wbs.cpm``'s milestone date rule."""

    def __init__(self, plan: Plan, prepared: Prepared, number: int) -> None:
        self.number = number
        task = plan.task_index()[prepared.ids[number]]
        self.finish_constrained = task.constraint is not None and task.constraint.type in (
            ConstraintType.MFO,
            ConstraintType.FNET,
            ConstraintType.FNLT,
        )
        self.progress_fixed = bool(prepared.progress_fixed[number])
        links = np.flatnonzero(prepared.target == number)  # plan order
        self.sources = prepared.source[links]
        self.from_finish = prepared.from_finish[links]
        self.to_finish = prepared.to_finish[links]
        self.lag = prepared.lag[links]
        # a finish-driven milestone: the driving link is FS or FF, or has a positive lag
        self.finish_link = self.from_finish | (self.lag > 0)
        self.is_milestone = task.is_milestone

    def finish_day(self, block: BlockResult) -> Int32Array:
        early = block.early_start[self.number]
        length = block.duration[self.number]
        day: Int32Array = early + length - 1
        if not self.is_milestone:
            return day
        zero = length == 0
        if not zero.any():
            return day
        if self.finish_constrained:
            driven = np.ones(early.shape, dtype=np.bool_)
        else:
            driven = np.zeros(early.shape, dtype=np.bool_)
            chosen = np.zeros(early.shape, dtype=np.bool_)
            if not self.progress_fixed and self.sources.size:
                values = []
                for link in range(self.sources.size):
                    source = self.sources[link]
                    value = block.early_start[source] + self.lag[link]
                    if self.from_finish[link]:
                        value = value + block.duration[source]
                    if self.to_finish[link]:
                        value = value - length
                    values.append(value)
                has_driver = np.max(values, axis=0) == early  # a cap or fix has no driver
                for link, value in enumerate(values):
                    first = (value == early) & ~chosen & has_driver
                    driven |= first & self.finish_link[link]
                    chosen |= first
        milestone_day = np.where(driven & (early > 0), early - 1, early)
        result: Int32Array = np.where(zero, milestone_day, day).astype(np.int32)
        return result


# --------------------------------------------------------------------------- results


def _result(
    plan: Plan,
    model: RiskModel,
    prepared: Prepared,
    sampler: _Sampler,
    iterations: int,
    seed: int,
    deadline: PlanTime | None,
    meets: BoolArray | None,
    submission_days: IntArray,
    finish_days: IntArray,
    critical_count: IntArray,
    stored: Int32Array,
    occurred: BoolArray,
    target_days: IntArray,
) -> RiskResult:
    axis = prepared.axis
    nominal = run_block(prepared, prepared.base_duration[:, None].copy())
    deterministic_submission = None
    if model.submission is not None:
        milestone = _Milestone(plan, prepared, prepared.ids.index(model.submission))
        deterministic_submission = axis.start(int(milestone.finish_day(nominal)[0]))
    ids = prepared.ids
    sensitivity = {}
    if stored.shape[0]:
        for task, value in zip(
            sampler.varying.tolist(), spearman(stored, target_days).tolist(), strict=True
        ):
            sensitivity[ids[task]] = value
    impacts = []
    for index, (risk, _, _) in enumerate(sampler.risks):
        hit = occurred[index]
        count = int(hit.sum())
        delay = 0.0
        if 0 < count < iterations:
            delay = float(target_days[hit].mean() - target_days[~hit].mean())
        impacts.append(
            RiskImpact(
                risk.id,
                risk.title,
                risk.probability,
                count / iterations,
                delay,
                float(meets[hit].mean()) if meets is not None and count else None,
            )
        )
    impacts.sort(key=lambda item: (-item.occurred * item.mean_delay_days, item.id))
    sources = {task_id: estimate.source for task_id, estimate in model.estimates.items()}
    for number, task_id in enumerate(ids):
        if prepared.finished[number]:
            sources[task_id] = "actual"
        sources.setdefault(task_id, "fixed")
    return RiskResult(
        iterations=iterations,
        seed=seed,
        submission=model.submission,
        deadline=deadline,
        p_meet_submission=float(meets.mean()) if meets is not None else None,
        submission_dates=_percentile_dates(axis, submission_days),
        finish_dates=_percentile_dates(axis, finish_days),
        deterministic_submission=deterministic_submission,
        deterministic_finish=axis.start(int(last_day(nominal.project_finish)[0])),
        submission_histogram=_histogram(axis, submission_days),
        finish_histogram=_histogram(axis, finish_days),
        criticality={ids[n]: float(c) / iterations for n, c in enumerate(critical_count)},
        sensitivity=sensitivity,
        risks=impacts,
        sources=sources,
        submission_days=submission_days,
        finish_days=finish_days,
    )


def _percentile_dates(axis: TimeAxis, days: IntArray) -> dict[int, PlanTime]:
    if not days.size:
        return {}
    values = np.percentile(days, PERCENTILES, method="inverted_cdf")
    return {
        percent: axis.start(int(value)) for percent, value in zip(PERCENTILES, values, strict=True)
    }


def _histogram(axis: TimeAxis, days: IntArray) -> list[tuple[PlanTime, int]]:
    if not days.size:
        return []
    values, counts = np.unique(days, return_counts=True)
    return [
        (axis.start(int(value)), int(count))
        for value, count in zip(values.tolist(), counts.tolist(), strict=True)
    ]


def midranks(values: IntArray) -> FloatArray:
    """The rank of each value among ``values`` (1-based), ties sharing their mean rank, by
    counting: the values are small integers."""
    shifted = values - int(values.min())
    counts = np.bincount(shifted)
    table = np.cumsum(counts) - counts + (counts + 1) / 2
    result: FloatArray = table[shifted]
    return result


def spearman(samples: Int32Array, target: IntArray) -> FloatArray:
    """Spearman's rank correlation of each row of ``samples`` with ``target`` (0 where a row
    or the target does not vary): the Pearson correlation of their mid-ranks, from the count
    and the target-rank sum of each (row, value) pair (one ``bincount`` per chunk of rows)."""
    rows, count = samples.shape
    result = np.zeros(rows)
    target_ranks = midranks(target) - (count + 1) / 2
    target_norm = float(np.sqrt(target_ranks @ target_ranks))
    if target_norm == 0 or not rows:
        return result
    chunk = max(1, (1 << 21) // count)  # about 2 M cells at a time
    for low in range(0, rows, chunk):
        part = samples[low : low + chunk].astype(np.int64)
        part -= part.min(axis=1, keepdims=True)
        widths = part.max(axis=1) + 1
        offsets = np.concatenate(([0], np.cumsum(widths)[:-1]))
        flat = (part + offsets[:, None]).reshape(-1)
        total = int(widths.sum())
        counts = np.bincount(flat, minlength=total)
        weights = np.broadcast_to(target_ranks, part.shape).reshape(-1)
        sums = np.bincount(flat, weights=weights, minlength=total)
        before = np.repeat(np.arange(part.shape[0]) * count, widths)
        ranks = np.cumsum(counts) - counts - before + (counts + 1) / 2 - (count + 1) / 2
        dots = np.add.reduceat(ranks * sums, offsets)
        norms = np.sqrt(np.add.reduceat(counts * ranks * ranks, offsets))
        varying = widths > 1
        result[low : low + part.shape[0]][varying] = dots[varying] / (norms[varying] * target_norm)
    return result
