"""The dependency network of a plan: validation, the NetworkX graph, and compiled arrays.

NetworkX is the graph model (``build_graph``: cycles, cones, analysis). The scheduler itself runs
over ``CompiledNetwork``: the leaf tasks as integer positions, the links as parallel NumPy arrays
and the tasks grouped by longest-path depth (``levels``), so that a pass is a handful of vector
operations per level. ``compile_network(plan, light=True)`` builds the same columns as plain
lists without importing NumPy, for plans small enough that importing it would cost more than
it saves (``kampmo schedule`` on a few thousand tasks). Links on a summary task apply to each
of its leaf descendants, as in MS Project.

Errors are ``PlanError`` subclasses whose messages name the offending tasks, e.g.
``CycleError``: "dependency cycle: t1 -> t2 -> t3 -> t1".

Example
-------
>>> from wbs.plan import Plan, Task, Link
>>> plan = Plan("p", 0, [Task("a", "A", 2), Task("b", "B", 1)], [Link("a", "b")], unit="period")
>>> validate_plan(plan)
>>> sorted(build_graph(plan).edges)
[('a', 'b')]
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wbs.plan import Link, LinkType, Plan, Task

if TYPE_CHECKING:
    import networkx as nx
    import numpy as np
    import numpy.typing as npt

    IntArray = npt.NDArray[np.int64]
    BoolArray = npt.NDArray[np.bool_]
    # a column of a compiled network or of the passes: NumPy, or a list on the light path
    IntColumn = IntArray | list[int]
    BoolColumn = BoolArray | list[bool]

# Link type codes in the compiled arrays; FS/FF weigh the predecessor's duration, FF/SF the
# successor's: contribution = ES_pred + dur_pred*[FS|FF] + lag - dur_succ*[FF|SF].
LINK_CODES = {LinkType.FS: 0, LinkType.SS: 1, LinkType.FF: 2, LinkType.SF: 3}
PRED_FINISH = (True, False, True, False)  # per code: the link leaves the predecessor's finish
SUCC_FINISH = (False, False, True, True)  # per code: the link reaches the successor's finish


class PlanError(ValueError):
    """A plan that cannot be scheduled; the message names the tasks involved."""


class CycleError(PlanError):
    def __init__(self, cycle: list[str]) -> None:
        self.cycle = cycle
        super().__init__("dependency cycle: " + " -> ".join([*cycle, cycle[0]]))


class UnknownTaskError(PlanError):
    pass


class DuplicateTaskError(PlanError):
    pass


class DuplicateLinkError(PlanError):
    pass


class NegativeDurationError(PlanError):
    pass


class SelfLinkError(PlanError):
    pass


def validate_plan(plan: Plan) -> None:
    """Check task ids, durations, parents and links, and that the network has no cycle.

    Raises
    ------
    DuplicateTaskError, NegativeDurationError, UnknownTaskError, SelfLinkError,
    DuplicateLinkError, CycleError
    """
    tasks: dict[str, Task] = {}
    for task in plan.tasks:
        if task.id in tasks:
            raise DuplicateTaskError(f"task id {task.id!r} is used twice")
        tasks[task.id] = task
        if task.duration < 0:
            raise NegativeDurationError(
                f"task {task.id!r} ({task.name}) has a negative duration {task.duration}"
            )
        if task.remaining_duration is not None and task.remaining_duration < 0:
            raise NegativeDurationError(f"task {task.id!r} has a negative remaining duration")
    for task in plan.tasks:
        if task.parent is not None and task.parent not in tasks:
            raise UnknownTaskError(f"task {task.id!r} has an unknown parent {task.parent!r}")
    seen: set[tuple[str, str]] = set()
    for link in plan.links:
        for end in (link.predecessor, link.successor):
            if end not in tasks:
                raise UnknownTaskError(
                    f"link {link.predecessor!r} -> {link.successor!r}: unknown task {end!r}"
                )
        if link.predecessor == link.successor:
            raise SelfLinkError(f"task {link.predecessor!r} is linked to itself")
        pair = (link.predecessor, link.successor)
        if pair in seen:
            raise DuplicateLinkError(
                f"tasks {link.predecessor!r} and {link.successor!r} are linked twice"
            )
        seen.add(pair)
    _check_parent_cycles(tasks)
    compile_network(plan)  # raises CycleError on the expanded (leaf) network


def _check_parent_cycles(tasks: dict[str, Task]) -> None:
    for task in tasks.values():
        chain = [task.id]
        parent = task.parent
        while parent is not None:
            if parent in chain:
                raise CycleError(chain[chain.index(parent) :])
            chain.append(parent)
            parent = tasks[parent].parent if parent in tasks else None


def build_graph(plan: Plan) -> nx.DiGraph:
    """The plan's tasks as nodes (``duration``, ``name``, ``is_summary``) and its links as
    edges (``type``, ``lag``, ``lag_elapsed``), exactly as written in the plan."""
    import networkx as nx

    graph = nx.DiGraph()
    for task in plan.tasks:
        graph.add_node(
            task.id, duration=task.duration, name=task.name, is_summary=_is_summary(task, plan)
        )
    for link in plan.links:
        graph.add_edge(
            link.predecessor,
            link.successor,
            type=link.type,
            lag=link.lag,
            lag_elapsed=link.lag_elapsed,
        )
    return graph


def _is_summary(task: Task, plan: Plan) -> bool:
    return task.is_summary or any(other.parent == task.id for other in plan.tasks)


def children_map(plan: Plan) -> dict[str, list[str]]:
    children: dict[str, list[str]] = defaultdict(list)
    for task in plan.tasks:
        if task.parent is not None:
            children[task.parent].append(task.id)
    return children


def leaf_descendants(task_id: str, children: dict[str, list[str]]) -> list[str]:
    """The leaf tasks under ``task_id`` (itself when it has no children)."""
    if task_id not in children:
        return [task_id]
    leaves: list[str] = []
    stack = [task_id]
    while stack:
        current = stack.pop()
        below = children.get(current)
        if below:
            stack.extend(reversed(below))
        else:
            leaves.append(current)
    return leaves


def expanded_links(plan: Plan, children: dict[str, list[str]] | None = None) -> list[Link]:
    """The plan's links with links on summaries applied to each of their leaf tasks."""
    children = children_map(plan) if children is None else children
    if not any(link.predecessor in children or link.successor in children for link in plan.links):
        return list(plan.links)
    result: dict[tuple[str, str], Link] = {}
    for link in plan.links:
        for predecessor in leaf_descendants(link.predecessor, children):
            for successor in leaf_descendants(link.successor, children):
                if predecessor == successor:
                    raise CycleError([predecessor])
                candidate = Link(predecessor, successor, link.type, link.lag, link.lag_elapsed)
                result.setdefault((predecessor, successor), candidate)
    return list(result.values())


@dataclass(slots=True)
class CompiledNetwork:
    """Leaf tasks and links as arrays, in topological levels.

    ``ids[i]`` is the task at position ``i``. Link ``k`` goes ``source[k] -> target[k]`` with
    type code ``code[k]`` (see ``LINK_CODES``) and ``lag[k]``; ``elapsed[k]`` marks lags in
    elapsed minutes. ``level[i]`` is the longest-path depth of task ``i``; ``order`` lists the
    positions level by level, ``level_bounds[l]:level_bounds[l+1]`` slicing it.
    """

    ids: list[str]
    position: dict[str, int]
    source: IntColumn
    target: IntColumn
    code: IntColumn
    lag: IntColumn
    elapsed: BoolColumn
    level: IntColumn
    order: IntColumn
    level_bounds: IntColumn

    @property
    def size(self) -> int:
        return len(self.ids)

    def predecessors(self) -> list[list[int]]:
        """Incoming link numbers per task."""
        incoming: list[list[int]] = [[] for _ in self.ids]
        for number, target in enumerate(as_list(self.target)):
            incoming[target].append(number)
        return incoming

    def successors(self) -> list[list[int]]:
        """Outgoing link numbers per task."""
        outgoing: list[list[int]] = [[] for _ in self.ids]
        for number, source in enumerate(as_list(self.source)):
            outgoing[source].append(number)
        return outgoing


def as_list(column: IntColumn) -> list[int]:
    """A column as a list (no copy when it is one already)."""
    return column if isinstance(column, list) else column.tolist()


def as_bool_list(column: BoolColumn) -> list[bool]:
    return column if isinstance(column, list) else column.tolist()


def as_array(column: IntColumn) -> IntArray:
    """A column as an int64 array (no copy when it is one already)."""
    import numpy as np

    return np.asarray(column, dtype=np.int64)


def as_bool_array(column: BoolColumn) -> BoolArray:
    import numpy as np

    return np.asarray(column, dtype=np.bool_)


def any_true(column: BoolColumn) -> bool:
    return any(column) if isinstance(column, list) else bool(column.any())


def compile_network(plan: Plan, *, light: bool = False) -> CompiledNetwork:
    """The leaf network of ``plan`` as columns in topological levels: NumPy arrays, or plain
    lists when ``light`` (no NumPy import).

    Raises
    ------
    CycleError
        When the links (after expanding summaries) form a cycle; names its tasks in order.
    UnknownTaskError
        When a link names a task that is not in the plan.
    """
    children = children_map(plan)
    summaries = set(children) | {task.id for task in plan.tasks if task.is_summary}
    ids = [task.id for task in plan.tasks if task.id not in summaries]
    position = {task_id: number for number, task_id in enumerate(ids)}
    links = expanded_links(plan, children)
    try:
        if light:
            return _compile_lists(ids, position, links)
        import numpy as np

        count = len(links)
        source = np.fromiter((position[x.predecessor] for x in links), np.int64, count)
        target = np.fromiter((position[x.successor] for x in links), np.int64, count)
    except KeyError:
        for link in links:
            for end in (link.predecessor, link.successor):
                if end not in position:
                    raise UnknownTaskError(
                        f"link {link.predecessor!r} -> {link.successor!r}: unknown task {end!r}"
                    ) from None
        raise
    code = np.fromiter((LINK_CODES[x.type] for x in links), np.int64, count)
    lag = np.fromiter((x.lag for x in links), np.int64, count)
    elapsed = np.fromiter((x.lag_elapsed for x in links), np.bool_, count)
    level, order, bounds = topological_levels(len(ids), source, target)
    if order.size < len(ids):
        raise CycleError(_find_cycle(ids, source, target))
    return CompiledNetwork(ids, position, source, target, code, lag, elapsed, level, order, bounds)


def _compile_lists(ids: list[str], position: dict[str, int], links: list[Link]) -> CompiledNetwork:
    source = [position[x.predecessor] for x in links]
    target = [position[x.successor] for x in links]
    code = [LINK_CODES[x.type] for x in links]
    lag = [x.lag for x in links]
    elapsed = [x.lag_elapsed for x in links]
    level, order, bounds = topological_levels_lists(len(ids), source, target)
    if len(order) < len(ids):
        raise CycleError(_find_cycle(ids, source, target))
    return CompiledNetwork(ids, position, source, target, code, lag, elapsed, level, order, bounds)


def topological_levels_lists(
    size: int, source: list[int], target: list[int]
) -> tuple[list[int], list[int], list[int]]:
    """``topological_levels`` over plain lists: the same levels, order and bounds."""
    indegree = [0] * size
    successors: list[list[int]] = [[] for _ in range(size)]
    for predecessor, successor in zip(source, target, strict=True):
        indegree[successor] += 1
        successors[predecessor].append(successor)
    level = [-1] * size
    frontier = [task for task in range(size) if not indegree[task]]
    order: list[int] = []
    bounds = [0]
    depth = 0
    while frontier:
        for task in frontier:
            level[task] = depth
        order += frontier
        bounds.append(len(order))
        freed = []
        for task in frontier:
            for successor in successors[task]:
                indegree[successor] -= 1
                if not indegree[successor]:
                    freed.append(successor)
        frontier = sorted(freed)
        depth += 1
    return level, order, bounds


def topological_levels(size: int, source: IntArray, target: IntArray) -> tuple[Any, Any, Any]:
    """Kahn's algorithm, one whole frontier at a time: (level per task, order, level bounds).

    Tasks on a cycle are never released: ``order`` is then shorter than ``size``.
    """
    import numpy as np

    level = np.full(size, -1, dtype=np.int64)
    indegree = np.bincount(target, minlength=size).astype(np.int64)
    by_source = np.argsort(source, kind="stable")
    sorted_targets = target[by_source]
    starts = np.searchsorted(source[by_source], np.arange(size + 1))
    frontier = np.flatnonzero(indegree == 0)
    parts = []
    bounds = [0]
    depth = 0
    while frontier.size:
        level[frontier] = depth
        parts.append(frontier)
        bounds.append(bounds[-1] + frontier.size)
        lows, highs = starts[frontier], starts[frontier + 1]
        lengths = highs - lows
        total = int(lengths.sum())
        if total == 0:
            break
        offsets = np.repeat(lows - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
        released = sorted_targets[offsets]
        np.subtract.at(indegree, released, 1)
        # the released tasks now free, once each, ascending (``np.unique`` would do, but
        # its first call imports ``numpy.ma``: a fifth of a small command's run time)
        freed = np.sort(released[indegree[released] == 0])
        frontier = freed[np.concatenate(([True], freed[1:] != freed[:-1]))] if freed.size else freed
        depth += 1
    order = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
    return level, order, np.asarray(bounds, dtype=np.int64)


def _find_cycle(ids: list[str], source: IntColumn, target: IntColumn) -> list[str]:
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_edges_from(zip(as_list(source), as_list(target), strict=True))
    edges = nx.find_cycle(graph)
    return [ids[int(edge[0])] for edge in edges]
