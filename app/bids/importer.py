"""Plan files in and out of the database: ``kampmo import``/``export`` and ``POST /bids/import``.

A plan of any unit becomes a bid in working days: MS Project minutes are divided by an
8-hour day (rounded up for durations, to the nearest day for lags), PSPLIB periods count as days
from the next Monday. The whole import is one transaction with one schedule recompute at the
end: a cycle or any other refused plan leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.accounts.service import create_account
from app.auth.models import User
from app.bids.models import Bid
from app.bids.service import create_bid, get_bid
from app.errors import Invalid
from app.limits import check_plan_limits
from app.orgs.models import OrgUnit
from app.orgs.service import create_org_unit
from app.tasks.models import BudgetLine
from app.tasks.scheduling import bid_calendar, build_plan, load_network, stored_schedule
from app.tasks.service import add_plan, as_date
from wbs.plan import Plan

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
    add_plan(session, user, bid, plan)
    return bid


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

        return _as_bytes(write_mspdi(plan, schedule))
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
