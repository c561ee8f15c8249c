"""What an imported plan file says beyond the bid's columns, kept and written back (issue 16).

A bid schedules in working days; an MS Project file speaks in minutes, times of day, UIDs,
percentage lags, notes, costs, baselines, resources and assignments. On import:

- what kampmo models natively is mapped: the project calendar becomes a kampmo calendar
  attached to the bid (weekly pattern and dated exceptions; a built-in name such as "CN" a
  calendar of that holiday country), the currency code the bid's currency, ALAP and the other
  constraints the task's constraint, the actual cost an actual cost entry marked as imported,
  baseline 0 a kampmo baseline;
- the rest is kept alongside, in ``bids.source`` and ``tasks.source``: the original UID,
  duration in minutes and its format, the link lags as written (``LinkLag``/``LagFormat``),
  working hours, task calendars, resources, assignments, all baselines, costs, notes, times of
  day, manual scheduling.

On an MSPDI export a kept value is written back while the bid still says the same thing: the
duration in minutes while the task still lasts the same number of days, a link's lag while its
days are unchanged, a time of day while the date is the one kampmo computes. Otherwise the bid's
own value is written. The import report (``report``) lists, per field family, how many tasks
kept, mapped or could not carry a value, and names the tasks of the last kind.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from wbs.plan import CalendarSpec, Plan, Resource, Task

# --------------------------------------------------------------------------- JSON form


def encode(value: Any) -> Any:
    """Plain JSON for the values of ``task.extra``: dates, datetimes and Decimals tagged."""
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    if isinstance(value, dict):
        return {str(key): encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    return value


def decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$dt"}:
            return dt.datetime.fromisoformat(value["$dt"])
        if set(value) == {"$d"}:
            return dt.date.fromisoformat(value["$d"])
        if set(value) == {"$dec"}:
            return Decimal(value["$dec"])
        return {key: decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item) for item in value]
    return value


def encode_calendar(spec: CalendarSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "weekly": {str(day): [list(i) for i in spans] for day, spans in spec.weekly.items()},
        "exceptions": {
            day.isoformat(): [list(i) for i in spans] for day, spans in spec.exceptions.items()
        },
        "holidays_country": spec.holidays_country,
        "base": spec.base,
    }


def decode_calendar(data: dict[str, Any]) -> CalendarSpec:
    def spans(items: list[list[int]]) -> tuple[tuple[int, int], ...]:
        return tuple((int(a), int(b)) for a, b in items)

    return CalendarSpec(
        name=str(data["name"]),
        weekly={int(day): spans(items) for day, items in data.get("weekly", {}).items()},
        exceptions={
            dt.date.fromisoformat(day): spans(items)
            for day, items in data.get("exceptions", {}).items()
        },
        holidays_country=data.get("holidays_country"),
        base=data.get("base"),
    )


def effective_weekly(spec: CalendarSpec, specs: dict[str, CalendarSpec]) -> dict[int, Any]:
    """The weekly pattern with a derived calendar's unset weekdays taken from its base."""
    weekly = dict(spec.weekly)
    base = specs.get(spec.base or "")
    if base is not None and base is not spec:
        for day, intervals in effective_weekly(base, {}).items():
            weekly.setdefault(day, intervals)
    return weekly


# --------------------------------------------------------------------------- on import

# task.extra keys kept as they are (the MSPDI reader's names)
TASK_KEPT = (
    "duration_format",
    "estimated",
    "manual",
    "duration_elapsed",
    "work_minutes",
    "notes",
    "cost",
    "fixed_cost",
    "actual_cost",
    "remaining_cost",
    "acwp",
    "bcws",
    "bcwp",
    "baselines",
    "assignments",
    "link_lags",
    "ms_project",
)
PROJECT_KEPT = (
    "format",
    "read_by",
    "title",
    "author",
    "company",
    "currency_code",
    "currency_symbol",
    "minutes_per_day",
    "minutes_per_week",
    "days_per_month",
    "ms_project_finish",
)


def task_source(task: Task, row_days: int, lags: dict[str, int]) -> dict[str, Any]:
    """What to keep of one plan task beside its row (``row_days``: the row's working days)."""
    source: dict[str, Any] = {
        "uid": task.id,
        "name": task.name,
        "duration": task.duration,
        "duration_days": row_days,
        "wbs_code": task.wbs_code,
        "calendar": task.calendar,
        "constraint_date": task.constraint.date if task.constraint else None,
        "actual_start": task.actual_start,
        "actual_finish": task.actual_finish,
        "remaining_duration": task.remaining_duration,
        "percent_complete": task.percent_complete,
        "resources": dict(task.resources),
        "lag_days": lags,  # predecessor UID -> the lag in days the dependency row got
    }
    for key in TASK_KEPT:
        if key in task.extra:
            source[key] = task.extra[key]
    return encode(source)  # type: ignore[no-any-return]


def plan_source(plan: Plan) -> dict[str, Any]:
    return {
        "unit": plan.unit,
        "calendar": plan.calendar,
        "calendars": {name: encode_calendar(spec) for name, spec in plan.calendars.items()},
        "resources": [{"id": r.id, "name": r.name, "capacity": r.capacity} for r in plan.resources],
        "extra": encode({key: plan.extra[key] for key in PROJECT_KEPT if key in plan.extra}),
    }


FAMILIES = (
    "uid",
    "duration",
    "link_lags",
    "constraint",
    "calendar",
    "notes",
    "cost",
    "actual_cost",
    "baselines",
    "assignments",
    "times_of_day",
    "manual",
    "resources",
)


def report(
    plan: Plan,
    rows_days: dict[str, int],
    mapped_calendar: str | None,
    actual_entries: int,
    baseline_taken: bool,
) -> dict[str, Any]:
    """The import report: per field family, how many tasks had a value and what became of it.

    ``mapped``: held by a kampmo column or record (a calendar, a cost entry, a baseline...);
    ``kept``: stored alongside and written back on an MSPDI export; ``lost``: could not be
    represented, with the tasks named.
    """
    minutes_per_day = int(plan.extra.get("minutes_per_day", 480))
    families: dict[str, dict[str, Any]] = {
        family: {"in_file": 0, "mapped": 0, "kept": 0, "lost": 0, "tasks_lost": []}
        for family in FAMILIES
    }

    def count(family: str, how: str, task: Task | None = None) -> None:
        entry = families[family]
        entry["in_file"] += 1
        entry[how] += 1
        if how == "lost" and task is not None and len(entry["tasks_lost"]) < 50:
            entry["tasks_lost"].append(task.id)

    minute_plan = plan.unit == "minute"
    for task in plan.tasks:
        count("uid", "kept" if minute_plan or task.id.isdigit() else "mapped")
        if minute_plan:
            whole = task.duration % minutes_per_day == 0
            count("duration", "mapped" if whole else "kept")
        if task.constraint is not None:
            count("constraint", "mapped")
        if task.calendar:
            count("calendar", "kept")
        if task.extra.get("notes"):
            count("notes", "kept")
        if "cost" in task.extra or "fixed_cost" in task.extra:
            count("cost", "kept")
        if task.extra.get("actual_cost"):
            count("actual_cost", "kept" if task.is_summary else "mapped")
        if task.extra.get("baselines"):
            count("baselines", "mapped" if baseline_taken else "kept")
        if task.extra.get("assignments") or task.resources:
            count("assignments", "kept")
        if task.extra.get("manual"):
            count("manual", "lost", task)  # kampmo schedules every task automatically
        ms_project = task.extra.get("ms_project") or {}
        start = ms_project.get("start")
        if isinstance(start, dt.datetime) and start.time() not in (dt.time(8), dt.time(0)):
            count("times_of_day", "kept")
        if task.id in rows_days and task.is_milestone and task.duration:
            count("duration", "lost", task)
    for task in plan.tasks:
        for _ in task.extra.get("link_lags", {}) or {}:
            count("link_lags", "kept")
    for _ in plan.resources:
        count("resources", "kept")  # placeholder resources: exported, not kampmo people
    result: dict[str, Any] = {
        "format": plan.extra.get("format", plan.unit),
        "read_by": plan.extra.get("read_by", "kampmo"),
        "tasks": len(plan.tasks),
        "links": len(plan.links),
        "resources": len(plan.resources),
        "calendar": mapped_calendar,
        "calendars_kept": sorted(plan.calendars),
        "actual_cost_entries": actual_entries,
        "baseline": "baseline 0 taken as a kampmo baseline" if baseline_taken else None,
        "families": {name: entry for name, entry in families.items() if entry["in_file"]},
        "notes": [
            "durations and lags are scheduled in whole working days (rounded up / to the "
            "nearest day); the file's minutes are kept and exported while the days are unchanged",
            "working hours, task and resource calendars are kept for export; the bid's calendar "
            "schedules whole working days",
        ],
    }
    if plan.unit != "minute":
        result["notes"] = []
    if "manual" in result["families"]:
        result["notes"].append(
            "manually scheduled tasks are exported as manual again, but kampmo's schedule "
            "places them automatically (listed under manual)"
        )
    return result


# --------------------------------------------------------------------------- on export


def _moment(kampmo: Any, original: Any, minutes_of_day: int) -> dt.datetime | None:
    """The original date-time where its date is kampmo's, else kampmo's date at the hour."""
    if isinstance(kampmo, dt.datetime):
        kampmo = kampmo.date()
    if isinstance(original, dt.datetime) and (kampmo is None or original.date() == kampmo):
        return original
    if (
        isinstance(original, dt.datetime)
        and isinstance(kampmo, dt.date)
        and minutes_of_day > 720
        and original.time() <= dt.time(9)
        and kampmo < original.date() <= kampmo + dt.timedelta(days=4)
        and all(
            (kampmo + dt.timedelta(days=n)).weekday() >= 5
            for n in range(1, (original.date() - kampmo).days)
        )
    ):
        # MS Project's finish at the start of the next working day is the same working
        # instant as kampmo's finish at the end of its day
        return original
    if isinstance(kampmo, dt.date):
        return dt.datetime.combine(kampmo, dt.time()) + dt.timedelta(minutes=minutes_of_day)
    return None


def overlay(
    plan: Plan,
    schedule: Any,
    bid_source: dict[str, Any] | None,
    task_sources: dict[str, dict[str, Any] | None],
    actual_costs: dict[str, Decimal],
    owners: dict[str, str],
) -> Plan:
    """The bid's day plan as a minute plan carrying the kept values, ready for MSPDI.

    ``task_sources``: row id -> ``tasks.source``; ``actual_costs``: row id -> the task's booked
    actual cost; ``owners``: person id -> name (the owners become resources when the file had
    none).
    """
    project = bid_source or {}
    extra = decode(project.get("extra", {}))
    minutes_per_day = int(extra.get("minutes_per_day", 480))
    scheduled = schedule.by_id() if schedule is not None else {}
    sources = {rid: decode(s) if s else {} for rid, s in task_sources.items()}
    uid_of: dict[str, str] = {}
    used = {str(s["uid"]) for s in sources.values() if s.get("uid")}
    numeric_uids = [int(uid) for uid in used if uid.isdigit()]
    next_uid = max(numeric_uids, default=0) + 1
    for task in plan.tasks:
        uid = str(sources.get(task.id, {}).get("uid") or "")
        if not uid or not uid.isdigit():
            while str(next_uid) in used:
                next_uid += 1
            uid = str(next_uid)
            used.add(uid)
        uid_of[task.id] = uid
    children: dict[str, list[str]] = {}
    for task in plan.tasks:
        if task.parent is not None:
            children.setdefault(task.parent, []).append(task.id)

    def rolled_actual(task_id: str) -> Decimal:
        total = actual_costs.get(task_id, Decimal(0))
        for child in children.get(task_id, []):
            total += rolled_actual(child)
        return total

    resources = [
        Resource(id=str(r["id"]), name=str(r.get("name", "")), capacity=int(r.get("capacity", 1)))
        for r in project.get("resources", [])
    ]
    add_owners = not resources
    owner_resources: dict[str, Resource] = {}
    for task in plan.tasks:
        source = sources.get(task.id, {})
        span = scheduled.get(task.id)
        days = task.duration
        same_length = source.get("duration_days") == days and "duration" in source
        original = source.get("ms_project") or {}
        task.duration = int(source["duration"]) if same_length else days * minutes_per_day
        if task.is_summary and span is not None:
            computed = max(span.early_finish_index - span.early_start_index, 0) * minutes_per_day
            dates_kept = all(
                isinstance(original.get(key), dt.datetime)
                and original[key].date() == getattr(span, key)
                for key in ("start", "finish")
            )
            task.duration = int(source["duration"]) if dates_kept else computed
        ms_project: dict[str, Any] = {}
        if span is not None:
            for key, hour in (
                ("start", 480),
                ("finish", 1020),
                ("early_start", 480),
                ("early_finish", 1020),
                ("late_start", 480),
                ("late_finish", 1020),
            ):
                ms_project[key] = _moment(getattr(span, key), original.get(key), hour)
            ms_project["total_slack_minutes"] = span.total_float * minutes_per_day
            ms_project["free_slack_minutes"] = span.free_float * minutes_per_day
            ms_project["critical"] = span.critical
            for start_key, finish_key in (
                ("start", "finish"),
                ("early_start", "early_finish"),
                ("late_start", "late_finish"),
            ):
                begin, end = ms_project[start_key], ms_project[finish_key]
                if begin is not None and end is not None and (task.is_milestone or end < begin):
                    # a milestone starts as it finishes; nothing finishes before it starts
                    ms_project[finish_key] = begin if task.is_milestone else end
                    if not task.is_milestone:
                        ms_project[start_key] = min(begin, end)
            if (
                original.get("total_slack_minutes") is not None
                and round(original["total_slack_minutes"] / minutes_per_day) == span.total_float
            ):
                ms_project["total_slack_minutes"] = original["total_slack_minutes"]
                ms_project["free_slack_minutes"] = original.get("free_slack_minutes", 0)
        task.extra = {"ms_project": ms_project}
        for key in TASK_KEPT:
            if key in source and key != "ms_project":
                task.extra[key] = source[key]
        if isinstance(task.extra.get("baselines"), dict):
            task.extra["baselines"] = {int(k): v for k, v in task.extra["baselines"].items()}
        for record in task.extra.get("assignments") or []:
            if isinstance(record.get("baselines"), dict):
                record["baselines"] = {int(k): v for k, v in record["baselines"].items()}
        if not same_length:
            for key in ("duration_format", "duration_elapsed", "estimated"):
                task.extra.pop(key, None)
        booked = rolled_actual(task.id)
        if booked or "actual_cost" in task.extra:
            task.extra["actual_cost"] = booked.quantize(Decimal("0.01"))
            if "acwp" in task.extra or booked:
                task.extra.setdefault("acwp", booked.quantize(Decimal("0.01")))
        if source.get("calendar"):
            task.calendar = str(source["calendar"])
        if task.constraint is not None:
            original_date = source.get("constraint_date")
            moment = _moment(task.constraint.date, original_date, 480)
            task.constraint = type(task.constraint)(task.constraint.type, moment)
        task.actual_start = _moment(task.actual_start, source.get("actual_start"), 480)
        task.actual_finish = _moment(task.actual_finish, source.get("actual_finish"), 1020)
        if same_length and source.get("remaining_duration") is not None:
            task.remaining_duration = int(source["remaining_duration"])
        elif task.remaining_duration is not None:
            task.remaining_duration *= minutes_per_day
        if same_length and source.get("percent_complete") is not None:
            task.percent_complete = float(source["percent_complete"])
        if source.get("resources"):
            task.resources = {str(k): int(v) for k, v in source["resources"].items()}
        elif add_owners and task.owner and task.owner in owners:
            resource_id = f"person-{task.owner}"
            owner_resources.setdefault(
                resource_id, Resource(id=resource_id, name=owners[task.owner], capacity=1)
            )
            task.resources = {resource_id: 1}
        if source.get("wbs_code"):
            task.wbs_code = str(source["wbs_code"])
        if isinstance(source.get("name"), str) and source["name"].strip() == task.name:
            task.name = source["name"]  # the file's spacing (the bid trims names)
    for index, link in enumerate(plan.links):
        successor_source = sources.get(link.successor, {})
        predecessor_uid = uid_of[link.predecessor]
        lag_days = (successor_source.get("lag_days") or {}).get(predecessor_uid)
        raw = (successor_source.get("link_lags") or {}).get(predecessor_uid)
        if lag_days is not None and lag_days == link.lag and isinstance(raw, dict):
            minutes = int(raw["lag"])
            elapsed = int(raw["lag_format"]) % 32 in (4, 6, 8, 10, 12, 20)
        else:
            minutes, elapsed = link.lag * minutes_per_day, False
        plan.links[index] = type(link)(
            uid_of[link.predecessor], uid_of[link.successor], link.type, minutes, elapsed
        )
    for task in plan.tasks:
        task.id = uid_of[task.id]
        task.parent = uid_of.get(task.parent) if task.parent is not None else None
    plan.unit = "minute"
    plan.resources = resources or list(owner_resources.values())
    calendars = {
        name: decode_calendar(data) for name, data in (project.get("calendars") or {}).items()
    }
    if calendars:
        plan.calendars = calendars
        plan.calendar = project.get("calendar")
    elif project.get("calendar") and not plan.calendars:
        plan.calendar = project.get("calendar")
    plan.extra = {**extra, "minutes_per_day": minutes_per_day}
    if schedule is not None and schedule.project_finish is not None:
        stored = extra.get("ms_project_finish")
        moment = _moment(schedule.project_finish, stored, 1020)
        if moment is not None:
            plan.extra["ms_project_finish"] = moment
    return plan
