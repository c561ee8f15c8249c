"""MS Project XML (MSPDI) in and out.

``read_mspdi`` turns an MSPDI file into a minute plan (``unit="minute"``): durations and lags
in working minutes (elapsed lags in calendar minutes with ``Link.lag_elapsed``), calendars as
``CalendarSpec``, WBS from the outline, constraints, deadlines, progress, resources and
assignments, costs as ``Decimal`` (MSPDI stores money in hundredths), and MS Project's own
computed dates and slack in ``task.extra["ms_project"]`` so that they can serve as an oracle.

``write_mspdi`` writes a plan back (optionally with a computed schedule's dates); a file read,
written and read again gives an equal ``Plan``.

Example
-------
>>> plan = read_mspdi("sample.xml")  # doctest: +SKIP
>>> plan.unit, plan.tasks[0].extra["ms_project"]["total_slack_minutes"]  # doctest: +SKIP
('minute', 0)
"""

from __future__ import annotations

import calendar as gregorian
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
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
from wbs.result import Schedule

NAMESPACE = "http://schemas.microsoft.com/project"
_NS = "{" + NAMESPACE + "}"

LINK_TYPES = {"0": LinkType.FF, "1": LinkType.FS, "2": LinkType.SF, "3": LinkType.SS}
LINK_TYPE_CODES = {link_type: code for code, link_type in LINK_TYPES.items()}
CONSTRAINT_TYPES = [
    ConstraintType.ASAP,
    ConstraintType.ALAP,
    ConstraintType.MSO,
    ConstraintType.MFO,
    ConstraintType.SNET,
    ConstraintType.SNLT,
    ConstraintType.FNET,
    ConstraintType.FNLT,
]
# Duration and lag formats: 3 m, 4 em, 5 h, 6 eh, 7 d, 8 ed, 9 w, 10 ew, 11 mo, 12 emo,
# 19 %, 20 e%, 21 null; 35 and up are the estimated ("?") variants of the same units.
ELAPSED_FORMATS = frozenset({4, 6, 8, 10, 12, 20})
PERCENT_FORMATS = frozenset({19, 20})
ESTIMATED_OFFSET = 32
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
DEFAULT_WORKING_TIMES = ((480, 720), (780, 1020))

_NUMBER = r"-?\d+(?:\.\d+)?"
_DURATION = re.compile(
    rf"^(?P<sign>-)?P(?:(?P<years>{_NUMBER})Y)?(?:(?P<months>{_NUMBER})M)?"
    rf"(?:(?P<days>{_NUMBER})D)?"
    rf"(?:T(?:(?P<hours>{_NUMBER})H)?(?:(?P<minutes>{_NUMBER})M)?(?:(?P<seconds>{_NUMBER})S)?)?$"
)


# --------------------------------------------------------------------------- value parsing


def parse_duration_minutes(text: str | None) -> int:
    """Minutes in an MSPDI duration such as ``PT8H0M0S`` or ``-PT4H30M0S`` (rounded).

    Raises
    ------
    FormatError
        When the text is not an ISO 8601 duration.
    """
    if not text:
        return 0
    match = _DURATION.match(text.strip())
    if not match:
        raise FormatError(f"MSPDI: bad duration {text!r}")
    parts = {
        key: float(value) for key, value in match.groupdict().items() if value and key != "sign"
    }
    minutes = (
        parts.get("years", 0.0) * 365 * 1440
        + parts.get("months", 0.0) * 30 * 1440
        + parts.get("days", 0.0) * 1440
        + parts.get("hours", 0.0) * 60
        + parts.get("minutes", 0.0)
        + parts.get("seconds", 0.0) / 60
    )
    rounded = round(minutes)
    return -rounded if match.group("sign") else rounded


def format_duration(minutes: int) -> str:
    """The MSPDI form of a number of minutes: ``PT8H0M0S``."""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}PT{hours}H{rest}M0S"


def _datetime(text: str | None, where: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise FormatError(f"MSPDI {where}: bad date-time {text!r}") from None


def _money(text: str | None, where: str) -> Decimal | None:
    """MSPDI money is in hundredths of the currency unit (``80000.00`` = 800.00)."""
    if text is None or not text.strip():
        return None
    try:
        return (Decimal(text.strip()) / HUNDRED).quantize(CENT)
    except InvalidOperation:
        raise FormatError(f"MSPDI {where}: bad amount {text!r}") from None


def _decimal(text: str | None, where: str) -> Decimal | None:
    if text is None or not text.strip():
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        raise FormatError(f"MSPDI {where}: bad number {text!r}") from None


def _int(text: str | None, where: str, default: int = 0) -> int:
    if text is None or not text.strip():
        return default
    try:
        return int(text.strip())
    except ValueError:
        try:
            return round(float(text.strip()))
        except ValueError:
            raise FormatError(f"MSPDI {where}: bad integer {text!r}") from None


def _clock_minutes(text: str | None, *, is_end: bool) -> int:
    """Minutes after midnight of ``08:00:00``; an end of ``00:00:00`` is midnight (1440)."""
    if not text:
        return 0
    try:
        hours, minutes, *_ = (int(part) for part in text.strip().split(":"))
    except ValueError:
        raise FormatError(f"MSPDI: bad time {text!r}") from None
    value = hours * 60 + minutes
    return 1440 if is_end and value == 0 else value


def _fields(element: ET.Element) -> dict[str, str]:
    """The element's simple children as tag -> text (the namespace removed)."""
    return {child.tag.removeprefix(_NS): child.text or "" for child in element if len(child) == 0}


def _children(element: ET.Element | None, *path: str) -> Iterator[ET.Element]:
    if element is None:
        return iter(())
    return iter(element.findall("/".join(_NS + part for part in path)))


# --------------------------------------------------------------------------- reading


def _parse(content: bytes) -> ET.Element:
    head = content[:2048]
    if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in content:
        raise FormatError("MSPDI: document type declarations are not allowed")
    try:
        root = ET.fromstring(content)  # noqa: S314 - no DTD/entities reach the parser
    except ET.ParseError as error:
        raise FormatError(f"MSPDI: not well-formed XML ({error})") from None
    if root.tag != _NS + "Project":
        raise FormatError("MSPDI: the root element is not a MS Project <Project>")
    return root


def read_mspdi(path_or_bytes: str | Path | bytes) -> Plan:
    """Read an MS Project XML (MSPDI) file into a minute plan.

    Parameters
    ----------
    path_or_bytes:
        A file path or the file's bytes.

    Returns
    -------
    Plan
        ``unit="minute"``; task ids are MS Project ``UID`` strings.

    Raises
    ------
    FormatError
        When the file is not MSPDI or holds a value that cannot be read.
    """
    if isinstance(path_or_bytes, bytes):
        content = path_or_bytes
    else:
        try:
            content = Path(path_or_bytes).read_bytes()
        except OSError as error:
            raise FormatError(f"cannot read {path_or_bytes}: {error.strerror}") from error
    return _read_root(_parse(content))


def _read_root(root: ET.Element) -> Plan:
    project = _fields(root)
    calendars, names_by_uid = _read_calendars(root.find(_NS + "Calendars"))
    resources = _read_resources(root.find(_NS + "Resources"))
    tasks, raw_links = _read_tasks(root.find(_NS + "Tasks"), names_by_uid)
    _attach_assignments(root.find(_NS + "Assignments"), tasks, {r.id for r in resources})
    links = _resolve_links(raw_links, tasks)

    start = _datetime(project.get("StartDate"), "StartDate")
    if start is None:
        starts = [t.extra["ms_project"]["start"] for t in tasks if t.extra["ms_project"]["start"]]
        start = min(starts) if starts else datetime(2000, 1, 3, 8)
    extra: dict[str, Any] = {"format": "mspdi"}
    for key, target in (
        ("Title", "title"),
        ("Author", "author"),
        ("Company", "company"),
        ("CurrencyCode", "currency_code"),
        ("CurrencySymbol", "currency_symbol"),
    ):
        if project.get(key):
            extra[target] = project[key]
    for key, target, default in (
        ("MinutesPerDay", "minutes_per_day", 480),
        ("MinutesPerWeek", "minutes_per_week", 2400),
        ("DaysPerMonth", "days_per_month", 20),
    ):
        extra[target] = _int(project.get(key), key, default)
    finish = _datetime(project.get("FinishDate"), "FinishDate")
    if finish is not None:
        extra["ms_project_finish"] = finish
    calendar_uid = project.get("CalendarUID", "")
    return Plan(
        name=project.get("Name") or project.get("Title") or "MS Project plan",
        start=start,
        tasks=tasks,
        links=links,
        resources=resources,
        unit="minute",
        calendar=names_by_uid.get(calendar_uid),
        calendars=calendars,
        status_date=_datetime(project.get("StatusDate"), "StatusDate"),
        extra=extra,
    )


def _read_tasks(
    element: ET.Element | None, calendar_names: dict[str, str]
) -> tuple[list[Task], list[tuple[str, str, dict[str, str]]]]:
    tasks: list[Task] = []
    raw_links: list[tuple[str, str, dict[str, str]]] = []
    outline: list[tuple[int, str]] = []  # the open ancestors: (outline level, task id)
    for task_element in _children(element, "Task"):
        fields = _fields(task_element)
        uid = fields.get("UID", "").strip()
        level = _int(fields.get("OutlineLevel"), "OutlineLevel", 1)
        if not uid or fields.get("IsNull") == "1" or uid == "0" or level == 0:
            continue
        where = f"task {uid}"
        while outline and outline[-1][0] >= level:
            outline.pop()
        task = _read_task(task_element, fields, where, calendar_names)
        task.parent = outline[-1][1] if outline else None
        outline.append((level, uid))
        tasks.append(task)
        for link_element in _children(task_element, "PredecessorLink"):
            raw_links.append((uid, where, _fields(link_element)))
    return tasks, raw_links


def _read_task(
    element: ET.Element, fields: dict[str, str], where: str, calendar_names: dict[str, str]
) -> Task:
    uid = fields["UID"].strip()
    duration_format = _int(fields.get("DurationFormat"), f"{where} DurationFormat", 7)
    unit_format = duration_format - ESTIMATED_OFFSET if duration_format > 32 else duration_format
    constraint_code = _int(fields.get("ConstraintType"), f"{where} ConstraintType")
    if not 0 <= constraint_code < len(CONSTRAINT_TYPES):
        raise FormatError(f"MSPDI {where}: unknown ConstraintType {constraint_code}")
    constraint = None
    if constraint_code or fields.get("ConstraintDate"):
        constraint = Constraint(
            CONSTRAINT_TYPES[constraint_code],
            _datetime(fields.get("ConstraintDate"), f"{where} ConstraintDate"),
        )
    remaining = fields.get("RemainingDuration")
    percent = _decimal(fields.get("PercentComplete"), f"{where} PercentComplete")
    extra: dict[str, Any] = {
        "ms_project": _ms_project_values(fields, where),
        "duration_format": duration_format,
    }
    if unit_format in ELAPSED_FORMATS:
        extra["duration_elapsed"] = True
    if fields.get("Estimated") == "1" or duration_format > 32:
        extra["estimated"] = True
    if fields.get("Manual") == "1":
        extra["manual"] = True
    for key, target in (
        ("Cost", "cost"),
        ("FixedCost", "fixed_cost"),
        ("ActualCost", "actual_cost"),
        ("RemainingCost", "remaining_cost"),
        ("ACWP", "acwp"),
        ("BCWS", "bcws"),
        ("BCWP", "bcwp"),
    ):
        amount = _money(fields.get(key), f"{where} {key}")
        if amount is not None:
            extra[target] = amount
    if fields.get("Work"):
        extra["work_minutes"] = parse_duration_minutes(fields["Work"])
    if fields.get("Notes"):
        extra["notes"] = fields["Notes"]
    baselines = _read_baselines(element, where)
    if baselines:
        extra["baselines"] = baselines
    budget = baselines.get(0, {}).get("cost", extra.get("cost"))
    return Task(
        id=uid,
        name=fields.get("Name", ""),
        duration=parse_duration_minutes(fields.get("Duration")),
        is_summary=fields.get("Summary") == "1",
        milestone=fields.get("Milestone") == "1",
        wbs_code=fields.get("WBS") or fields.get("OutlineNumber") or None,
        constraint=constraint,
        deadline=_datetime(fields.get("Deadline"), f"{where} Deadline"),
        calendar=calendar_names.get(fields.get("CalendarUID", "")),
        actual_start=_datetime(fields.get("ActualStart"), f"{where} ActualStart"),
        actual_finish=_datetime(fields.get("ActualFinish"), f"{where} ActualFinish"),
        percent_complete=float(percent) if percent is not None else 0.0,
        # a negative remaining duration (some writers store one) means nothing remains
        remaining_duration=max(parse_duration_minutes(remaining), 0) if remaining else None,
        budget=budget,
        extra=extra,
    )


def _ms_project_values(fields: dict[str, str], where: str) -> dict[str, Any]:
    """MS Project's own schedule: absent slack fields mean 0 (converters drop zeros)."""
    return {
        "start": _datetime(fields.get("Start"), f"{where} Start"),
        "finish": _datetime(fields.get("Finish"), f"{where} Finish"),
        "early_start": _datetime(fields.get("EarlyStart"), f"{where} EarlyStart"),
        "early_finish": _datetime(fields.get("EarlyFinish"), f"{where} EarlyFinish"),
        "late_start": _datetime(fields.get("LateStart"), f"{where} LateStart"),
        "late_finish": _datetime(fields.get("LateFinish"), f"{where} LateFinish"),
        "total_slack_minutes": round(_int(fields.get("TotalSlack"), f"{where} TotalSlack") / 10),
        "free_slack_minutes": round(_int(fields.get("FreeSlack"), f"{where} FreeSlack") / 10),
        "critical": fields.get("Critical") == "1",
    }


def _read_baselines(element: ET.Element, where: str) -> dict[int, dict[str, Any]]:
    baselines: dict[int, dict[str, Any]] = {}
    for baseline_element in _children(element, "Baseline"):
        fields = _fields(baseline_element)
        number = _int(fields.get("Number"), f"{where} Baseline/Number")
        values: dict[str, Any] = {}
        for key, target in (("Start", "start"), ("Finish", "finish")):
            moment = _datetime(fields.get(key), f"{where} Baseline/{key}")
            if moment is not None:
                values[target] = moment
        for key, target in (("Duration", "duration_minutes"), ("Work", "work_minutes")):
            if fields.get(key):
                values[target] = parse_duration_minutes(fields[key])
        cost = _money(fields.get("Cost"), f"{where} Baseline/Cost")
        if cost is not None:
            values["cost"] = cost
        if values:
            baselines[number] = values
    return baselines


def _resolve_links(
    raw_links: list[tuple[str, str, dict[str, str]]], tasks: list[Task]
) -> list[Link]:
    durations = {task.id: task.duration for task in tasks}
    by_id = {task.id: task for task in tasks}
    links: list[Link] = []
    for successor, where, fields in raw_links:
        predecessor = fields.get("PredecessorUID", "").strip()
        if fields.get("CrossProject") == "1" or predecessor not in durations:
            continue  # an external or deleted predecessor: MS Project ignores it too
        code = fields.get("Type", "1").strip() or "1"
        if code not in LINK_TYPES:
            raise FormatError(f"MSPDI {where}: unknown PredecessorLink Type {code}")
        lag_format = _int(fields.get("LagFormat"), f"{where} LagFormat", 7)
        unit_format = lag_format - ESTIMATED_OFFSET if lag_format > 32 else lag_format
        raw_lag = _int(fields.get("LinkLag"), f"{where} LinkLag")
        if unit_format in PERCENT_FORMATS:
            # Percent lags hold the percentage itself, of the predecessor's duration.
            lag = round(durations[predecessor] * raw_lag / 100)
        else:
            lag = round(raw_lag / 10)
        link = Link(
            predecessor=predecessor,
            successor=successor,
            type=LINK_TYPES[code],
            lag=lag,
            lag_elapsed=unit_format in ELAPSED_FORMATS,
        )
        links.append(link)
        if raw_lag or lag_format != 7:
            # the file's own LinkLag and LagFormat (a percentage, weeks, elapsed days...):
            # written back as they were while the lag in minutes is still the same
            by_id[successor].extra.setdefault("link_lags", {})[predecessor] = {
                "link_lag": raw_lag,
                "lag_format": lag_format,
                "lag": lag,
            }
    return links


def _read_resources(element: ET.Element | None) -> list[Resource]:
    resources: list[Resource] = []
    for resource_element in _children(element, "Resource"):
        fields = _fields(resource_element)
        uid = fields.get("UID", "").strip()
        if not uid or uid == "0" or fields.get("IsNull") == "1":
            continue
        max_units = _decimal(fields.get("MaxUnits"), f"resource {uid} MaxUnits")
        capacity = math.ceil(max_units) if max_units is not None and max_units > 0 else 1
        resources.append(Resource(id=uid, name=fields.get("Name", ""), capacity=capacity))
    return resources


def _attach_assignments(
    element: ET.Element | None, tasks: list[Task], resource_ids: set[str]
) -> None:
    by_id = {task.id: task for task in tasks}
    for assignment_element in _children(element, "Assignment"):
        fields = _fields(assignment_element)
        task = by_id.get(fields.get("TaskUID", "").strip())
        resource = fields.get("ResourceUID", "").strip()
        if task is None or resource not in resource_ids:
            continue  # unassigned (-65535) or a null task
        where = f"assignment {fields.get('UID', '?')}"
        units = _decimal(fields.get("Units"), f"{where} Units")
        units = Decimal(1) if units is None else units
        record: dict[str, Any] = {"uid": fields.get("UID", "").strip(), "resource": resource}
        record["units"] = units
        for key, target in (
            ("Cost", "cost"),
            ("ActualCost", "actual_cost"),
            ("RemainingCost", "remaining_cost"),
            ("ACWP", "acwp"),
            ("BCWS", "bcws"),
            ("BCWP", "bcwp"),
        ):
            amount = _money(fields.get(key), f"{where} {key}")
            if amount is not None:
                record[target] = amount
        for key, target in (("Work", "work_minutes"), ("ActualWork", "actual_work_minutes")):
            if fields.get(key):
                record[target] = parse_duration_minutes(fields[key])
        baselines = _read_baselines(assignment_element, where)
        if baselines:
            record["baselines"] = baselines
        task.extra.setdefault("assignments", []).append(record)
        if units > 0:
            task.resources[resource] = task.resources.get(resource, 0) + math.ceil(units)


# --------------------------------------------------------------------------- calendars


def _read_calendars(
    element: ET.Element | None,
) -> tuple[dict[str, CalendarSpec], dict[str, str]]:
    """All calendars by unique name, and the name of each calendar ``UID``."""
    raw: list[tuple[str, dict[str, str], ET.Element]] = []
    names_by_uid: dict[str, str] = {}
    for calendar_element in _children(element, "Calendar"):
        fields = _fields(calendar_element)
        uid = fields.get("UID", "").strip()
        name = fields.get("Name") or f"Calendar {uid}"
        if name in names_by_uid.values():
            name = f"{name} ({uid})"
        names_by_uid[uid] = name
        raw.append((uid, fields, calendar_element))
    calendars: dict[str, CalendarSpec] = {}
    for uid, fields, calendar_element in raw:
        name = names_by_uid[uid]
        base = names_by_uid.get(fields.get("BaseCalendarUID", "").strip())
        weekly, exceptions = _read_week_days(calendar_element, name)
        exceptions.update(_read_exceptions(calendar_element, name))
        if base is None and fields.get("IsBaseCalendar") == "1" and not weekly:
            weekly = {day: DEFAULT_WORKING_TIMES for day in range(5)}
            weekly.update({5: (), 6: ()})
        calendars[name] = CalendarSpec(name=name, weekly=weekly, exceptions=exceptions, base=base)
    return calendars, names_by_uid


def _working_times(element: ET.Element) -> tuple[tuple[int, int], ...]:
    intervals = []
    for working_time in _children(element, "WorkingTimes", "WorkingTime"):
        fields = _fields(working_time)
        start = _clock_minutes(fields.get("FromTime"), is_end=False)
        end = _clock_minutes(fields.get("ToTime"), is_end=True)
        if end > start:
            intervals.append((start, end))
    return tuple(sorted(intervals))


def _read_week_days(
    element: ET.Element, name: str
) -> tuple[dict[int, tuple[tuple[int, int], ...]], dict[date, tuple[tuple[int, int], ...]]]:
    weekly: dict[int, tuple[tuple[int, int], ...]] = {}
    exceptions: dict[date, tuple[tuple[int, int], ...]] = {}
    for week_day in _children(element, "WeekDays", "WeekDay"):
        fields = _fields(week_day)
        day_type = _int(fields.get("DayType"), f"calendar {name} DayType")
        working = fields.get("DayWorking") == "1"
        intervals = _working_times(week_day) if working else ()
        if working and not intervals:
            intervals = DEFAULT_WORKING_TIMES
        if 1 <= day_type <= 7:
            weekly[(day_type + 5) % 7] = intervals  # DayType 1 = Sunday .. 7 = Saturday
        elif day_type == 0:  # an old-style exception: a date range with its own hours
            first, last = _period(week_day, name)
            for day in _date_range(first, last):
                exceptions[day] = intervals
    return weekly, exceptions


def _period(element: ET.Element, name: str) -> tuple[date, date]:
    period = element.find(_NS + "TimePeriod")
    fields = _fields(period) if period is not None else {}
    first = _datetime(fields.get("FromDate"), f"calendar {name} FromDate")
    last = _datetime(fields.get("ToDate"), f"calendar {name} ToDate")
    if first is None or last is None:
        raise FormatError(f"MSPDI calendar {name}: an exception without its TimePeriod")
    return first.date(), last.date()


def _date_range(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _read_exceptions(element: ET.Element, name: str) -> dict[date, tuple[tuple[int, int], ...]]:
    """MSPDI 2007+ ``<Exceptions>``, recurring ones expanded to their dates."""
    exceptions: dict[date, tuple[tuple[int, int], ...]] = {}
    for exception in _children(element, "Exceptions", "Exception"):
        fields = _fields(exception)
        working = fields.get("DayWorking") == "1"
        intervals = _working_times(exception) if working else ()
        if working and not intervals:
            intervals = DEFAULT_WORKING_TIMES
        first, last = _period(exception, name)
        for day in _recurrence_dates(fields, first, last, name):
            exceptions[day] = intervals
    return exceptions


def _nth_weekday(year: int, month: int, item: int, position: int) -> date | None:
    """The ``position``-th (0-based, 4 = last) day of kind ``item`` in a month.

    ``item``: 0 day, 1 weekday, 2 weekend day, 3..9 Sunday..Saturday (MSPDI MonthItem).
    """
    days_in_month = gregorian.monthrange(year, month)[1]
    candidates = []
    for day_number in range(1, days_in_month + 1):
        day = date(year, month, day_number)
        weekday = day.weekday()
        if (
            item == 0
            or (item == 1 and weekday < 5)
            or (item == 2 and weekday >= 5)
            or (item >= 3 and weekday == (item - 3 + 6) % 7)
        ):
            candidates.append(day)
    if not candidates:
        return None
    if position >= 4:
        return candidates[-1]
    return candidates[position] if position < len(candidates) else None


def _recurrence_dates(fields: dict[str, str], first: date, last: date, name: str) -> list[date]:
    kind = _int(fields.get("Type"), f"calendar {name} exception Type", 1)
    period = max(1, _int(fields.get("Period"), f"calendar {name} Period", 1))
    limit = _int(fields.get("Occurrences"), f"calendar {name} Occurrences", 0) or 100_000
    dates: list[date] = []
    if kind == 1:  # daily: every day of the range
        dates = list(_date_range(first, last))
    elif kind == 7:  # every ``period`` days
        dates = [d for d in _date_range(first, last) if (d - first).days % period == 0]
    elif kind == 6:  # weekly on a bit mask of weekdays (1 = Sunday .. 64 = Saturday)
        mask = _int(fields.get("DaysOfWeek"), f"calendar {name} DaysOfWeek", 0)
        week_start = first - timedelta(days=(first.weekday() + 1) % 7)  # the Sunday before
        dates = [
            d
            for d in _date_range(first, last)
            if ((d - week_start).days // 7) % period == 0 and mask & (1 << ((d.weekday() + 1) % 7))
        ]
    elif kind in (2, 3, 4, 5):
        dates = _monthly_dates(kind, fields, first, last, period, name)
    return [d for d in dates if first <= d <= last][:limit]


def _monthly_dates(
    kind: int, fields: dict[str, str], first: date, last: date, period: int, name: str
) -> list[date]:
    yearly = kind in (2, 3)
    step = 12 if yearly else period
    month_day = _int(fields.get("MonthDay"), f"calendar {name} MonthDay", 1)
    item = _int(fields.get("MonthItem"), f"calendar {name} MonthItem", 0)
    position = _int(fields.get("MonthPosition"), f"calendar {name} MonthPosition", 0)
    year, month = first.year, first.month
    if yearly:
        month = _int(fields.get("Month"), f"calendar {name} Month", 0) + 1  # 0 = January
        if month < first.month:
            year += 1
    dates: list[date] = []
    while date(year, month, 1) <= last:
        if kind in (2, 4):
            if month_day <= gregorian.monthrange(year, month)[1]:
                dates.append(date(year, month, month_day))
        else:
            found = _nth_weekday(year, month, item, position)
            if found is not None:
                dates.append(found)
        month += step
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return dates


# --------------------------------------------------------------------------- writing


def _as_datetime(value: PlanTime | None, minutes_of_day: int = 480) -> datetime | None:
    if value is None or isinstance(value, int):
        return None
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time()) + timedelta(minutes=minutes_of_day)


_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _cents(amount: Decimal) -> str:
    return str((amount * HUNDRED).quantize(CENT))


class _Writer:
    """Builds the XML text; ``scale`` turns the plan's unit into minutes (a day = 480)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.minutes_per_day = int(plan.extra.get("minutes_per_day", 480))
        self.scale = 1 if plan.unit == "minute" else self.minutes_per_day
        self.parts: list[str] = []

    def element(self, tag: str, value: object) -> None:
        text = _XML_FORBIDDEN.sub("", str(value))  # control characters are not XML
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        self.parts.append(f"<{tag}>{text}</{tag}>")

    def open(self, tag: str) -> None:
        self.parts.append(f"<{tag}>")

    def close(self, tag: str) -> None:
        self.parts.append(f"</{tag}>")


def write_mspdi(plan: Plan, schedule: Schedule | None = None) -> bytes:
    """Write a plan as MS Project XML (MSPDI).

    Day plans are written with 480-minute days starting at 08:00; period plans cannot be
    written (they have no calendar). With ``schedule``, its dates and floats are written as
    the tasks' ``Start``/``Finish``/``EarlyStart``/... and ``TotalSlack``/``FreeSlack``.

    Raises
    ------
    FormatError
        For a period plan.
    """
    if plan.unit == "period":
        raise FormatError("MSPDI needs calendar dates: a period plan cannot be written")
    writer = _Writer(plan)
    writer.parts.append(
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Project xmlns="{NAMESPACE}">'
    )
    header = _Values(SaveVersion="14", Name=plan.name)
    for key, tag in (
        ("title", "Title"),
        ("company", "Company"),
        ("author", "Author"),
        ("currency_symbol", "CurrencySymbol"),
        ("currency_code", "CurrencyCode"),
    ):
        if key in plan.extra:
            header[tag] = str(plan.extra[key])
    header["ScheduleFromStart"] = "1"
    header.moment("StartDate", plan.start)
    if schedule is not None:
        header.moment("FinishDate", schedule.project_finish, 1020)
    elif isinstance(plan.extra.get("ms_project_finish"), datetime):
        header.moment("FinishDate", plan.extra["ms_project_finish"])
    calendars = plan.calendars or _built_in_calendars(plan, schedule)
    calendars = {name: _with_holidays(spec, plan, schedule) for name, spec in calendars.items()}
    calendar_uids = {name: str(number) for number, name in enumerate(calendars, start=1)}
    project_calendar = plan.calendar if plan.calendar in calendar_uids else None
    if project_calendar is not None or not plan.calendars:
        header["CalendarUID"] = calendar_uids[project_calendar or next(iter(calendars))]
    header["MinutesPerDay"] = str(writer.minutes_per_day)
    header["MinutesPerWeek"] = str(int(plan.extra.get("minutes_per_week", 2400)))
    header["DaysPerMonth"] = str(int(plan.extra.get("days_per_month", 20)))
    header.moment("StatusDate", plan.status_date, 1020)
    for tag in PROJECT_ORDER:
        if tag in header:
            writer.element(tag, header[tag])
    _write_calendars(writer, calendars, calendar_uids)
    _write_tasks(writer, calendar_uids, schedule)
    _write_resources(writer)
    _write_assignments(writer)
    writer.parts.append("</Project>\n")
    return "".join(writer.parts).encode("utf-8")


PROJECT_ORDER = [
    "SaveVersion",
    "Name",
    "Title",
    "Company",
    "Author",
    "ScheduleFromStart",
    "StartDate",
    "FinishDate",
    "CurrencySymbol",
    "CurrencyCode",
    "CalendarUID",
    "MinutesPerDay",
    "MinutesPerWeek",
    "DaysPerMonth",
    "StatusDate",
]
STANDARD = CalendarSpec(
    name="Standard",
    weekly={**{day: DEFAULT_WORKING_TIMES for day in range(5)}, 5: (), 6: ()},
)


def _built_in_calendars(plan: Plan, schedule: Schedule | None) -> dict[str, CalendarSpec]:
    """MS Project needs its calendar spelled out: a built-in one ("CN", "US", ...) becomes the
    standard week plus its holidays and make-up working days as exceptions, over the plan's
    span (at least two years from its start)."""
    name = plan.calendar
    if not name or name.lower() in ("standard", "default") or not isinstance(plan.start, date):
        return {STANDARD.name: STANDARD}
    from wbs.calendar import CalendarError, WorkCalendar

    try:
        calendar = WorkCalendar.named(name, "day")
    except CalendarError:
        return {STANDARD.name: STANDARD}
    first = plan.start if not isinstance(plan.start, datetime) else plan.start.date()
    last = first + timedelta(days=2 * 366)
    if schedule is not None and isinstance(schedule.project_finish, date):
        finish = schedule.project_finish
        last = max(last, finish.date() if isinstance(finish, datetime) else finish)
    exceptions: dict[date, tuple[tuple[int, int], ...]] = {}
    for day in _date_range(first, last):
        working = calendar.is_working_day(day)
        if working != (day.weekday() < 5):
            exceptions[day] = DEFAULT_WORKING_TIMES if working else ()
    return {name: CalendarSpec(name=name, weekly=STANDARD.weekly, exceptions=exceptions)}


def _with_holidays(spec: CalendarSpec, plan: Plan, schedule: Schedule | None) -> CalendarSpec:
    """A calendar that takes a country's holidays ("CN") with them spelled out as exceptions
    (MSPDI has no holiday country), over the plan's span; its own exceptions win."""
    if not spec.holidays_country or not isinstance(plan.start, date):
        return spec
    from wbs.calendar import CalendarError, WorkCalendar

    try:
        country = WorkCalendar.named(spec.holidays_country, "day")
    except CalendarError:
        return spec
    first = plan.start if not isinstance(plan.start, datetime) else plan.start.date()
    last = first + timedelta(days=2 * 366)
    if schedule is not None and isinstance(schedule.project_finish, date):
        finish = schedule.project_finish
        last = max(last, finish.date() if isinstance(finish, datetime) else finish)
    week = spec.weekly or STANDARD.weekly
    hours = next((spans for spans in week.values() if spans), DEFAULT_WORKING_TIMES)
    exceptions: dict[date, tuple[tuple[int, int], ...]] = {}
    for day in _date_range(first, last):
        usual = bool(week.get(day.weekday(), ()))
        weekend = day.weekday() >= 5
        if country.is_working_day(day) == (not weekend):
            continue  # neither a holiday nor a make-up working day
        if weekend and not usual:
            exceptions[day] = hours  # a make-up working day (调休)
        elif not weekend and usual:
            exceptions[day] = ()  # a holiday
    exceptions.update(spec.exceptions)
    return CalendarSpec(name=spec.name, weekly=dict(week), exceptions=exceptions, base=spec.base)


def _write_working_times(writer: _Writer, intervals: tuple[tuple[int, int], ...]) -> None:
    writer.element("DayWorking", 1 if intervals else 0)
    if not intervals:
        return
    writer.open("WorkingTimes")
    for start, end in intervals:
        writer.open("WorkingTime")
        writer.element("FromTime", f"{start // 60:02d}:{start % 60:02d}:00")
        end_clock = end % 1440
        writer.element("ToTime", f"{end_clock // 60:02d}:{end_clock % 60:02d}:00")
        writer.close("WorkingTime")
    writer.close("WorkingTimes")


def _write_calendars(
    writer: _Writer, calendars: dict[str, CalendarSpec], calendar_uids: dict[str, str]
) -> None:
    writer.open("Calendars")
    for name, spec in calendars.items():
        writer.open("Calendar")
        writer.element("UID", calendar_uids[name])
        writer.element("Name", spec.name)
        writer.element("IsBaseCalendar", 1 if spec.base is None and spec.weekly else 0)
        writer.element("BaseCalendarUID", calendar_uids.get(spec.base or "", "-1"))
        writer.open("WeekDays")
        for weekday, intervals in sorted(spec.weekly.items()):
            writer.open("WeekDay")
            writer.element("DayType", (weekday + 1) % 7 + 1)
            _write_working_times(writer, intervals)
            writer.close("WeekDay")
        writer.close("WeekDays")
        if spec.exceptions:
            writer.open("Exceptions")
            for day, intervals in sorted(spec.exceptions.items()):
                writer.open("Exception")
                writer.element("EnteredByOccurrences", 0)
                writer.open("TimePeriod")
                writer.element("FromDate", f"{day.isoformat()}T00:00:00")
                writer.element("ToDate", f"{day.isoformat()}T23:59:00")
                writer.close("TimePeriod")
                writer.element("Occurrences", 1)
                writer.element("Type", 1)
                _write_working_times(writer, intervals)
                writer.close("Exception")
            writer.close("Exceptions")
        writer.close("Calendar")
    writer.close("Calendars")


def _outline_levels(plan: Plan) -> dict[str, int]:
    parents = {task.id: task.parent for task in plan.tasks}
    levels: dict[str, int] = {}
    for task in plan.tasks:
        level, parent, seen = 1, task.parent, {task.id}
        while parent is not None and parent in parents and parent not in seen:
            seen.add(parent)
            level += 1
            parent = parents[parent]
        levels[task.id] = level
    return levels


TASK_ORDER = [
    "UID",
    "ID",
    "Name",
    "WBS",
    "OutlineNumber",
    "OutlineLevel",
    "Start",
    "Finish",
    "Duration",
    "DurationFormat",
    "Work",
    "Estimated",
    "Milestone",
    "Summary",
    "Critical",
    "Manual",
    "EarlyStart",
    "EarlyFinish",
    "LateStart",
    "LateFinish",
    "FreeSlack",
    "TotalSlack",
    "FixedCost",
    "PercentComplete",
    "Cost",
    "ActualStart",
    "ActualFinish",
    "ActualCost",
    "RemainingDuration",
    "RemainingCost",
    "ACWP",
    "ConstraintType",
    "CalendarUID",
    "ConstraintDate",
    "Deadline",
    "Notes",
    "BCWS",
    "BCWP",
    "PredecessorLink",
    "Baseline",
]
ASSIGNMENT_ORDER = [
    "UID",
    "TaskUID",
    "ResourceUID",
    "ActualCost",
    "ActualWork",
    "ACWP",
    "Cost",
    "RemainingCost",
    "Units",
    "Work",
    "BCWS",
    "BCWP",
    "Baseline",
]


class _Values(dict[str, str]):
    """One element's children by tag; ``emit`` writes them in the MSPDI schema's order."""

    def moment(self, tag: str, value: PlanTime | None, minutes_of_day: int = 480) -> None:
        moment = _as_datetime(value, minutes_of_day)
        if moment is not None:
            self[tag] = _text(moment)

    def emit(self, writer: _Writer, tag: str, order: list[str]) -> None:
        writer.open(tag)
        for child in order:
            if child not in self:
                continue
            if child in ("PredecessorLink", "Baseline"):
                writer.parts.append(self[child])  # already XML
            else:
                writer.element(child, self[child])
        writer.close(tag)


def _write_tasks(writer: _Writer, calendar_uids: dict[str, str], schedule: Schedule | None) -> None:
    plan = writer.plan
    scheduled = schedule.by_id() if schedule is not None else {}
    levels = _outline_levels(plan)
    uids = _task_uids(plan)
    predecessors: dict[str, list[Link]] = {}
    for link in plan.links:
        predecessors.setdefault(link.successor, []).append(link)
    writer.open("Tasks")
    for position, task in enumerate(plan.tasks, start=1):
        values = _Values(UID=uids[task.id], ID=str(position), Name=task.name)
        if task.wbs_code:
            values["WBS"] = values["OutlineNumber"] = task.wbs_code
        values["OutlineLevel"] = str(levels[task.id])
        _task_dates(values, writer.scale, task, scheduled.get(task.id))
        values["Duration"] = format_duration(task.duration * writer.scale)
        values["DurationFormat"] = str(task.extra.get("duration_format", 7))
        if "work_minutes" in task.extra:
            values["Work"] = format_duration(int(task.extra["work_minutes"]))
        values["Estimated"] = "1" if task.extra.get("estimated") else "0"
        values["Milestone"] = "1" if task.is_milestone else "0"
        values["Summary"] = "1" if task.is_summary else "0"
        if task.extra.get("manual"):
            values["Manual"] = "1"
        if task.is_milestone and "Start" in values and task.id in scheduled:
            values["Finish"] = values["Start"]  # MS Project: a milestone starts as it finishes
        if task.is_summary and task.duration == 0 and scheduled.get(task.id) is not None:
            span = scheduled[task.id]
            values["Duration"] = format_duration(
                max(span.early_finish_index - span.early_start_index, 0) * writer.scale
            )
        _task_costs(values, task)
        _task_progress(values, writer.scale, task)
        constraint = task.constraint
        if constraint is not None:
            values["ConstraintType"] = str(CONSTRAINT_TYPES.index(constraint.type))
            finish_kind = constraint.type in (
                ConstraintType.MFO,
                ConstraintType.FNET,
                ConstraintType.FNLT,
            )
            values.moment("ConstraintDate", constraint.date, 1020 if finish_kind else 480)
        if task.calendar in calendar_uids:
            values["CalendarUID"] = calendar_uids[task.calendar or ""]
        values.moment("Deadline", task.deadline, 1020)
        if "notes" in task.extra:
            values["Notes"] = str(task.extra["notes"])
        links = predecessors.get(task.id, [])
        if links:
            raw = task.extra.get("link_lags")
            raw = raw if isinstance(raw, dict) else {}
            values["PredecessorLink"] = "".join(
                _link_xml(writer, link, uids, raw.get(link.predecessor)) for link in links
            )
        if task.extra.get("baselines"):
            values["Baseline"] = _baselines_xml(task.extra["baselines"])
        values.emit(writer, "Task", TASK_ORDER)
    writer.close("Tasks")


def _task_uids(plan: Plan) -> dict[str, str]:
    """MSPDI UIDs are integers: keep numeric ids, number the others after the largest."""
    numeric = {task.id for task in plan.tasks if task.id.isdigit() and task.id != "0"}
    next_uid = max((int(uid) for uid in numeric), default=0) + 1
    uids: dict[str, str] = {}
    for task in plan.tasks:
        if task.id in numeric:
            uids[task.id] = task.id
        else:
            uids[task.id] = str(next_uid)
            next_uid += 1
    return uids


def _task_dates(values: _Values, scale: int, task: Task, scheduled: Any) -> None:
    keys = (
        ("start", "Start", 480),
        ("finish", "Finish", 1020),
        ("early_start", "EarlyStart", 480),
        ("early_finish", "EarlyFinish", 1020),
        ("late_start", "LateStart", 480),
        ("late_finish", "LateFinish", 1020),
    )
    if scheduled is not None:
        for key, tag, minutes_of_day in keys:
            values.moment(tag, getattr(scheduled, key), minutes_of_day)
        values["TotalSlack"] = str(scheduled.total_float * scale * 10)
        values["FreeSlack"] = str(scheduled.free_float * scale * 10)
        values["Critical"] = "1" if scheduled.critical else "0"
        return
    ms_project = task.extra.get("ms_project")
    if not isinstance(ms_project, dict):
        return
    for key, tag, _ in keys:
        if isinstance(ms_project.get(key), datetime):
            values.moment(tag, ms_project[key])
    values["TotalSlack"] = str(int(ms_project.get("total_slack_minutes", 0)) * 10)
    values["FreeSlack"] = str(int(ms_project.get("free_slack_minutes", 0)) * 10)
    values["Critical"] = "1" if ms_project.get("critical") else "0"


COST_TAGS = (
    ("cost", "Cost"),
    ("fixed_cost", "FixedCost"),
    ("actual_cost", "ActualCost"),
    ("remaining_cost", "RemainingCost"),
    ("acwp", "ACWP"),
    ("bcws", "BCWS"),
    ("bcwp", "BCWP"),
)


def _task_costs(values: _Values, task: Task) -> None:
    if "cost" not in task.extra and task.budget is not None and "baselines" not in task.extra:
        values["Cost"] = _cents(task.budget)
    for key, tag in COST_TAGS:
        if isinstance(task.extra.get(key), Decimal):
            values[tag] = _cents(task.extra[key])


def _task_progress(values: _Values, scale: int, task: Task) -> None:
    values["PercentComplete"] = _number(task.percent_complete)
    values.moment("ActualStart", task.actual_start)
    values.moment("ActualFinish", task.actual_finish, 1020)
    if task.remaining_duration is not None:
        values["RemainingDuration"] = format_duration(task.remaining_duration * scale)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _link_xml(writer: _Writer, link: Link, uids: dict[str, str], raw: Any = None) -> str:
    scale = 1 if link.lag_elapsed else writer.scale
    if link.lag_elapsed:
        lag_format = 4 if link.lag % 1440 else 8  # elapsed minutes, or elapsed days
    else:
        lag_format = 7 if (link.lag * scale) % writer.minutes_per_day == 0 else 3
    link_lag = link.lag * scale * 10
    if isinstance(raw, dict) and raw.get("lag") == link.lag * scale:
        link_lag, lag_format = int(raw["link_lag"]), int(raw["lag_format"])  # as the file said
    return (
        "<PredecessorLink>"
        f"<PredecessorUID>{uids.get(link.predecessor, link.predecessor)}</PredecessorUID>"
        f"<Type>{LINK_TYPE_CODES[link.type]}</Type><CrossProject>0</CrossProject>"
        f"<LinkLag>{link_lag}</LinkLag><LagFormat>{lag_format}</LagFormat>"
        "</PredecessorLink>"
    )


def _baselines_xml(baselines: dict[int, dict[str, Any]]) -> str:
    parts = []
    for number, values in sorted(baselines.items()):
        parts.append(f"<Baseline><Number>{number}</Number>")
        for key, tag in (("start", "Start"), ("finish", "Finish")):
            if isinstance(values.get(key), datetime):
                parts.append(f"<{tag}>{_text(values[key])}</{tag}>")
        for key, tag in (("duration_minutes", "Duration"), ("work_minutes", "Work")):
            if key in values:
                parts.append(f"<{tag}>{format_duration(int(values[key]))}</{tag}>")
        if isinstance(values.get("cost"), Decimal):
            parts.append(f"<Cost>{_cents(values['cost'])}</Cost>")
        parts.append("</Baseline>")
    return "".join(parts)


def _write_resources(writer: _Writer) -> None:
    writer.open("Resources")
    for number, resource in enumerate(writer.plan.resources, start=1):
        writer.open("Resource")
        writer.element("UID", resource.id if resource.id.isdigit() else number)
        writer.element("ID", number)
        writer.element("Name", resource.name or resource.id)
        writer.element("Type", 1)
        writer.element("MaxUnits", f"{resource.capacity:.2f}")
        writer.close("Resource")
    writer.close("Resources")


def _resource_uids(plan: Plan) -> dict[str, str]:
    return {
        resource.id: resource.id if resource.id.isdigit() else str(number)
        for number, resource in enumerate(plan.resources, start=1)
    }


def _write_assignments(writer: _Writer) -> None:
    plan = writer.plan
    task_uids = _task_uids(plan)
    resource_uids = _resource_uids(plan)
    writer.open("Assignments")
    next_uid = 1
    for task in plan.tasks:
        records = task.extra.get("assignments")
        if not isinstance(records, list):
            records = [{"resource": rid, "units": units} for rid, units in task.resources.items()]
        for record in records:
            if record.get("resource") not in resource_uids:
                continue
            uid = str(record.get("uid") or "")
            values = _Values(
                UID=uid if uid.isdigit() else str(next_uid),
                TaskUID=task_uids[task.id],
                ResourceUID=resource_uids[record["resource"]],
                Units=str(record.get("units", 1)),
            )
            next_uid += 1
            for key, tag in COST_TAGS:
                if isinstance(record.get(key), Decimal):
                    values[tag] = _cents(record[key])
            if "work_minutes" in record:
                values["Work"] = format_duration(int(record["work_minutes"]))
            if "actual_work_minutes" in record:
                values["ActualWork"] = format_duration(int(record["actual_work_minutes"]))
            if record.get("baselines"):
                values["Baseline"] = _baselines_xml(record["baselines"])
            values.emit(writer, "Assignment", ASSIGNMENT_ORDER)
    writer.close("Assignments")
