"""kampmo JSON plans read into columns: the fast path of ``kampmo schedule`` (issue 19).

``read_plan_columns(content)`` decodes a JSON plan with msgspec into typed structs (no dict per
task or link) and returns its network as columns: task ids, names and durations, and link
sources, targets, type codes and lags as positions. Only the tasks that carry something the
scheduler needs besides their duration (a constraint, a deadline, progress, a milestone flag)
or a field the reader validates (resources, owner, budget, ...) become ``Task`` objects, through
the same validation as ``wbs.formats.jsonplan``; unknown fields are ignored, as there.

What the columns do not hold falls back to the full reader (``NotColumnar``): summaries and
parents (their roll-up needs the tree), task calendars, and any plan the decode or the checks
refuse, so that the full reader gives its own error message, byte for byte.

Example
-------
>>> columns = read_plan_columns(b'{"name": "p", "start": "2027-01-04", "tasks": '
...     b'[{"id": "a", "duration_days": 2}, {"id": "b"}], "links": [{"from": "a", "to": "b"}]}')
>>> columns.ids, columns.duration, columns.source, columns.target
(['a', 'b'], [2, 0], [0], [1])
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import Annotated, Any, Literal

import msgspec

from wbs.formats.errors import FormatError
from wbs.formats.jsonplan import (
    ELAPSED_DAY_MINUTES,
    _calendar,
    _date,
    _optional_date,
    _resource,
    _task,
)
from wbs.plan import CalendarSpec, Plan, Task


class NotColumnar(Exception):
    """The plan needs the full reader (or is invalid: the full reader says why)."""


class _TaskRow(msgspec.Struct, gc=False):
    id: str | int
    name: str = ""
    duration_days: Annotated[int, msgspec.Meta(ge=0)] = 0
    parent: Any = None
    summary: bool = False
    milestone: bool | None = None
    constraint: Any = None
    deadline: Any = None
    calendar: Any = None
    actual_start: Any = None
    actual_finish: Any = None
    percent_complete: int | float = 0
    remaining_days: Any = None
    resources: Any = None
    wbs_code: Any = None
    owner: Any = None
    role: Any = None
    budget: Any = None


# the fields validated by ``jsonplan._task`` beyond id, name and duration, with their
# defaults; typed so that a value equal to its default is the default (``summary: 0`` fails
# the decode instead)
_DEFAULTS = _TaskRow.__struct_defaults__
_EXTENSIONS = tuple(
    (name, default)
    for name, default in zip(_TaskRow.__struct_fields__[-len(_DEFAULTS) :], _DEFAULTS, strict=True)
    if name not in ("id", "name", "duration_days")
)
_extension_values = attrgetter(*(name for name, _ in _EXTENSIONS))
_PLAIN = tuple(default for _, default in _EXTENSIONS)


class _CoreTaskRow(msgspec.Struct, gc=False, forbid_unknown_fields=True):
    """A task with the contract's core fields only: a fifth of ``_TaskRow``'s memory. A plan
    with any other task field is decoded again with ``_TaskRow``."""

    id: str | int
    name: str = ""
    duration_days: Annotated[int, msgspec.Meta(ge=0)] = 0


class _LinkRow(msgspec.Struct, gc=False):
    predecessor: str | int = msgspec.field(name="from")
    successor: str | int = msgspec.field(name="to")
    type: Literal["FS", "SS", "FF", "SF"] = "FS"
    lag_days: int = 0
    elapsed: bool = False


class _PlanHead(msgspec.Struct, gc=False, kw_only=True):
    name: str
    start: Any
    links: list[_LinkRow] = []
    resources: list[Any] = []
    calendars: list[Any] = []
    calendar: str | None = None
    status_date: Any = None
    finish_deadline: Any = None


class _PlanRow(_PlanHead, gc=False, kw_only=True):
    tasks: list[_TaskRow]


class _CorePlanRow(_PlanHead, gc=False, kw_only=True):
    tasks: list[_CoreTaskRow]


_CORE_DECODER = msgspec.json.Decoder(_CorePlanRow)
_DECODER = msgspec.json.Decoder(_PlanRow)
_CODES = {"FS": 0, "SS": 1, "FF": 2, "SF": 3}


@dataclass(slots=True)
class PlanColumns:
    """A flat day plan as columns. ``header`` is the plan without tasks and links (name,
    start, calendars, status date, finish deadline); ``tasks`` the ``Task`` objects built for
    the tasks that need one, by position."""

    header: Plan
    ids: list[str]
    names: list[str]
    duration: list[int]
    tasks: dict[int, Task]
    source: list[int]
    target: list[int]
    code: list[int]
    lag: list[int]
    elapsed: list[bool] | None  # None: no elapsed lags

    @property
    def size(self) -> int:
        return len(self.ids)


def read_plan_columns(content: bytes) -> PlanColumns:
    """The columns of a JSON plan's bytes.

    Raises
    ------
    NotColumnar
        When the plan needs the full reader ``wbs.formats.jsonplan.read_json_plan``.
    """
    return plan_columns(decode_plan(content))


def decode_plan(content: bytes) -> _PlanRow | _CorePlanRow:
    """The plan's typed rows (drop ``content`` afterwards: ``plan_columns`` does not need it).

    Raises
    ------
    NotColumnar
        When the bytes are not a JSON plan of the expected types.
    """
    try:
        return _CORE_DECODER.decode(content)
    except msgspec.ValidationError:
        pass
    except msgspec.DecodeError as error:
        raise NotColumnar(str(error)) from None
    try:
        return _DECODER.decode(content)
    except msgspec.DecodeError as error:
        raise NotColumnar(str(error)) from None


def plan_columns(root: _PlanRow | _CorePlanRow) -> PlanColumns:
    """The columns of decoded plan rows (which it empties as it goes).

    Raises
    ------
    NotColumnar
        When the plan needs the full reader.
    """
    try:
        return _columns(root)
    except FormatError as error:
        raise NotColumnar(str(error)) from None


def _columns(root: _PlanRow | _CorePlanRow) -> PlanColumns:
    rows = root.tasks
    ids: list[str] = [row.id if type(row.id) is str else str(row.id) for row in rows]
    position = {task_id: number for number, task_id in enumerate(ids)}
    if len(position) != len(ids) or "" in position:
        raise NotColumnar("duplicate or empty task ids")
    tasks: dict[int, Task] = {}
    if isinstance(root, _PlanRow):
        for number, values in enumerate(map(_extension_values, rows)):
            if values != _PLAIN:
                tasks[number] = _checked_task(root.tasks[number], values, number)
    names = [row.name for row in rows]
    duration = [row.duration_days for row in rows]
    del rows
    root.tasks = []
    links = root.links
    source = _positions(position, [link.predecessor for link in links])
    target = _positions(position, [link.successor for link in links])
    code = [_CODES[link.type] for link in links]
    lag = [link.lag_days for link in links]
    elapsed: list[bool] | None = None
    if any(link.elapsed for link in links):
        elapsed = [link.elapsed for link in links]
        lag = [
            days * ELAPSED_DAY_MINUTES if on else days
            for days, on in zip(lag, elapsed, strict=True)
        ]
    del links
    root.links = []
    for number, item in enumerate(root.resources):
        _resource(item, f"resources[{number}]")
    calendars: dict[str, CalendarSpec] = {}
    for number, item in enumerate(root.calendars):
        spec = _calendar(item, f"calendars[{number}]")
        calendars[spec.name] = spec
    header = Plan(
        name=root.name,
        start=_date(root.start, "start"),
        unit="day",
        calendar=root.calendar,
        calendars=calendars,
        status_date=_optional_date(root.status_date, "status_date"),
        finish_deadline=_optional_date(root.finish_deadline, "finish_deadline"),
    )
    return PlanColumns(header, ids, names, duration, tasks, source, target, code, lag, elapsed)


def _checked_task(row: _TaskRow, values: tuple[Any, ...], number: int) -> Task:
    """The ``Task`` of a row with extension fields, validated by the full reader's rules."""
    data: dict[str, Any] = {"id": row.id, "name": row.name, "duration_days": row.duration_days}
    for (name, default), value in zip(_EXTENSIONS, values, strict=True):
        if value != default:
            data[name] = value
    task = _task(data, f"tasks[{number}]")
    if task.parent is not None or task.is_summary or task.calendar is not None:
        raise NotColumnar("summaries and task calendars take the full reader")
    return task


def _positions(position: dict[str, int], ends: list[str | int]) -> list[int]:
    try:
        return list(map(position.__getitem__, ends))  # type: ignore[arg-type]
    except KeyError:
        try:
            return [position[end if type(end) is str else str(end)] for end in ends]
        except KeyError:
            raise NotColumnar("a link names an unknown task") from None
