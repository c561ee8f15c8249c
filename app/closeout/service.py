"""Close-out: how a bid ends. Won, lost and abandoned all come through ``close_out`` (or, for
the PMO's own decisions -- a gate stop, a rejected second quote, a history import -- through
``record_closure``), so every closed bid has a close-out.

A close-out holds the outcome; reasons from the PMO's list (``DEFAULT_REASONS`` plus the PMO's
additions and edits, ``close_out_reason_codes``) and free text; the competitors with their
prices and who won; our price and the winner's, or the gap; the lessons (what to repeat, what
to avoid); and the slips kampmo computes:

- ``schedule_slip_days``: working days (Mon-Fri) from the finish the bid committed to (its
  first baseline's project finish, else its submission deadline) to the finish it reached (the
  last actual finish once every task is finished, else its scheduled finish); negative: early.
- ``budget_slip``: approved actual costs minus the pursuit budget; negative: under budget.

A bid is won only after its offer went out (stage execution or close-out), and then moves to
stage close-out; it is lost or abandoned from any stage, and stays there. A closed bid's
close-out may be amended (same outcome) by its lead or the PMO.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.baselines.models import Baseline
from app.bids.models import Bid
from app.closeout.models import (
    CloseOutCompetitor,
    CloseOutLesson,
    CloseOutReason,
    CloseOutReasonCode,
)
from app.crud import apply_changes, record_creation
from app.decompose.models import BidClosure
from app.decompose.service import slipped_tasks
from app.errors import Conflict, Invalid
from app.journal.service import record_changes
from app.tasks.models import Task

CLOSED = ("won", "lost", "abandoned")
WON_FROM = ("execution", "close_out")
US = "我方 · us"
MAX_GAP_PERCENT = Decimal("99999.99")  # what bid_closures.price_gap_percent holds


@dataclass(frozen=True, slots=True)
class ReasonCode:
    code: str
    name: str
    name_en: str | None
    outcome: str | None = None
    active: bool = True


DEFAULT_REASONS = (
    ReasonCode("price", "价格", "Price"),
    ReasonCode("technical_solution", "技术方案", "Technical solution"),
    ReasonCode("customer_relationship", "客户关系", "Customer relationship"),
    ReasonCode("qualifications", "资质与业绩", "Qualifications and references"),
    ReasonCode("delivery_schedule", "交付周期", "Delivery schedule"),
    ReasonCode("incumbent", "竞争对手在位", "Incumbent competitor"),
    ReasonCode("requirements_changed", "需求变化或项目取消", "Requirements changed or cancelled"),
    ReasonCode("strategic_no_bid", "战略取舍", "Strategic no-bid"),
    ReasonCode("relationship_kept", "维系客户关系（陪标）", "Relationship kept (relationship bid)"),
    ReasonCode("resources", "资源不足", "Not enough resources"),
    ReasonCode("arbitration", "一客一报仲裁", "One-quote arbitration", "abandoned"),
)


# --- the PMO's reason list ------------------------------------------------------------------


def reason_codes(session: Session) -> dict[str, ReasonCode]:
    """The defaults with the PMO's rows over them (a row may add a code or edit/retire one)."""
    codes = {reason.code: reason for reason in DEFAULT_REASONS}
    for row in session.scalars(select(CloseOutReasonCode).order_by(CloseOutReasonCode.id)):
        codes[row.code] = ReasonCode(row.code, row.name, row.name_en, row.outcome, row.active)
    return codes


def reason_json(reason: ReasonCode) -> dict[str, Any]:
    return {
        "code": reason.code,
        "name": reason.name,
        "name_en": reason.name_en,
        "outcome": reason.outcome,
        "active": reason.active,
    }


def save_reason_code(
    session: Session, user: User, code: str, data: Mapping[str, Any]
) -> CloseOutReasonCode:
    row = session.scalar(select(CloseOutReasonCode).where(CloseOutReasonCode.code == code))
    if row is None:
        row = CloseOutReasonCode(code=code, **data)
        session.add(row)
        record_creation(session, user, row, {"code": code, **data})
        return row
    apply_changes(session, user, row, data)
    session.flush()
    return row


def _check_reasons(session: Session, outcome: str, codes: list[str]) -> list[str]:
    known = reason_codes(session)
    wrong = [
        code
        for code in codes
        if code not in known or not known[code].active or known[code].outcome not in (None, outcome)
    ]
    if wrong:
        raise Invalid(
            f"not on the PMO's reason list for a {outcome} bid: {', '.join(wrong)}",
            errors=[{"field": "reason_codes", "message": f"not listed: {c}"} for c in wrong],
        )
    return list(dict.fromkeys(codes))


# --- slips ----------------------------------------------------------------------------------


def _working_days_between(first: dt.date, last: dt.date) -> int:
    """Mon-Fri days from ``first`` to ``last`` (negative when ``last`` is earlier)."""
    if last >= first:
        return int(np.busday_count(first, last))
    return -int(np.busday_count(last, first))


def schedule_slip(session: Session, bid: Bid) -> tuple[int | None, str]:
    """Working days late against the committed finish, with how it was worked out."""
    baseline = session.scalar(
        select(Baseline).where(Baseline.bid_id == bid.id).order_by(Baseline.id).limit(1)
    )
    planned_text = (baseline.snapshot or {}).get("project_finish") if baseline else None
    planned = dt.date.fromisoformat(str(planned_text)[:10]) if planned_text else None
    source = f"baseline 「{baseline.name}」" if planned and baseline else "submission deadline"
    planned = planned or bid.submission_deadline
    work = select(Task).where(Task.bid_id == bid.id, Task.kind != "summary")
    unfinished = session.scalar(
        select(func.count()).select_from(work.where(Task.actual_finish.is_(None)).subquery())
    )
    reached = session.scalar(select(func.max(Task.actual_finish)).where(Task.bid_id == bid.id))
    reached_source = "last actual finish"
    if unfinished or reached is None:
        reached, reached_source = bid.project_finish, "scheduled finish"
    if planned is None or reached is None:
        return None, "no committed or reached finish to compare"
    days = _working_days_between(planned, reached)
    return days, (
        f"{reached_source} {reached.isoformat()} vs {source} {planned.isoformat()}: "
        f"{days} working days"
    )


def actual_cost(session: Session, bid_id: int) -> Decimal:
    from app.costs.models import CostEntry

    total = session.scalar(
        select(func.sum(CostEntry.amount_bid_currency)).where(
            CostEntry.bid_id == bid_id, CostEntry.kind == "actual", CostEntry.status == "approved"
        )
    )
    return Decimal(total or 0).quantize(Decimal("0.01"))


def budget_slip(session: Session, bid: Bid) -> tuple[Decimal | None, str]:
    spent = actual_cost(session, bid.id)
    if bid.pursuit_budget is None:
        return None, f"actual cost {spent}; no pursuit budget to compare"
    slip = spent - bid.pursuit_budget
    return slip, f"actual cost {spent} - pursuit budget {bid.pursuit_budget} = {slip}"


# --- closing --------------------------------------------------------------------------------


def get_closure(session: Session, bid_id: int) -> BidClosure | None:
    return session.scalar(select(BidClosure).where(BidClosure.bid_id == bid_id))


def _winner(data: Mapping[str, Any], outcome: str) -> tuple[str | None, Decimal | None]:
    """Who won and at what price: us on a won bid, else the competitor marked ``won``."""
    competitors = data.get("competitors") or []
    winners = [c for c in competitors if c.get("won")]
    if len(winners) > 1:
        raise Invalid.field("competitors", "at most one competitor won")
    if outcome == "won":
        if winners:
            raise Invalid.field("competitors", "the bid was won: no competitor won it")
        return data.get("winner") or US, data.get("winner_price") or data.get("our_price")
    won = winners[0] if winners else None
    name = data.get("winner") or (won["name"] if won else None)
    price = data.get("winner_price")
    if price is None and won is not None:
        price = won.get("price")
    return name, price


def _price_gap(
    our: Decimal | None, winner: Decimal | None, given: Decimal | None
) -> Decimal | None:
    """Our price over the winner's in percent (positive: we were dearer); else as given."""
    if our is None or not winner:
        return given
    gap = ((our - winner) / winner * 100).quantize(Decimal("0.01"))
    if abs(gap) > MAX_GAP_PERCENT:
        raise Invalid.field(
            "winner_price", f"our price and the winner's differ by {gap} %: check the prices"
        )
    return gap


def _check_can_close(session: Session, bid: Bid, outcome: str) -> BidClosure | None:
    closure = get_closure(session, bid.id)
    if bid.status != "open":
        if closure is None or closure.outcome != outcome:
            raise Conflict(
                f"bid {bid.id} is already {bid.status}; its close-out can be amended, "
                "not given another outcome",
                bid_status=bid.status,
            )
        return closure
    if outcome == "won" and bid.stage not in WON_FROM:
        raise Conflict(
            f"bid {bid.id} is in stage {bid.stage}: a bid is won only once its offer went out "
            "(stage execution or close_out, through the gate reviews)",
            stage=bid.stage,
            links={"gate_review": f"/api/v1/bids/{bid.id}/gates/{bid.stage}/review"},
        )
    return None


@dataclass(frozen=True, slots=True)
class Prepared:
    """A checked close-out input: the closure's fields and its structured parts."""

    fields: dict[str, Any]
    codes: list[str]
    competitors: list[dict[str, Any]]
    lessons: tuple[list[str], list[str]]


def prepare(session: Session, outcome: str, data: Mapping[str, Any]) -> Prepared:
    """Check a close-out input against the PMO's reason list and derive winner and gap."""
    codes = _check_reasons(session, outcome, list(data.get("reason_codes") or []))
    competitors = [dict(c) for c in data.get("competitors") or []]
    if not competitors and data.get("competitor"):
        competitors = [{"name": data["competitor"], "price": None, "won": False}]
    winner, winner_price = _winner({**data, "competitors": competitors}, outcome)
    fields = {
        "reasons": data.get("reasons"),
        "competitor": data.get("competitor") or (competitors[0]["name"] if competitors else None),
        "winner": winner,
        "our_price": data.get("our_price"),
        "winner_price": winner_price,
        "price_gap_percent": _price_gap(
            data.get("our_price"), winner_price, data.get("price_gap_percent")
        ),
        "lessons": data.get("lessons"),
    }
    lessons = (list(data.get("lessons_repeat") or []), list(data.get("lessons_avoid") or []))
    return Prepared(fields, codes, competitors, lessons)


def close_out(session: Session, user: User | None, bid: Bid, data: Mapping[str, Any]) -> BidClosure:
    """End the bid (or amend its close-out) as ``data`` says (see the module docstring)."""
    outcome = data["outcome"]
    existing = _check_can_close(session, bid, outcome)
    prepared = prepare(session, outcome, data)
    return record_closure(
        session,
        user,
        bid,
        outcome,
        prepared.fields,
        prepared.codes,
        prepared.competitors,
        prepared.lessons,
        closed_on=existing.closed_on if existing is not None else None,
    )


def record_closure(
    session: Session,
    user: User | None,
    bid: Bid,
    outcome: str,
    fields: Mapping[str, Any],
    codes: list[str],
    competitors: list[dict[str, Any]] | None = None,
    lessons: tuple[list[str], list[str]] = ([], []),
    *,
    closed_on: dt.date | None = None,
) -> BidClosure:
    """Close the open ``bid`` with ``outcome`` and write its close-out with the computed
    slips; journaled. Callers have checked the input. A won bid moves on to stage close-out
    (award, hand-over, lessons); a lost or abandoned one stays in the stage where it ended,
    so the stage conversion report sees where bids are lost."""
    from app.bids.service import update_bid

    if bid.status == "open":
        changes = {"status": outcome, **({"stage": "close_out"} if outcome == "won" else {})}
        update_bid(session, user, bid, changes)  # type: ignore[arg-type]
    slip_days, _ = schedule_slip(session, bid)
    slip_money, _ = budget_slip(session, bid)
    closure = get_closure(session, bid.id)
    values = {
        "outcome": outcome,
        **fields,
        "slipped": slipped_tasks(session, bid.id),
        "schedule_slip_days": slip_days,
        "budget_slip": slip_money,
        "closed_on": closed_on or dt.date.today(),
        "closed_by_id": user.id if user is not None else None,
    }
    if closure is None:
        closure = BidClosure(bid_id=bid.id, **values)
        session.add(closure)
        record_creation(
            session,
            user,
            closure,
            {k: v for k, v in values.items() if k != "slipped"},
            bid_id=bid.id,
        )
    else:
        apply_changes(session, user, closure, values, bid_id=bid.id)
    _replace_parts(session, user, closure, codes, competitors or [], lessons)
    session.flush()
    return closure


def _replace_parts(
    session: Session,
    user: User | None,
    closure: BidClosure,
    codes: list[str],
    competitors: list[dict[str, Any]],
    lessons: tuple[list[str], list[str]],
) -> None:
    """The close-out's reasons, competitors and lessons become exactly these (journaled)."""
    session.flush()
    before = closure_parts(session, closure.id)
    for model in (CloseOutReason, CloseOutCompetitor, CloseOutLesson):
        session.execute(delete(model).where(model.closure_id == closure.id))
    common = {"closure_id": closure.id, "bid_id": closure.bid_id}
    session.add_all(CloseOutReason(**common, code=code) for code in codes)
    session.add_all(
        CloseOutCompetitor(**common, name=c["name"], price=c.get("price"), won=bool(c.get("won")))
        for c in competitors
    )
    repeat, avoid = lessons
    session.add_all(CloseOutLesson(**common, kind="repeat", text=text) for text in repeat)
    session.add_all(CloseOutLesson(**common, kind="avoid", text=text) for text in avoid)
    session.flush()
    after = closure_parts(session, closure.id)
    record_changes(session, user, closure, before, after, bid_id=closure.bid_id)


def closure_parts(session: Session, closure_id: int) -> dict[str, Any]:
    reasons = session.scalars(
        select(CloseOutReason.code)
        .where(CloseOutReason.closure_id == closure_id)
        .order_by(CloseOutReason.id)
    )
    competitors = session.scalars(
        select(CloseOutCompetitor)
        .where(CloseOutCompetitor.closure_id == closure_id)
        .order_by(CloseOutCompetitor.id)
    )
    lessons = list(
        session.scalars(
            select(CloseOutLesson)
            .where(CloseOutLesson.closure_id == closure_id)
            .order_by(CloseOutLesson.id)
        )
    )
    return {
        "reason_codes": list(reasons),
        "competitors": [
            {"name": c.name, "price": None if c.price is None else str(c.price), "won": c.won}
            for c in competitors
        ],
        "lessons_repeat": [lesson.text for lesson in lessons if lesson.kind == "repeat"],
        "lessons_avoid": [lesson.text for lesson in lessons if lesson.kind == "avoid"],
    }


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def closure_json(session: Session, closure: BidClosure) -> dict[str, Any]:
    bid = session.get(Bid, closure.bid_id)
    known = reason_codes(session)
    parts = closure_parts(session, closure.id)
    _, schedule_note = schedule_slip(session, bid) if bid else (None, "")
    _, budget_note = budget_slip(session, bid) if bid else (None, "")
    gap = None
    if closure.our_price is not None and closure.winner_price is not None:
        gap = closure.our_price - closure.winner_price
    return {
        "bid_id": closure.bid_id,
        "outcome": closure.outcome,
        "purpose": bid.purpose if bid else None,
        "closed_on": closure.closed_on,
        "closed_by_id": closure.closed_by_id,
        "reason_codes": parts["reason_codes"],
        "reason_labels": [
            {"code": code, "name": known[code].name, "name_en": known[code].name_en}
            if code in known
            else {"code": code, "name": code, "name_en": code}
            for code in parts["reason_codes"]
        ],
        "reasons": closure.reasons,
        "competitor": closure.competitor,
        "competitors": parts["competitors"],
        "winner": closure.winner,
        "our_price": _money(closure.our_price),
        "winner_price": _money(closure.winner_price),
        "price_gap": _money(gap),
        "price_gap_percent": _money(closure.price_gap_percent),
        "lessons_repeat": parts["lessons_repeat"],
        "lessons_avoid": parts["lessons_avoid"],
        "lessons": closure.lessons,
        "schedule_slip_days": closure.schedule_slip_days,
        "schedule_slip_explained": schedule_note,
        "budget_slip": _money(closure.budget_slip),
        "budget_slip_explained": budget_note,
        "slipped": closure.slipped,
        "version": closure.version,
    }
