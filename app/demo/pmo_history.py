"""The demo portfolio's PMO past: stage history, gate checklists and gate reviews.

The demo bids are created directly in their current stage, so on their own they would have no
history and the PMO reports would be empty. ``load_pmo_history`` gives each demo bid a plausible
past instead: it went through every stage up to its current one between its start date and its
status date (time per stage in proportion to ``STAGE_WEIGHTS``), each passed gate approved by
the PMO, one bid sent back once, closed bids ending in close-out with their status as outcome.
The current gate has its entry items and about half of its exit items checked, and the last
passed gate of an open bid froze its "gate: <stage>" baseline. ``app.demo.pmo_control`` then
writes the closed bids' close-outs, the relationship bid and the PMO's arbitrations.

Idempotent: a bid that already has a gate row is left alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.service import get_user_by_username
from app.baselines.service import take_baseline
from app.bids.models import STAGES, Bid
from app.demo.data import BIDS, BidData
from app.demo.pmo_control import load_pmo_control
from app.pmo.models import GateReview, StageGate, StageVisit
from wbs.gates import load_gates

STAGE_WEIGHTS = {
    "lead_in": 1,
    "goals": 1,
    "team": 1,
    "analysis": 2,
    "strategy": 2,
    "plan": 1,
    "execution": 4,
    "close_out": 2,
}
# (title of the demo bid, stage it was sent back from, stage it was sent back to)
SENT_BACK = ("东海地铁5号线综合监控系统集成项目", "plan", "strategy")
APPROVED = "同意进入下一阶段 · Approved"
SENT_BACK_COMMENT = "竞争策略需重新评估 · Rework the strategy"
REVIEW_HOUR = dt.time(2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing
DEMO_IMPORT_REASON = "演示数据：历史投标导入 · Demo portfolio: bid history imported"


def load_pmo_history(session: Session, bids: Iterable[BidData] = BIDS) -> None:
    """Write the demo bids' PMO past (see the module docstring)."""
    reviewer = get_user_by_username(session, "pmo")
    for data in bids:
        bid = session.scalar(select(Bid).where(Bid.title == data.title))
        if bid is None or session.scalar(select(StageGate.id).where(StageGate.bid_id == bid.id)):
            continue
        _history(session, bid, data, reviewer)
    session.flush()
    load_pmo_control(session)


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, REVIEW_HOUR)


def _path(data: BidData) -> list[str]:
    """The stages visited in order, with the demo send-back where there is one."""
    stages = list(STAGES[: STAGES.index(data.stage) + 1])
    title, back_from, back_to = SENT_BACK
    if data.title == title and back_from in stages:
        position = stages.index(back_from)
        stages[position + 1 : position + 1] = [back_to, back_from]
    return stages


def _entry_days(path: list[str], start: dt.date, end: dt.date) -> list[dt.date]:
    weights = [STAGE_WEIGHTS[stage] for stage in path]
    span = max((end - start).days, len(path))
    whole = sum(weights)
    days, elapsed = [], 0
    for weight in weights:
        days.append(start + dt.timedelta(days=span * elapsed // whole))
        elapsed += weight
    return days


def _history(session: Session, bid: Bid, data: BidData, reviewer: User | None) -> None:
    session.execute(delete(StageVisit).where(StageVisit.bid_id == bid.id))
    path = _path(data)
    end = data.status_date or data.start_date
    entered = _entry_days(path, data.start_date, end)
    for position, stage in enumerate(path):
        last = position == len(path) - 1
        left = None if last and data.status == "open" else (end if last else entered[position + 1])
        outcome = _outcome(stage, None if last else path[position + 1], data.status)
        session.add(
            StageVisit(
                bid_id=bid.id,
                stage=stage,
                entered_at=_at(entered[position]),
                left_at=_at(left) if left is not None else None,
                outcome=outcome,
            )
        )
        if not last:
            _review(session, bid, stage, path[position + 1], entered[position + 1], reviewer)
    _current_gate(session, bid, data)
    if data.status == "open" and len(path) > 1:
        take_baseline(session, reviewer, bid, f"gate: {path[-2]}")


def _outcome(stage: str, next_stage: str | None, status: str) -> str | None:
    if next_stage is None:
        return None if status == "open" else status
    return "advanced" if STAGES.index(next_stage) > STAGES.index(stage) else "sent_back"


def _review(
    session: Session, bid: Bid, stage: str, to_stage: str, on: dt.date, reviewer: User | None
) -> None:
    gate = load_gates().gate(stage)
    forward = STAGES.index(to_stage) > STAGES.index(stage)
    stamp = {"by": reviewer.id if reviewer else None, "at": _at(on).isoformat()}
    row = session.scalar(
        select(StageGate).where(StageGate.bid_id == bid.id, StageGate.stage == stage)
    )
    if row is None:
        row = StageGate(bid_id=bid.id, stage=stage, checked={})
        session.add(row)
    row.checked = dict.fromkeys(sorted(gate.item_codes()), stamp) if forward else {}
    row.state = "approved" if forward else "sent_back"
    row.passed_on = on if forward else None
    session.add(
        GateReview(
            bid_id=bid.id,
            stage=stage,
            decision="approve" if forward else "send_back",
            comment="同意进入下一阶段 Approved"
            if forward
            else "方案策略需重新评估 Rework strategy",
            missing=[],
            to_stage=to_stage,
            reviewer_id=reviewer.id if reviewer else None,
        )
    )
    session.flush()


def _current_gate(session: Session, bid: Bid, data: BidData) -> None:
    """The gate of the bid's current stage with its entry items (the stage was entered through
    the previous gate) and the first half of its exit items checked."""
    gate = load_gates().gate(data.stage)
    required = gate.missing([])
    stamp = {"by": None, "at": _at(data.status_date or data.start_date).isoformat()}
    done = required[: len(required) // 2] if data.status == "open" else required
    done = [item.code for item in gate.entry] + done
    row = session.scalar(
        select(StageGate).where(StageGate.bid_id == bid.id, StageGate.stage == data.stage)
    )
    if row is None:
        row = StageGate(bid_id=bid.id, stage=data.stage, checked={})
        session.add(row)
    row.checked = dict.fromkeys(done, stamp)
    row.state = "open" if data.status == "open" else "approved"
    row.passed_on = None if data.status == "open" else data.status_date
