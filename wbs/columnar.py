"""The columnar schedule: from plan columns to the contract's JSON line without per-task
objects (issue 19, the fast path of ``kampmo schedule``).

``schedule_columns(columns)`` compiles the network from the columns of
``wbs.formats.jsonplan_columnar``, runs the passes of ``wbs.cpm`` (NumPy, or plain lists on
small plans in a fresh process), and keeps each task's six dates as positions in the date
table of ``wbs.cpm.DateTable``. ``ColumnarSchedule.write_json_line`` writes the answer
straight from those columns, in chunks; ``ColumnarSchedule.schedule()`` builds the
``Schedule``/``TaskSchedule`` objects for code that needs them, on demand. Both are the same,
byte for byte and field for field, as ``wbs.cpm.schedule`` on the plan the full reader builds
(``tests/wbs/test_columnar.py`` compares them).

Example
-------
>>> import io
>>> from wbs.formats.jsonplan_columnar import read_plan_columns
>>> columns = read_plan_columns(b'{"name": "p", "start": "2027-01-04", "tasks": '
...     b'[{"id": "a", "duration_days": 2}, {"id": "b", "duration_days": 1}], '
...     b'"links": [{"from": "a", "to": "b"}]}')
>>> result = schedule_columns(columns)
>>> result.schedule().project_finish
datetime.date(2027, 1, 6)
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from json.encoder import encode_basestring
from operator import add
from typing import TYPE_CHECKING, Any, TextIO

from wbs.cpm import (
    LIGHT_LIMIT,
    NUMPY_THRESHOLD,
    DateTable,
    PassInputs,
    PassResult,
    TimeAxis,
    _finished,
    _has_limit,
    _text,
    _units,
    bounded_inputs,
    date_positions,
    limit_warning,
    run_passes,
    shown_forms,
)
from wbs.formats.jsonplan_columnar import NotColumnar, PlanColumns
from wbs.network import (
    CompiledNetwork,
    as_array,
    as_list,
    topological_levels,
    topological_levels_lists,
)
from wbs.plan import PlanTime, Task
from wbs.result import Schedule, TaskSchedule
from wbs.serialize import _TASK_LINE, _compact, _EncodedTimes, _time_value

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from wbs.calendar import WorkCalendar
    from wbs.network import IntColumn

    ObjectColumn = npt.NDArray[np.object_]

CHUNK_TASKS = 4096  # tasks formatted per write: the answer is streamed, never held whole
# a task's line between its values (``wbs.serialize._TASK_LINE``): key texts at the even
# places, values at the odd ones
_ROW_KEYS = [piece for key in _TASK_LINE.split("%s") for piece in (key, "")][:-1]
_ROW_KEYS[-1] = "},"


@dataclass(slots=True)
class ColumnarSchedule:
    """A CPM schedule as columns: per task (network order = plan order) its early and late
    start offsets, duration, floats, driving link, and its six dates as positions in
    ``table`` (shown start and finish, early start and finish, late start and finish)."""

    columns: PlanColumns
    network: CompiledNetwork
    early: IntColumn
    late: IntColumn
    duration: IntColumn
    total_float: IntColumn
    free_float: IntColumn
    driving_link: IntColumn
    positions: tuple[IntColumn, IntColumn, IntColumn, IntColumn, IntColumn, IntColumn]
    table: list[PlanTime]
    project_start: PlanTime
    project_finish: PlanTime
    finish_offset: int
    warnings: list[str]
    finished: frozenset[int]  # task numbers with an actual finish: never critical

    def write_json_line(self, out: TextIO, source: str) -> None:
        """Write ``schedule_to_json_line(self.schedule(), source)`` and a newline to ``out``.

        Each chunk of tasks is one ``str.join`` over a list whose slices hold the columns
        (ids, names, the six date texts, floats, ...) between the constant key texts: no
        per-task formatting in Python.
        """
        encoded = _EncodedTimes()
        texts = [encoded[day] for day in self.table]
        ids = self.columns.ids
        id_texts = list(map(encode_basestring, ids))
        drivers: list[str] | ObjectColumn
        dates: list[list[str] | ObjectColumn]
        driving, sources = self.driving_link, self.network.source
        if isinstance(driving, list):
            sources = as_list(sources)
            drivers = ["null" if link < 0 else id_texts[sources[link]] for link in driving]
            dates = [[texts[position] for position in as_list(column)] for column in self.positions]
        else:
            import numpy as np

            by_position = np.array([*id_texts, "null"], dtype=object)
            drivers = by_position[np.where(driving >= 0, as_array(sources)[driving], -1)]
            by_table = np.array(texts, dtype=object)
            dates = [by_table[column] for column in self.positions]
        head = {
            "source": source,
            "project_start": _time_value(self.project_start),
            "project_finish": _time_value(self.project_finish),
            "duration": self.finish_offset,
            "unit": "day",
        }
        out.write(_compact(head)[:-1] + ',"tasks":[')
        names, total, free = self.columns.names, self.total_float, self.free_float
        width = len(_ROW_KEYS)
        template = _ROW_KEYS * min(CHUNK_TASKS, len(ids))
        for low in range(0, len(ids), CHUNK_TASKS):
            high = min(low + CHUNK_TASKS, len(ids))
            parts = template[: (high - low) * width]
            chunk_total = _rows(total, low, high)
            parts[1::width] = id_texts[low:high]
            parts[3::width] = map(encode_basestring, names[low:high])
            for number, column in enumerate(dates):
                parts[5 + 2 * number :: width] = _rows(column, low, high)
            parts[17::width] = map(str, chunk_total)
            parts[19::width] = map(str, _rows(free, low, high))
            finished = self.finished
            parts[21::width] = [
                "true" if value <= 0 and number not in finished else "false"
                for number, value in enumerate(chunk_total, low)
            ]
            parts[23::width] = _rows(drivers, low, high)
            if high == len(ids):
                parts[-1] = "}"
            out.write("".join(parts))
        tail = ',"warnings":' + _compact(self.warnings) if self.warnings else ""
        out.write("]" + tail + "}\n")

    def schedule(self) -> Schedule:
        """The same schedule as ``Schedule``/``TaskSchedule`` objects."""
        columns, table = self.columns, self.table
        dates = [[table[position] for position in as_list(column)] for column in self.positions]
        sources = as_list(self.network.source)
        early, late, duration = as_list(self.early), as_list(self.late), as_list(self.duration)
        total, free = as_list(self.total_float), as_list(self.free_float)
        driving = as_list(self.driving_link)
        rows = []
        for number, task_id in enumerate(columns.ids):
            task = columns.tasks.get(number)
            link = driving[number]
            start, late_start, length = early[number], late[number], duration[number]
            total_float = total[number]
            rows.append(
                TaskSchedule(
                    task_id,
                    columns.names[number],
                    dates[0][number],
                    dates[1][number],
                    dates[2][number],
                    dates[3][number],
                    dates[4][number],
                    dates[5][number],
                    total_float,
                    free[number],
                    total_float <= 0 and number not in self.finished,
                    columns.ids[sources[link]] if link >= 0 else None,
                    start,
                    start + length,
                    late_start,
                    late_start + length,
                    False,
                    task.is_milestone if task is not None else columns.duration[number] == 0,
                    dict(task.resources) if task is not None and task.resources else {},
                )
            )
        critical_path = [
            row.id
            for row in sorted(rows, key=lambda r: (r.early_start_index, r.early_finish_index))
            if row.critical
        ]
        return Schedule(
            project_start=self.project_start,
            project_finish=self.project_finish,
            duration=self.finish_offset,
            unit="day",
            tasks=rows,
            critical_path=critical_path,
            warnings=list(self.warnings),
        )


def schedule_columns(
    columns: PlanColumns, *, calendar: WorkCalendar | None = None
) -> ColumnarSchedule:
    """The CPM schedule of a plan read into columns; the same as ``wbs.cpm.schedule``.

    Raises
    ------
    NotColumnar
        When the links form a cycle, or the dates span more than the date table holds: the
        full path then says what is wrong, or schedules it.
    """
    header = columns.header
    size = columns.size
    light = size < NUMPY_THRESHOLD or (size < LIGHT_LIMIT and "numpy" not in sys.modules)
    network = _network(columns, light)
    axis = TimeAxis(header, calendar)
    duration = list(columns.duration)
    bounded = [
        (number, task)
        for number, task in columns.tasks.items()
        if task.constraint is not None
        or task.deadline is not None
        or task.actual_start is not None
        or task.actual_finish is not None
    ]
    inputs = bounded_inputs(
        duration, bounded, axis, header.status_date, header.finish_deadline, light=light
    )
    result = run_passes(network, inputs, axis, "python" if light else "auto")
    return _dated(columns, network, inputs, result, axis)


def _network(columns: PlanColumns, light: bool) -> CompiledNetwork:
    ids = columns.ids
    position: dict[str, int] = {}  # not needed by the passes; kept empty
    elapsed = columns.elapsed if columns.elapsed is not None else [False] * len(columns.source)
    if light:
        level, order, bounds = topological_levels_lists(len(ids), columns.source, columns.target)
        if len(order) < len(ids):
            raise NotColumnar("dependency cycle")
        return CompiledNetwork(
            ids,
            position,
            columns.source,
            columns.target,
            columns.code,
            columns.lag,
            elapsed,
            level,
            order,
            bounds,
        )
    import numpy as np

    source = np.asarray(columns.source, dtype=np.int64)
    target = np.asarray(columns.target, dtype=np.int64)
    level, order, bounds = topological_levels(len(ids), source, target)
    if order.size < len(ids):
        raise NotColumnar("dependency cycle")
    return CompiledNetwork(
        ids,
        position,
        source,
        target,
        np.asarray(columns.code, dtype=np.int64),
        np.asarray(columns.lag, dtype=np.int64),
        np.asarray(elapsed, dtype=np.bool_),
        level,
        order,
        bounds,
    )


def _dated(
    columns: PlanColumns,
    network: CompiledNetwork,
    inputs: PassInputs,
    result: PassResult,
    axis: TimeAxis,
) -> ColumnarSchedule:
    """Dates and warnings as ``wbs.cpm.build_schedule`` makes them, kept as table positions
    (NumPy arrays after the NumPy passes, lists after the light ones)."""
    early, late, duration = result.early_start, result.late_start, inputs.duration
    total, driving = result.total_float, result.driving_link
    finish = result.project_finish
    early_end: IntColumn
    late_end: IntColumn
    if isinstance(early, list):
        early_end = list(map(add, early, as_list(duration)))
        late_end = list(map(add, as_list(late), as_list(duration)))
        low = min(0, min(early, default=0), min(as_list(late), default=0))
        high = max(finish, max(early_end, default=0), max(late_end, default=0))
    else:
        late_array, duration_array = as_array(late), as_array(duration)
        early_end, late_end = early + duration_array, late_array + duration_array
        low = min(0, int(early.min(initial=0)), int(late_array.min(initial=0)))
        high = max(finish, int(early_end.max(initial=0)), int(late_end.max(initial=0)))
    converter = DateTable(axis, low, high)
    table = converter.table
    if table is None:
        raise NotColumnar("dates beyond the date table")
    base = converter.base
    early_start, early_finish = _shifted(early, -base), _shifted(early_end, -base - 1)
    late_start, late_finish = _shifted(late, -base), _shifted(late_end, -base - 1)
    shown_start, shown_finish = early_start, early_finish
    tasks = dict(columns.tasks)
    for number, length in enumerate(columns.duration):
        if length == 0 and number not in tasks:  # a milestone: its date's form needs the task
            tasks[number] = Task(columns.ids[number], columns.names[number], 0)
    codes, lags = as_list(network.code), as_list(network.lag)
    warnings: list[str] = []
    header = columns.header
    for number in sorted(tasks):
        task = tasks[number]
        length, start, late_start_at = int(duration[number]), int(early[number]), int(late[number])
        if task.constraint is not None or (length == 0 and task.is_milestone):
            link = int(driving[number])
            forms = shown_forms(task, length, start, late_start_at, link, codes, lags, False)
            shown, by_finish, by_start = forms
            row = date_positions(base, (shown, start, late_start_at, length), by_finish, by_start)
            if shown_start is early_start:
                shown_start, shown_finish = early_start.copy(), early_finish.copy()
            shown_start[number], shown_finish[number] = row[0], row[1]
            early_start[number], early_finish[number] = row[2], row[3]
            late_start[number], late_finish[number] = row[4], row[5]
        task_float = int(total[number])
        if task_float < 0 and _has_limit(task):
            warning = limit_warning(
                task,
                start + length,
                table[int(early_finish[number])],
                table[int(shown_finish[number])],
                task_float,
                header,
                axis,
            )
            if warning is not None:
                warnings.append(warning)
    if header.finish_deadline is not None:
        deadline = axis.index(header.finish_deadline, finish=True)
        if finish > deadline:
            warnings.append(
                f"the project finishes {_text(converter.at(finish, True))}, after "
                f"its deadline {_text(header.finish_deadline)}: "
                f"{_units(finish - deadline, 'day')} late"
            )
    if axis.calendar is not None:
        warnings.extend(axis.calendar.warnings)
    return ColumnarSchedule(
        columns,
        network,
        early,
        late,
        duration,
        total,
        result.free_float,
        driving,
        (shown_start, shown_finish, early_start, early_finish, late_start, late_finish),
        table,
        converter.at(0, False),
        converter.at(finish, finish > 0),
        finish,
        warnings,
        frozenset(number for number, task in columns.tasks.items() if _finished(task)),
    )


def _shifted(column: IntColumn, by: int) -> IntColumn:
    """``column + by``: a new list or array."""
    if isinstance(column, list):
        return [value + by for value in column]
    return column + by


def _rows(column: IntColumn | ObjectColumn | list[str], low: int, high: int) -> list[Any]:
    """Rows ``low:high`` of a column as a list."""
    part = column[low:high]
    return part if isinstance(part, list) else part.tolist()
