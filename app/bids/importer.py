"""Plan files in and out of the database: ``kampmo import``/``export`` and ``POST /bids/import``.

A plan of any unit becomes a bid in working days: MS Project minutes are divided by an
8-hour day (rounded up for durations, to the nearest day for lags), PSPLIB periods count as days
from the next Monday. The whole import is one transaction with one schedule recompute at the
end: a cycle or any other refused plan leaves nothing behind.

What a file says beyond the bid's columns (UIDs, minutes, calendars, resources, assignments,
baselines, costs, notes) is mapped to kampmo records or kept alongside and written back by the
MSPDI export (``app.bids.msproject``); ``import_plan`` leaves the import report on
``bid.source["report"]``. ``.mpp``/``.mpx``/XER/P6 XML files are read through MPXJ.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from app.accounts.models import Account
from app.accounts.service import create_account
from app.auth.models import User
from app.baselines.models import Baseline
from app.bids import msproject
from app.bids.models import Bid
from app.bids.service import create_bid, get_bid
from app.calendars.models import Calendar, CalendarException
from app.costs.models import CostEntry
from app.errors import Invalid
from app.limits import check_plan_limits
from app.orgs.models import OrgUnit, Person
from app.orgs.service import create_org_unit
from app.tasks.models import BudgetLine, Task
from app.tasks.scheduling import bid_calendar, build_plan, load_network, stored_schedule
from app.tasks.service import add_plan, as_date
from wbs.limits import link_lag_days, plan_days
from wbs.plan import CalendarSpec, Plan

IMPORT_UNIT_CODE = "IMPORTED"
IMPORT_ACCOUNT_NAME = "未指定客户"
EXPORT_FORMATS = ("mspdi", "json", "csv", "xlsx")


def _start_date(plan: Plan) -> dt.date:
    if isinstance(plan.start, dt.datetime):
        return plan.start.date()
    if isinstance(plan.start, dt.date):
        return plan.start
    today = dt.date.today()
    return today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)


def _default_refs(session: Session, user: User | None) -> tuple[int, int]:
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == IMPORT_UNIT_CODE))
    if unit is None:
        unit = create_org_unit(
            session,
            user,
            {"code": IMPORT_UNIT_CODE, "name": "导入计划", "name_en": "Imported plans"},
        )
    account = session.scalar(select(Account).where(Account.name == IMPORT_ACCOUNT_NAME))
    if account is None:
        account = create_account(
            session, user, {"name": IMPORT_ACCOUNT_NAME, "name_en": "Unassigned account"}
        )
    return account.id, unit.id


def import_plan(
    session: Session,
    user: User | None,
    plan: Plan,
    *,
    account_id: int | None = None,
    org_unit_id: int | None = None,
) -> Bid:
    """Create a bid holding ``plan``'s WBS and links, scheduled; flushed, not committed.

    The plan first passes the same limits as the API's request bodies (``wbs.limits``): a
    value over one is a 422 naming the field, and nothing is stored or cut to fit.
    """
    check_plan_limits(plan)
    if account_id is None or org_unit_id is None:
        default_account, default_unit = _default_refs(session, user)
        account_id = account_id or default_account
        org_unit_id = org_unit_id or default_unit
    bid = create_bid(
        session,
        user,
        {
            "account_id": account_id,
            "org_unit_id": org_unit_id,
            "title": plan.name.strip() or "Imported plan",
            "start_date": _start_date(plan),
            "submission_deadline": as_date(plan.finish_deadline),
            "status_date": as_date(plan.status_date),
        },
    )
    calendar = _import_calendar(session, plan, bid.title)
    if calendar is not None:
        bid.calendar_id = calendar.id
    currency = str(plan.extra.get("currency_code") or "")
    if len(currency) == 3 and currency.isalpha() and currency.isupper():
        bid.currency = currency
    session.flush()
    rows = add_plan(session, user, bid, plan)
    keep = plan.unit == "minute"
    if keep:
        lags: dict[str, dict[str, int]] = {}
        for link in plan.links:
            lags.setdefault(link.successor, {})[link.predecessor] = link_lag_days(link, plan.unit)
        for task in plan.tasks:
            rows[task.id].source = msproject.task_source(
                task, rows[task.id].duration_days, lags.get(task.id, {})
            )
    entries = _book_actuals(session, bid, plan, rows) if keep else 0
    baseline = _baseline_zero(session, user, bid, plan, rows) if keep else False
    source = msproject.plan_source(plan) if keep else {"calendar": plan.calendar}
    source["report"] = msproject.report(
        plan,
        {task_id: row.duration_days for task_id, row in rows.items()},
        calendar.name if calendar is not None else None,
        entries,
        baseline,
    )
    bid.source = source
    session.flush()
    return bid


def _import_calendar(session: Session, plan: Plan, title: str) -> Calendar | None:
    """The plan's calendar as a kampmo calendar: a file's own (weekly pattern and dated
    exceptions; the working hours are kept for export) or a built-in country ("CN")."""
    name = plan.calendar
    if not name:
        return None
    spec = plan.calendars.get(name)
    if spec is None:
        from wbs.calendar import CalendarError, WorkCalendar

        if name.lower() in ("standard", "default"):
            return None
        try:
            built_in = WorkCalendar.named(name, "day")
        except CalendarError:
            return None
        spec = CalendarSpec(name=name, weekly={}, holidays_country=built_in.holidays_country)
        # "24h" and the like: every weekday works (kampmo calendars count whole days)
        weekdays = [0, 1, 2, 3, 4] if built_in.holidays_country else list(range(7))
    else:
        weekly = msproject.effective_weekly(spec, plan.calendars)
        weekdays = sorted(day for day, spans in weekly.items() if spans) or [0, 1, 2, 3, 4]
    calendar = Calendar(
        name=f"{title[:60]} · {name}"[:100],
        holidays_country=spec.holidays_country,
        working_weekdays=weekdays,
        exceptions=[
            CalendarException(day=day, working=bool(spans), note="imported")
            for day, spans in sorted(spec.exceptions.items())
        ],
    )
    session.add(calendar)
    session.flush()
    return calendar


def _book_actuals(session: Session, bid: Bid, plan: Plan, rows: dict[str, Task]) -> int:
    """MS Project's actual cost of each task (not summaries: theirs is the roll-up) as an
    approved actual cost entry, marked as imported."""
    booked = 0
    for task in plan.tasks:
        amount = task.extra.get("actual_cost")
        if task.is_summary or not amount or amount <= 0:
            continue
        day = as_date(task.actual_finish or task.actual_start or plan.status_date) or (
            bid.start_date
        )
        session.add(
            CostEntry(
                bid_id=bid.id,
                task_id=rows[task.id].id,
                kind="actual",
                category="other",
                entry_date=day,
                amount=amount,
                currency=bid.currency,
                exchange_rate=1,
                amount_bid_currency=amount,
                payee=None,
                description="imported from the plan file (MS Project ActualCost)",
                receipt_ref=f"import:{task.id}",
                status="approved",
            )
        )
        booked += 1
    return booked


def _baseline_zero(
    session: Session, user: User | None, bid: Bid, plan: Plan, rows: dict[str, Task]
) -> bool:
    """The file's baseline 0 as a kampmo baseline (the others are kept for export)."""
    values = {
        t.id: t.extra["baselines"][0] for t in plan.tasks if 0 in t.extra.get("baselines", {})
    }
    if not values:
        return False
    tasks = []
    for task in plan.tasks:
        row, base = rows[task.id], values.get(task.id, {})
        minutes = base.get("duration_minutes")
        tasks.append(
            {
                "task_id": row.id,
                "wbs_code": row.wbs_code,
                "name": row.name,
                "kind": row.kind,
                "duration_days": plan_days(minutes, plan.unit, round_up=True)
                if minutes is not None
                else row.duration_days,
                "start": as_date(base.get("start")).isoformat() if base.get("start") else None,
                "finish": as_date(base.get("finish")).isoformat() if base.get("finish") else None,
                "budget": {"other": str(base["cost"])} if base.get("cost") is not None else {},
            }
        )
    session.add(
        Baseline(
            bid_id=bid.id,
            name="MS Project baseline 0 (imported)",
            taken_by_id=user.id if user else None,
            snapshot={
                "project_start": bid.start_date.isoformat(),
                "project_finish": bid.project_finish.isoformat() if bid.project_finish else None,
                "submission_deadline": None,
                "pursuit_budget": None,
                "tasks": tasks,
            },
        )
    )
    return True


def import_plan_file(
    session: Session,
    user: User | None,
    content: bytes,
    filename: str | None,
    **refs: int | None,
) -> Bid:
    """Read a plan file (MSPDI .xml, PSPLIB .sm/.rcp, JSON plan) and import it."""
    from wbs.formats import FormatError, read_plan

    try:
        plan = read_plan(content, filename=filename)
    except (FormatError, RecursionError, OverflowError) as error:
        # a reader's arithmetic on a hostile value (a 400-digit duration, nesting deeper than
        # the parser's stack) is a file that cannot be read, not a server error
        message = str(error) or type(error).__name__
        raise Invalid(
            f"cannot read the plan file: {message}",
            errors=[{"field": "file", "message": message}],
        ) from error
    return import_plan(session, user, plan, **refs)


def bid_plan(session: Session, bid: Bid) -> tuple[Plan, Any]:
    """The bid as a ``Plan`` (with budgets) and its stored ``Schedule``."""
    tasks, links = load_network(session, bid.id)
    plan = build_plan(bid, tasks, links, bid_calendar(session, bid))
    budgets: dict[int, Any] = {}
    for line in session.scalars(
        select(BudgetLine).where(BudgetLine.task_id.in_([t.id for t in tasks]))
    ):
        budgets[line.task_id] = budgets.get(line.task_id, 0) + line.amount
    for plan_task in plan.tasks:
        plan_task.budget = budgets.get(int(plan_task.id))
    return plan, stored_schedule(bid, tasks)


def export_bid(session: Session, bid_id: int, fmt: str) -> bytes:
    """The bid as an MSPDI, JSON plan, CSV or XLSX file."""
    if fmt not in EXPORT_FORMATS:
        raise Invalid.field("format", f"must be one of {', '.join(EXPORT_FORMATS)}")
    plan, schedule = bid_plan(session, get_bid(session, bid_id))
    if fmt == "mspdi":
        from wbs.formats.mspdi import write_mspdi

        bid = get_bid(session, bid_id)
        rows = list(
            session.scalars(select(Task).options(undefer(Task.source)).where(Task.bid_id == bid_id))
        )
        actuals: dict[str, Any] = {}
        for task_id, amount in session.execute(
            select(CostEntry.task_id, CostEntry.amount_bid_currency).where(
                CostEntry.bid_id == bid_id,
                CostEntry.kind == "actual",
                CostEntry.status == "approved",
            )
        ):
            actuals[str(task_id)] = actuals.get(str(task_id), 0) + amount
        owner_ids = {row.owner_id for row in rows if row.owner_id is not None}
        owners = {
            str(person.id): person.name
            for person in session.scalars(select(Person).where(Person.id.in_(owner_ids)))
        }
        plan = msproject.overlay(
            plan,
            schedule,
            bid.source,
            {str(row.id): row.source for row in rows},
            actuals,
            owners,
        )
        return _as_bytes(write_mspdi(plan, None))
    if fmt == "json":
        from wbs.formats.jsonplan import write_json_plan

        return _as_bytes(write_json_plan(plan))
    from wbs.formats import tabular

    if fmt == "csv":
        return _as_bytes(tabular.plan_to_csv(plan, schedule))
    return _as_bytes(tabular.plan_to_xlsx(plan, schedule))


def _as_bytes(data: Any) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, str):
        return data.encode("utf-8")
    return json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")
