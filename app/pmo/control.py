"""The PMO's control of stages outside the ordinary gates: a reasoned stage override, the
import of a bid's history, and the list of gates waiting for review.

Both writes leave a ``GateReview`` row (decision ``override`` or ``import``) with the reason,
next to the gate reviews, and journal it; the stage change itself goes through
``app.bids.service.update_bid`` so stage history and the journal record it as usual.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.permissions import visible_bids_clause
from app.bids.models import Bid
from app.bids.service import create_bid, update_bid
from app.closeout.service import CLOSED, prepare, record_closure
from app.crud import record_creation
from app.errors import Conflict
from app.pmo.models import GateReview, StageGate
from wbs.gates import load_gates

REVIEW_FIELDS = ("decision", "comment", "override_reason", "stage", "to_stage")


def _journal_review(session: Session, user: User | None, review: GateReview) -> None:
    session.add(review)
    fields = {f: getattr(review, f) for f in REVIEW_FIELDS}
    record_creation(session, user, review, fields, bid_id=review.bid_id)


def override_stage(session: Session, user: User, bid: Bid, stage: str, reason: str) -> GateReview:
    """Put an open bid in ``stage`` without its gates, with the PMO's reason (journaled)."""
    if bid.status != "open":
        raise Conflict(f"bid {bid.id} is {bid.status}; only an open bid's stage is corrected")
    if stage == bid.stage:
        raise Conflict(f"bid {bid.id} is already in stage {stage}")
    review = GateReview(
        bid_id=bid.id,
        stage=bid.stage,
        decision="override",
        override_reason=reason,
        missing=[],
        to_stage=stage,
        reviewer_id=user.id,
    )
    update_bid(session, user, bid, {"stage": stage})
    _journal_review(session, user, review)
    return review


def import_bid(
    session: Session,
    user: User | None,
    data: Mapping[str, Any],
    reason: str,
    close_out: Mapping[str, Any] | None = None,
) -> Bid:
    """A bid brought in with its history: created in its stage and status (a closed bid with
    its close-out: the given one, else one naming the import reason). A second quote on a
    pursued account is held for arbitration, never refused."""
    fields = dict(data)
    status = fields.get("status", "open")
    prepared = prepare(session, status, {**close_out, "outcome": status}) if close_out else None
    bid = create_bid(session, user, fields, hold_conflict=True)
    _journal_review(
        session,
        user,
        GateReview(
            bid_id=bid.id,
            stage=bid.stage,
            decision="import",
            comment=reason,
            missing=[],
            to_stage=bid.stage,
            reviewer_id=user.id if user is not None else None,
        ),
    )
    if status in CLOSED:
        closed_on = fields.get("status_date")
        if prepared is None:
            record_closure(session, user, bid, status, {"reasons": reason}, [], closed_on=closed_on)
        else:
            record_closure(
                session,
                user,
                bid,
                status,
                prepared.fields,
                prepared.codes,
                prepared.competitors,
                prepared.lessons,
                closed_on=closed_on,
            )
    session.flush()
    return bid


def waiting_gates(session: Session, user: User) -> list[dict[str, Any]]:
    """Open bids whose current gate is ready for the PMO (exit criteria of the stage and entry
    criteria of the next all checked), oldest bid first."""
    gates = load_gates()
    bids = list(
        session.scalars(
            select(Bid)
            .where(visible_bids_clause(user), Bid.status == "open")
            .where(Bid.arbitration.is_(None) | (Bid.arbitration == "allowed"))
            .order_by(Bid.id)
        )
    )
    rows = {
        (row.bid_id, row.stage): row
        for row in session.scalars(
            select(StageGate).where(StageGate.bid_id.in_([bid.id for bid in bids]))
        )
    }
    waiting = []
    for bid in bids:
        missing = gate_missing(gates, bid, rows)
        waiting.append({"bid": bid, "missing": missing, "ready": not missing})
    return waiting


def gate_missing(gates: Any, bid: Bid, rows: Mapping[tuple[int, str], StageGate]) -> list[str]:
    """What the bid's current gate still lacks: its exit items and deliverables, then the next
    stage's entry items (as ``<next stage>:<code>``)."""
    row = rows.get((bid.id, bid.stage))
    missing = gates.gate(bid.stage).missing(row.checked if row is not None else {})
    following = gates.next_stage(bid.stage)
    if following is not None:
        next_row = rows.get((bid.id, following))
        checked = next_row.checked if next_row is not None else {}
        missing += [
            f"{following}:{item.code}"
            for item in gates.gate(following).entry
            if item.code not in checked
        ]
    return list(missing)


def missing_label(gates: Any, stage: str, code: str) -> str:
    """A missing item as the PMO reads it: its English and Chinese text (entry items of the
    next stage prefixed with that stage's name)."""
    owner, _, item = code.rpartition(":")
    gate = gates.gate(owner or stage)
    texts = {i.code: f"{i.text_en} {i.text_zh}" for i in (*gate.entry, *gate.exit)}
    texts.update({d.code: f"{d.name_en} {d.name_zh}" for d in gate.deliverables})
    text = texts.get(item, item)
    return f"{gate.name_en} entry: {text}" if owner else text
