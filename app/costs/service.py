"""Cost bookings: entries, approvals, reversals, exchange rates and spending caps.

Services flush; the router commits. Amounts are converted to the bid's currency once, when the
entry is booked, at the rate in force on the entry date (``wbs.costs.RateTable``), and stored
with the rate used, so a report never depends on later rate changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.permissions import can_read_bid, can_write_bid, is_on_team
from app.bids.models import Bid
from app.costs.models import CostEntry, ExchangeRateRow, SpendingCap
from app.crud import get_or_404, record_creation
from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.journal.service import record_changes
from app.tasks.models import Task
from app.tasks.service import as_date
from wbs.costs import (
    CostCategory,
    CostFigures,
    ExchangeRate,
    MissingRateError,
    RateTable,
    SpendingPolicy,
    approval_reasons,
    plan_cost_rollup,
)
from wbs.money import to_money
from wbs.plan import Plan

# A client-entertainment entry above this (in the bid's currency) needs PMO approval unless the
# bid sets its own ``entertainment_entry`` cap.
DEFAULT_ENTERTAINMENT_THRESHOLD = Decimal("5000.00")
MAX_AMOUNT = Decimal(10) ** 16  # NUMERIC(18, 2)
ENTRY_FIELDS = (
    "task_id",
    "kind",
    "category",
    "entry_date",
    "amount",
    "currency",
    "exchange_rate",
    "amount_bid_currency",
    "payee",
    "description",
    "receipt_ref",
    "status",
    "approval_reasons",
    "reverses_id",
)


def rate_table(session: Session) -> RateTable:
    rows = session.scalars(select(ExchangeRateRow))
    return RateTable(
        ExchangeRate(row.base, row.quote, row.rate, row.effective_date) for row in rows
    )


def bid_policy(session: Session, bid_id: int) -> SpendingPolicy:
    caps = list(session.scalars(select(SpendingCap).where(SpendingCap.bid_id == bid_id)))
    entertainment = [cap.amount for cap in caps if cap.kind == "entertainment_entry"]
    threshold = entertainment[0] if entertainment else DEFAULT_ENTERTAINMENT_THRESHOLD
    return SpendingPolicy(
        category_caps={
            cap.category: cap.amount for cap in caps if cap.kind == "category" and cap.category
        },
        element_caps={
            str(cap.task_id): cap.amount
            for cap in caps
            if cap.kind == "work_package" and cap.task_id is not None
        },
        entertainment_threshold=threshold,
    )


def _counted(session: Session, bid_id: int, **filters: Any) -> Decimal:
    """Approved actuals and commitments booked on the bid (bid currency), filtered by column."""
    statement = select(func.coalesce(func.sum(CostEntry.amount_bid_currency), 0)).where(
        CostEntry.bid_id == bid_id, CostEntry.status == "approved"
    )
    for column, value in filters.items():
        statement = statement.where(getattr(CostEntry, column) == value)
    return to_money(Decimal(str(session.scalar(statement) or 0)))


BOOKING_ROLES = ("pmo", "finance", "lead", "member")  # who may book at all (``can_book``)
RATE_KEEPERS = ("pmo", "finance")


def can_book(session: Session, user: User, bid: Bid, task: Task) -> bool:
    """Finance and the PMO book on any bid, a lead on the bids they lead, a member on own tasks."""
    if user.role in ("pmo", "finance") or can_write_bid(user, bid):
        return True
    if user.role not in ("member", "lead") or user.person_id is None:
        return False
    return task.owner_id == user.person_id and is_on_team(session, user, bid.id)


def convert_to_bid_currency(
    session: Session, bid: Bid, amount: Decimal, currency: str, on: dt.date
) -> tuple[Decimal, Decimal]:
    """(amount in the bid's currency, the rate used: 1 ``currency`` = rate bid currency)."""
    if currency == bid.currency:
        return to_money(amount), Decimal(1)
    table = rate_table(session)
    try:
        converted = table.convert(amount, currency, bid.currency, on)
        unit = table.convert(Decimal(10) ** 8, currency, bid.currency, on) / Decimal(10) ** 8
    except MissingRateError as error:
        raise Invalid.field("currency", str(error)) from error
    if abs(converted) >= MAX_AMOUNT:
        raise Invalid.field("amount", f"too large once converted to {bid.currency}")
    return converted, unit


def create_entry(session: Session, user: User | None, bid: Bid, data: dict[str, Any]) -> CostEntry:
    """Book an actual cost or a commitment; over a cap it waits for PMO approval (flushed).

    ``data`` holds the fields of ``CostEntryCreate`` (``task_id``, ``category``, ``entry_date``,
    ``amount``; optional ``kind``, ``currency``, ``payee``, ``description``, ``receipt_ref``).
    ``user`` None is a system booking (the demo loader, imports): no permission check.
    """
    task = session.get(Task, data["task_id"])
    if task is None or task.bid_id != bid.id:
        raise Invalid.field("task_id", f"task {data['task_id']} is not a task of bid {bid.id}")
    if user is not None and not can_book(session, user, bid, task):
        raise Forbidden(f"you may not book costs on task {task.id}")
    currency = data.get("currency") or bid.currency
    amount = to_money(data["amount"])
    converted, rate = convert_to_bid_currency(session, bid, amount, currency, data["entry_date"])
    reasons = approval_reasons(
        element_id=str(task.id),
        category=data["category"],
        amount=converted,
        spent_in_category=_counted(session, bid.id, category=data["category"]),
        spent_in_element=_counted(session, bid.id, task_id=task.id),
        policy=bid_policy(session, bid.id),
    )
    entry = CostEntry(
        bid_id=bid.id,
        task_id=task.id,
        kind=data.get("kind", "actual"),
        category=data["category"],
        entry_date=data["entry_date"],
        amount=amount,
        currency=currency,
        exchange_rate=rate,
        amount_bid_currency=converted,
        payee=data.get("payee"),
        description=data.get("description"),
        receipt_ref=data.get("receipt_ref"),
        entered_by_id=user.id if user is not None else None,
        status="pending_approval" if reasons else "approved",
        approval_reasons=",".join(reasons) or None,
    )
    session.add(entry)
    record_creation(session, user, entry, _fields(entry), bid_id=bid.id)
    return entry


def _fields(entry: CostEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in ENTRY_FIELDS}


def get_entry(session: Session, user: User, entry_id: int) -> tuple[CostEntry, Bid]:
    """The entry and its bid, if ``user`` may read the bid (else 404)."""
    entry = get_or_404(session, CostEntry, entry_id, "cost entry")
    bid = session.get(Bid, entry.bid_id)
    if bid is None or not can_read_bid(user, bid):
        raise NotFound(f"cost entry {entry_id} not found")
    return entry, bid


def decide(session: Session, user: User | None, entry: CostEntry, approve: bool) -> CostEntry:
    """The PMO approves or rejects a pending entry, once (``user`` None: a system decision)."""
    if user is not None and user.role != "pmo":
        raise Forbidden("only the PMO approves or rejects cost entries")
    if entry.status != "pending_approval":
        raise Conflict(f"cost entry {entry.id} is {entry.status}, not pending approval")
    before = {"status": entry.status}
    entry.status = "approved" if approve else "rejected"
    entry.decided_by_id = user.id if user is not None else None
    entry.decided_at = utcnow()
    record_changes(session, user, entry, before, {"status": entry.status}, bid_id=entry.bid_id)
    session.flush()
    return entry


def reversal_of(session: Session, entry_id: int) -> CostEntry | None:
    return session.scalar(select(CostEntry).where(CostEntry.reverses_id == entry_id))


def reversed_ids(session: Session, entry_ids: Iterable[int]) -> dict[int, int]:
    """``{entry id: id of the entry reversing it}`` for the given entries."""
    ids = list(entry_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(CostEntry.reverses_id, CostEntry.id).where(CostEntry.reverses_id.in_(ids))
    )
    return {int(original): int(reversal) for original, reversal in rows if original is not None}


def check_may_reverse(user: User, bid: Bid, entry: CostEntry) -> None:
    """Finance, the PMO, the bid's writers and whoever entered it reverse an entry."""
    may = user.role in RATE_KEEPERS or can_write_bid(user, bid) or (entry.entered_by_id == user.id)
    if not may:
        raise Forbidden(f"you may not reverse cost entry {entry.id}")


def reversible_entry(session: Session, user: User, entry_id: int) -> CostEntry:
    """The entry, if ``user`` may read it (404) and reverse it (403): ``reverse_cost``'s guard."""
    entry, bid = get_entry(session, user, entry_id)
    check_may_reverse(user, bid, entry)
    return entry


def reverse_entry(
    session: Session, user: User, bid: Bid, entry: CostEntry, data: dict[str, Any]
) -> CostEntry:
    """A correction: a new approved entry negating ``entry``; the original stays as it was."""
    check_may_reverse(user, bid, entry)
    if entry.reverses_id is not None:
        raise Conflict(f"cost entry {entry.id} is itself a reversal")
    if entry.status != "approved":
        raise Conflict(f"cost entry {entry.id} is {entry.status}: only approved entries reverse")
    if reversal_of(session, entry.id) is not None:
        raise Conflict(f"cost entry {entry.id} is already reversed")
    note = data.get("description") or ""
    reversal = CostEntry(
        bid_id=entry.bid_id,
        task_id=entry.task_id,
        kind=entry.kind,
        category=entry.category,
        entry_date=data.get("entry_date") or dt.date.today(),
        amount=-entry.amount,
        currency=entry.currency,
        exchange_rate=entry.exchange_rate,
        amount_bid_currency=-entry.amount_bid_currency,
        payee=entry.payee,
        description=f"冲销 / reversal of #{entry.id}" + (f": {note}" if note else ""),
        receipt_ref=entry.receipt_ref,
        entered_by_id=user.id,
        status="approved",
        reverses_id=entry.id,
    )
    session.add(reversal)
    record_creation(session, user, reversal, _fields(reversal), bid_id=entry.bid_id)
    return reversal


def add_rate(session: Session, user: User | None, data: dict[str, Any]) -> ExchangeRateRow:
    """A new exchange rate (``user`` None: a system load, e.g. the demo)."""
    if user is not None and user.role not in RATE_KEEPERS:
        raise Forbidden("only finance or the PMO maintain exchange rates")
    if data["base"] == data["quote"]:
        raise Invalid.field("quote", "must differ from base")
    duplicate = session.scalar(
        select(ExchangeRateRow.id).where(
            ExchangeRateRow.base == data["base"],
            ExchangeRateRow.quote == data["quote"],
            ExchangeRateRow.effective_date == data["effective_date"],
        )
    )
    if duplicate is not None:
        pair = f"{data['base']}/{data['quote']}"
        raise Conflict(f"a {pair} rate for that date exists already (id {duplicate})")
    row = ExchangeRateRow(**data)
    session.add(row)
    record_creation(session, user, row, data)
    return row


def add_cap(session: Session, user: User | None, bid: Bid, data: dict[str, Any]) -> SpendingCap:
    """A spending-policy rule of ``bid`` (``user`` None: a system load, e.g. the demo)."""
    if user is not None and user.role != "pmo" and not can_write_bid(user, bid):
        raise Forbidden(f"you may not set the spending policy of bid {bid.id}")
    kind = data["kind"]
    if kind == "category" and (data.get("category") is None or data.get("task_id") is not None):
        raise Invalid.field("category", "a category cap names a category and no task")
    if kind == "work_package":
        task = session.get(Task, data.get("task_id") or 0)
        if task is None or task.bid_id != bid.id or data.get("category") is not None:
            raise Invalid.field("task_id", "a work-package cap names a task of this bid")
    if kind == "entertainment_entry":
        data = {**data, "category": CostCategory.CLIENT_ENTERTAINMENT.value, "task_id": None}
    duplicate = session.scalar(
        select(SpendingCap.id).where(
            SpendingCap.bid_id == bid.id,
            SpendingCap.kind == kind,
            SpendingCap.category.is_(None)
            if data.get("category") is None
            else SpendingCap.category == data["category"],
            SpendingCap.task_id.is_(None)
            if data.get("task_id") is None
            else SpendingCap.task_id == data["task_id"],
        )
    )
    if duplicate is not None:
        raise Conflict(f"bid {bid.id} already has that cap (id {duplicate})")
    cap = SpendingCap(bid_id=bid.id, **data)
    session.add(cap)
    record_creation(session, user, cap, data, bid_id=bid.id)
    return cap


def book_imported_actuals(
    session: Session,
    user: User | None,
    bid: Bid,
    plan: Plan,
    rows: Mapping[str, Task],
) -> list[CostEntry]:
    """Book an imported plan's actual costs (e.g. MS Project's) as approved cost entries.

    ``rows`` maps the plan's task ids to the bid's rows (what ``app.tasks.service.add_plan``
    returns). Each work task with an actual cost (``wbs.costs.plan_cost_rollup``: the sum of its
    assignments' actual costs) gets one ``other``-category actual, dated on its actual finish,
    else its actual start, else the plan's status date, else the bid's start. Flushed.
    """
    rollup = plan_cost_rollup(plan)
    entries = []
    for task in plan.tasks:
        row = rows.get(task.id)
        amount = rollup.own.get(task.id, CostFigures()).actual
        if row is None or task.is_summary or amount <= 0:
            continue
        on = (
            as_date(task.actual_finish)
            or as_date(task.actual_start)
            or as_date(plan.status_date)
            or bid.start_date
        )
        data = {
            "task_id": row.id,
            "category": CostCategory.OTHER.value,
            "entry_date": on,
            "amount": amount,
            "description": f"导入的实际成本 / imported actual cost ({plan.name})"[:1000],
        }
        entry = create_entry(session, None, bid, data)
        if entry.status != "approved":
            decide(session, user, entry, approve=True)
        entries.append(entry)
    return entries
