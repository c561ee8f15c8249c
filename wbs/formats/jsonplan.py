"""kampmo's own JSON plan format (a day plan), documented by ``wbs/schemas/plan.schema.json``.

The core is fixed by CONTRACT.md::

    {"name": "...", "start": "2027-01-04", "calendar": "CN",
     "tasks": [{"id": "t1", "name": "...", "duration_days": 3, "parent": null,
                "resources": {"presales-1": 1}}],
     "links": [{"from": "t1", "to": "t2", "type": "FS", "lag_days": 0}],
     "resources": [{"id": "presales-1", "capacity": 1}]}

Optional extensions: plan ``status_date``, ``finish_deadline``, ``calendars``; task
``wbs_code``, ``summary``, ``milestone``, ``constraint`` (``{"type": "SNET", "date": ...}``),
``deadline``, ``calendar``, ``actual_start``, ``actual_finish``, ``percent_complete``,
``remaining_days``, ``owner``, ``role``, ``budget`` (a decimal string); link ``elapsed``
(``lag_days`` are calendar days); resource ``name``. A calendar is
``{"name", "base", "holidays_country", "weekly": {"mon": ["08:00-12:00", ...]},
"exceptions": {"2027-02-10": [], "2027-02-07": ["09:00-17:00"]}}``.

Validation errors name the field path: ``tasks[3].duration_days: must be >= 0``.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from wbs.formats.errors import FormatError
from wbs.plan import (
    CalendarSpec,
    Constraint,
    ConstraintType,
    Link,
    LinkType,
    Plan,
    PlanTime,
    Resource,
    Task,
)

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "plan.schema.json"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ELAPSED_DAY_MINUTES = 1440
_MONEY = re.compile(r"^-?\d{1,16}(\.\d{1,2})?$")
_INTERVAL = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_LINK_TYPES = {link_type.value: link_type for link_type in LinkType}
_CONSTRAINT_TYPES = {kind.value: kind for kind in ConstraintType}


def _fail(path: str, message: str) -> FormatError:
    return FormatError(f"{path}: {message}")


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(path, "must be an object")
    return value


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(path, "must be an array")
    return value


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise _fail(path, "must be a string")
    return value


def _optional_string(value: Any, path: str) -> str | None:
    return None if value is None else _string(value, path)


def _integer(value: Any, path: str, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(path, "must be an integer")
    if isinstance(value, float):
        if not value.is_integer():
            raise _fail(path, "must be a whole number")
        value = int(value)
    if minimum is not None and value < minimum:
        raise _fail(path, f"must be >= {minimum}")
    return int(value)


def _boolean(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(path, "must be true or false")
    return value


def _date(value: Any, path: str) -> date:
    text = _string(value, path)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _fail(path, f"must be an ISO date like 2027-01-04, not {text!r}") from None


def _optional_date(value: Any, path: str) -> date | None:
    return None if value is None else _date(value, path)


def _task_id(value: Any, path: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = _string(value, path)
    if not text:
        raise _fail(path, "must not be empty")
    return text


def _money(value: Any, path: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value).quantize(Decimal("0.01"))
    text = _string(value, path).strip()
    if not _MONEY.match(text):
        raise _fail(path, f"must be a decimal string with at most 2 decimals, not {text!r}")
    try:
        return Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise _fail(path, f"must be a decimal string, not {text!r}") from None


def _intervals(value: Any, path: str) -> tuple[tuple[int, int], ...]:
    intervals = []
    for position, item in enumerate(_list(value, path)):
        item_path = f"{path}[{position}]"
        match = _INTERVAL.match(_string(item, item_path))
        if not match:
            raise _fail(item_path, 'must look like "08:00-12:00"')
        start_h, start_m, end_h, end_m = (int(group) for group in match.groups())
        start, end = start_h * 60 + start_m, end_h * 60 + end_m
        if not (0 <= start < end <= 1440) or start_m > 59 or end_m > 59:
            raise _fail(item_path, "must be a time range within one day, start before end")
        intervals.append((start, end))
    return tuple(sorted(intervals))


def _calendar(value: Any, path: str) -> CalendarSpec:
    data = _object(value, path)
    name = _string(data.get("name"), f"{path}.name")
    weekly: dict[int, tuple[tuple[int, int], ...]] = {}
    for key, intervals in _object(data.get("weekly", {}), f"{path}.weekly").items():
        if key not in WEEKDAYS:
            raise _fail(f"{path}.weekly.{key}", f"must be one of {', '.join(WEEKDAYS)}")
        weekly[WEEKDAYS.index(key)] = _intervals(intervals, f"{path}.weekly.{key}")
    exceptions: dict[date, tuple[tuple[int, int], ...]] = {}
    for key, intervals in _object(data.get("exceptions", {}), f"{path}.exceptions").items():
        day = _date(key, f"{path}.exceptions.{key}")
        exceptions[day] = _intervals(intervals, f"{path}.exceptions.{key}")
    return CalendarSpec(
        name=name,
        weekly=weekly,
        exceptions=exceptions,
        holidays_country=_optional_string(data.get("holidays_country"), f"{path}.holidays_country"),
        base=_optional_string(data.get("base"), f"{path}.base"),
    )


def _constraint(value: Any, path: str) -> Constraint | None:
    if value is None:
        return None
    data = _object(value, path)
    kind = _CONSTRAINT_TYPES.get(str(data.get("type")))
    if kind is None:
        raise _fail(f"{path}.type", f"must be one of {', '.join(_CONSTRAINT_TYPES)}")
    moment = _optional_date(data.get("date"), f"{path}.date")
    if moment is None and kind not in (ConstraintType.ASAP, ConstraintType.ALAP):
        raise _fail(f"{path}.date", f"is required for {kind.value}")
    return Constraint(kind, moment)


def _task(value: Any, path: str) -> Task:
    data = _object(value, path)
    task_id = _task_id(data.get("id"), f"{path}.id")
    resources: dict[str, int] = {}
    for resource_id, units in _object(data.get("resources") or {}, f"{path}.resources").items():
        resources[resource_id] = _integer(units, f"{path}.resources.{resource_id}", 0)
    percent = data.get("percent_complete", 0)
    if isinstance(percent, bool) or not isinstance(percent, int | float) or not 0 <= percent <= 100:
        raise _fail(f"{path}.percent_complete", "must be a number from 0 to 100")
    remaining = data.get("remaining_days")
    milestone = data.get("milestone")
    return Task(
        id=task_id,
        name=_string(data.get("name", ""), f"{path}.name"),
        duration=_integer(data.get("duration_days", 0), f"{path}.duration_days", 0),
        parent=None if data.get("parent") is None else _task_id(data["parent"], f"{path}.parent"),
        is_summary=_boolean(data.get("summary", False), f"{path}.summary"),
        milestone=None if milestone is None else _boolean(milestone, f"{path}.milestone"),
        wbs_code=_optional_string(data.get("wbs_code"), f"{path}.wbs_code"),
        constraint=_constraint(data.get("constraint"), f"{path}.constraint"),
        deadline=_optional_date(data.get("deadline"), f"{path}.deadline"),
        calendar=_optional_string(data.get("calendar"), f"{path}.calendar"),
        actual_start=_optional_date(data.get("actual_start"), f"{path}.actual_start"),
        actual_finish=_optional_date(data.get("actual_finish"), f"{path}.actual_finish"),
        percent_complete=float(percent),
        remaining_duration=(
            None if remaining is None else _integer(remaining, f"{path}.remaining_days", 0)
        ),
        resources=resources,
        owner=_optional_string(data.get("owner"), f"{path}.owner"),
        role=_optional_string(data.get("role"), f"{path}.role"),
        budget=_money(data.get("budget"), f"{path}.budget"),
    )


def _link(value: Any, path: str, known: set[str]) -> Link:
    data = _object(value, path)
    ends = []
    for key in ("from", "to"):
        task_id = _task_id(data.get(key), f"{path}.{key}")
        if task_id not in known:
            raise _fail(f"{path}.{key}", f"unknown task {task_id!r}")
        ends.append(task_id)
    kind = _LINK_TYPES.get(data.get("type", "FS"))
    if kind is None:
        raise _fail(f"{path}.type", "must be one of FS, SS, FF, SF")
    lag_days = _integer(data.get("lag_days", 0), f"{path}.lag_days")
    elapsed = _boolean(data.get("elapsed", False), f"{path}.elapsed")
    lag = lag_days * ELAPSED_DAY_MINUTES if elapsed else lag_days
    return Link(ends[0], ends[1], kind, lag, elapsed)


def _resource(value: Any, path: str) -> Resource:
    data = _object(value, path)
    return Resource(
        id=_task_id(data.get("id"), f"{path}.id"),
        name=_string(data.get("name", ""), f"{path}.name"),
        capacity=_integer(data.get("capacity", 1), f"{path}.capacity", 0),
    )


def _tasks(items: list[Any]) -> list[Task]:
    """All tasks; the contract's core shape without resources takes a fast path (an ``id``
    plus only core keys: the count check rules out extension keys), anything else the
    checked one."""
    tasks = []
    for position, item in enumerate(items):
        if (
            type(item) is dict
            and len(item)
            == 1
            + ("name" in item)
            + ("duration_days" in item)
            + ("parent" in item)
            + ("resources" in item)
            and type(task_id := item.get("id")) is str
            and task_id
            and type(name := item.get("name", "")) is str
            and type(duration := item.get("duration_days", 0)) is int
            and duration >= 0
            and type(parent := item.get("parent")) in (str, type(None))
            and not item.get("resources")
        ):
            tasks.append(Task(task_id, name, duration, parent))
        else:
            tasks.append(_task(item, f"tasks[{position}]"))
    return tasks


_new_object = object.__new__
_link_slots: dict[str, Any] = dict(vars(Link))
_set_predecessor = _link_slots["predecessor"].__set__
_set_successor = _link_slots["successor"].__set__
_set_type = _link_slots["type"].__set__
_set_lag = _link_slots["lag"].__set__
_set_lag_elapsed = _link_slots["lag_elapsed"].__set__


def _plain_link(predecessor: str, successor: str, kind: LinkType, lag: int) -> Link:
    """``Link(predecessor, successor, kind, lag)``, built through its slots.

    A frozen dataclass's ``__init__`` pays for ``object.__setattr__`` on every field; writing
    the slots directly is about twice as fast, which matters for 200,000-link plans.
    """
    link: Link = _new_object(Link)
    _set_predecessor(link, predecessor)
    _set_successor(link, successor)
    _set_type(link, kind)
    _set_lag(link, lag)
    _set_lag_elapsed(link, False)
    return link


def _links(items: list[Any], known: set[str]) -> list[Link]:
    """All links; the full plain shape (from, to, type, lag_days) takes a fast path."""
    links = []
    for position, item in enumerate(items):
        if (
            type(item) is dict
            and len(item) == 4
            and "type" in item
            and "lag_days" in item
            and (predecessor := item.get("from")) in known
            and (successor := item.get("to")) in known
            and (kind := _LINK_TYPES.get(item.get("type", "FS"))) is not None
            and type(lag := item.get("lag_days", 0)) is int
        ):
            links.append(_plain_link(predecessor, successor, kind, lag))
        else:
            links.append(_link(item, f"links[{position}]", known))
    return links


def plan_from_json(data: Any) -> Plan:
    """Build a ``Plan`` from already-decoded JSON, validating it on the way.

    Raises
    ------
    FormatError
        Naming the first offending field path, e.g. ``tasks[3].duration_days: must be >= 0``.
    """
    root = _object(data, "plan")
    if "name" not in root:
        raise _fail("name", "is required")
    if "start" not in root:
        raise _fail("start", "is required")
    tasks = _tasks(_list(root.get("tasks"), "tasks"))
    known: set[str] = set()
    for position, task in enumerate(tasks):
        if task.id in known:
            raise _fail(f"tasks[{position}].id", f"duplicate task id {task.id!r}")
        known.add(task.id)
    for position, task in enumerate(tasks):
        if task.parent is not None and task.parent not in known:
            raise _fail(f"tasks[{position}].parent", f"unknown task {task.parent!r}")
    links = _links(_list(root.get("links", []), "links"), known)
    resources = [
        _resource(item, f"resources[{i}]")
        for i, item in enumerate(_list(root.get("resources", []), "resources"))
    ]
    calendars: dict[str, CalendarSpec] = {}
    for position, item in enumerate(_list(root.get("calendars", []), "calendars")):
        spec = _calendar(item, f"calendars[{position}]")
        calendars[spec.name] = spec
    return Plan(
        name=_string(root["name"], "name"),
        start=_date(root["start"], "start"),
        tasks=tasks,
        links=links,
        resources=resources,
        unit="day",
        calendar=_optional_string(root.get("calendar"), "calendar"),
        calendars=calendars,
        status_date=_optional_date(root.get("status_date"), "status_date"),
        finish_deadline=_optional_date(root.get("finish_deadline"), "finish_deadline"),
    )


def read_json_plan(path_or_bytes: str | Path | bytes) -> Plan:
    """Read and validate a kampmo JSON plan (a path, or the file's bytes).

    Raises
    ------
    FormatError
        For unreadable files, invalid JSON, or a field that breaks the schema.
    """
    if isinstance(path_or_bytes, bytes):
        content = path_or_bytes
    else:
        try:
            content = Path(path_or_bytes).read_bytes()
        except OSError as error:
            raise FormatError(f"cannot read {path_or_bytes}: {error.strerror}") from error
    try:
        data = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FormatError(f"not valid JSON: {error}") from None
    return plan_from_json(data)


def _time_text(value: PlanTime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()[:10]
    raise FormatError("a JSON plan holds dates; this plan has integer periods")


def _interval_texts(intervals: tuple[tuple[int, int], ...]) -> list[str]:
    return [f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in intervals]


def plan_to_json(plan: Plan) -> dict[str, Any]:
    """The JSON object of a day plan (optional fields only when set)."""
    if plan.unit != "day":
        raise FormatError(f"a JSON plan is a day plan; this one is in {plan.unit}s")
    result: dict[str, Any] = {"name": plan.name, "start": _time_text(plan.start)}
    if plan.calendar:
        result["calendar"] = plan.calendar
    for key in ("status_date", "finish_deadline"):
        if getattr(plan, key) is not None:
            result[key] = _time_text(getattr(plan, key))
    result["tasks"] = [_task_json(task) for task in plan.tasks]
    result["links"] = [_link_json(link) for link in plan.links]
    result["resources"] = [
        {"id": r.id, **({"name": r.name} if r.name else {}), "capacity": r.capacity}
        for r in plan.resources
    ]
    if plan.calendars:
        result["calendars"] = [_calendar_json(spec) for spec in plan.calendars.values()]
    return result


def _task_json(task: Task) -> dict[str, Any]:
    row: dict[str, Any] = {"id": task.id, "name": task.name, "duration_days": task.duration}
    if task.parent is not None:
        row["parent"] = task.parent
    if task.resources:
        row["resources"] = dict(task.resources)
    if task.is_summary:
        row["summary"] = True
    if task.milestone is not None:
        row["milestone"] = task.milestone
    if task.constraint is not None:
        row["constraint"] = {"type": task.constraint.type.value}
        if task.constraint.date is not None:
            row["constraint"]["date"] = _time_text(task.constraint.date)
    for key in ("wbs_code", "calendar", "owner", "role"):
        if getattr(task, key) is not None:
            row[key] = getattr(task, key)
    for key in ("deadline", "actual_start", "actual_finish"):
        if getattr(task, key) is not None:
            row[key] = _time_text(getattr(task, key))
    if task.percent_complete:
        row["percent_complete"] = task.percent_complete
    if task.remaining_duration is not None:
        row["remaining_days"] = task.remaining_duration
    if task.budget is not None:
        row["budget"] = str(task.budget.quantize(Decimal("0.01")))
    return row


def _link_json(link: Link) -> dict[str, Any]:
    row: dict[str, Any] = {"from": link.predecessor, "to": link.successor, "type": link.type.value}
    if link.lag_elapsed:
        if link.lag % ELAPSED_DAY_MINUTES:
            raise FormatError("a JSON plan holds elapsed lags in whole calendar days")
        row["lag_days"] = link.lag // ELAPSED_DAY_MINUTES
        row["elapsed"] = True
    else:
        row["lag_days"] = link.lag
    return row


def _calendar_json(spec: CalendarSpec) -> dict[str, Any]:
    row: dict[str, Any] = {"name": spec.name}
    if spec.base:
        row["base"] = spec.base
    if spec.holidays_country:
        row["holidays_country"] = spec.holidays_country
    row["weekly"] = {
        WEEKDAYS[day]: _interval_texts(intervals) for day, intervals in sorted(spec.weekly.items())
    }
    if spec.exceptions:
        row["exceptions"] = {
            day.isoformat(): _interval_texts(intervals)
            for day, intervals in sorted(spec.exceptions.items())
        }
    return row


def write_json_plan(plan: Plan) -> str:
    """A day plan as kampmo JSON text (UTF-8, Chinese kept as is, 2-space indent).

    Raises
    ------
    FormatError
        For minute or period plans, which the JSON plan format does not hold.
    """
    return json.dumps(plan_to_json(plan), ensure_ascii=False, indent=2) + "\n"
