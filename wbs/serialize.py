"""A computed schedule as the contract's JSON object (``kampmo schedule``/``level``, the API).

The shape is fixed by CONTRACT.md::

    {"source": ..., "project_start": ..., "project_finish": ..., "duration": N,
     "unit": "day" | "minute" | "period",
     "tasks": [{"id", "name", "start", "finish", "early_start", "early_finish",
                "late_start", "late_finish", "total_float", "free_float", "critical",
                "driving_predecessor"}]}

Dates are ISO 8601: ``date`` -> ``"2027-01-04"``, naive ``datetime`` (minute plans) ->
``"2027-01-04T08:00:00"``; periods stay integers. Floats are in the plan's unit. A leveled
schedule (``makespan`` set) adds ``"makespan"`` and, per task, the ``"resources"`` it uses.

Example
-------
>>> from datetime import date
>>> from wbs.result import Schedule, TaskSchedule
>>> day = date(2027, 1, 4)
>>> task = TaskSchedule("t1", "Kick-off", day, day, day, day, day, day, 0, 0, True, None)
>>> schedule_to_contract(Schedule(day, day, 1, "day", [task]), "plan.json")["tasks"][0]["start"]
'2027-01-04'
"""

from __future__ import annotations

import json
from datetime import date, datetime
from json.encoder import encode_basestring
from typing import Any

from wbs.plan import PlanTime
from wbs.result import Schedule

_DATE_FIELDS = ("start", "finish", "early_start", "early_finish", "late_start", "late_finish")


class _TimeText:
    """Converts plan times to JSON values, remembering each one (dates repeat a lot)."""

    def __init__(self) -> None:
        self.seen: dict[PlanTime, str | int] = {}

    def __call__(self, value: PlanTime | None) -> str | int | None:
        if value is None:
            return None
        text = self.seen.get(value)
        if text is None:
            text = _time_value(value)
            self.seen[value] = text
        return text


def _time_value(value: PlanTime) -> str | int:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return int(value)


def schedule_to_contract(schedule: Schedule, source: str) -> dict[str, Any]:
    """The contract's JSON object (plain dict, ready for ``json.dumps``) of one schedule.

    Parameters
    ----------
    schedule:
        The result of ``wbs.cpm.schedule`` or ``wbs.level.level``.
    source:
        The input's path or name, echoed as ``"source"``.
    """
    as_text = _TimeText()
    leveled = schedule.makespan is not None
    tasks = []
    for task in schedule.tasks:
        row: dict[str, Any] = {
            "id": task.id,
            "name": task.name,
            "start": as_text(task.start),
            "finish": as_text(task.finish),
            "early_start": as_text(task.early_start),
            "early_finish": as_text(task.early_finish),
            "late_start": as_text(task.late_start),
            "late_finish": as_text(task.late_finish),
            "total_float": task.total_float,
            "free_float": task.free_float,
            "critical": task.critical,
            "driving_predecessor": task.driving_predecessor,
        }
        if leveled:
            row["resources"] = dict(task.resources)
        tasks.append(row)
    result: dict[str, Any] = {
        "source": source,
        "project_start": as_text(schedule.project_start),
        "project_finish": as_text(schedule.project_finish),
        "duration": schedule.duration,
        "unit": schedule.unit,
    }
    if leveled:
        result["makespan"] = schedule.makespan
    result["tasks"] = tasks
    if schedule.warnings:
        result["warnings"] = list(schedule.warnings)
    return result


_TASK_LINE = (
    '{"id":%s,"name":%s,"start":%s,"finish":%s,"early_start":%s,"early_finish":%s,'
    '"late_start":%s,"late_finish":%s,"total_float":%s,"free_float":%s,"critical":%s,'
    '"driving_predecessor":%s'
)


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class _EncodedTimes(dict[PlanTime | None, str]):
    """Plan time -> its JSON text, each distinct value encoded once (a C-level lookup after)."""

    def __init__(self) -> None:
        super().__init__({None: "null"})

    def __missing__(self, value: PlanTime) -> str:
        raw = _time_value(value)
        text = f'"{raw}"' if isinstance(raw, str) else str(raw)
        self[value] = text
        return text


def schedule_to_json_line(schedule: Schedule, source: str) -> str:
    """``schedule_to_contract`` already encoded as one compact JSON line (no newline).

    Equal to ``json.dumps(schedule_to_contract(...), ensure_ascii=False, separators=(",", ":"))``
    but about twice as fast on large plans: each task is formatted straight into text and
    each distinct date is encoded once.
    """
    encoded = _EncodedTimes()
    leveled = schedule.makespan is not None
    parts = []
    for task in schedule.tasks:
        driver = task.driving_predecessor
        total_float, free_float = task.total_float, task.free_float
        line = _TASK_LINE % (
            encode_basestring(task.id),
            encode_basestring(task.name),
            encoded[task.start],
            encoded[task.finish],
            encoded[task.early_start],
            encoded[task.early_finish],
            encoded[task.late_start],
            encoded[task.late_finish],
            str(total_float) if type(total_float) is int else _compact(total_float),
            str(free_float) if type(free_float) is int else _compact(free_float),
            "true" if task.critical else "false",
            "null" if driver is None else encode_basestring(driver),
        )
        if leveled:
            line += ',"resources":' + _compact(task.resources)
        parts.append(line + "}")
    head: dict[str, Any] = {
        "source": source,
        "project_start": _time_value(schedule.project_start),
        "project_finish": _time_value(schedule.project_finish),
        "duration": schedule.duration,
        "unit": schedule.unit,
    }
    if leveled:
        head["makespan"] = schedule.makespan
    tail = ',"warnings":' + _compact(list(schedule.warnings)) if schedule.warnings else ""
    return _compact(head)[:-1] + ',"tasks":[' + ",".join(parts) + "]" + tail + "}"


def error_to_contract(source: str, message: str) -> dict[str, str]:
    """The contract's line for an input that could not be scheduled."""
    return {"source": source, "error": message}
