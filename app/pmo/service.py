"""Use cases of the PMO: gate checklists and reviews, win-probability overrides, and the reports
(stage conversion, weighted pipeline, forecast) translated to and from ``wbs.pipeline``.

Gate rules (definitions from ``wbs.gates``):
- only the gate of the bid's current stage is reviewed, and only while the bid is open;
- ``approve`` needs every exit item and deliverable of the stage and every entry item of the
  next stage checked, or an ``override_reason`` (recorded with what was missing); it freezes
  the baseline "gate: <stage>" and moves the bid to the next stage (close-out, the last gate,
  only records the pass: a bid ends through its close-out, ``app.closeout``);
- ``send_back`` returns the bid to an earlier stage (default: the previous one);
- ``stop`` abandons the bid, with a close-out naming the comment as its reason.
Stage changes go through ``app.bids.service.update_bid``, so stage history and the journal see
them exactly like a ``PATCH /bids``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.auth.models import User
from app.auth.permissions import visible_bids_clause
from app.baselines.service import take_baseline
from app.bids.models import Bid
from app.bids.service import update_bid
from app.closeout.service import record_closure
from app.crud import apply_changes, record_creation
from app.db import utcnow
from app.errors import Conflict, Invalid
from app.journal.service import record_changes
from app.orgs.models import OrgUnit
from app.pmo.control import gate_missing
from app.pmo.models import GateReview, StageGate, StageVisit
from app.pmo.probability import effective_win_probability, win_probability_source
from wbs import pipeline
from wbs.gates import GateDefinitions, load_gates

GATE_NOT_STARTED_VERSION = 0


@dataclass(frozen=True, slots=True)
class NewGate:
    """The version of a gate that has no row yet (its ETag is ``W/"0"``)."""

    version: int = GATE_NOT_STARTED_VERSION


# --- gates ----------------------------------------------------------------------------------


def gate_row(session: Session, bid_id: int, stage: str) -> StageGate | None:
    statement = select(StageGate).where(StageGate.bid_id == bid_id, StageGate.stage == stage)
    return session.scalars(statement).first()


def _gate_rows(session: Session, bid_id: int) -> dict[str, StageGate]:
    rows = session.scalars(select(StageGate).where(StageGate.bid_id == bid_id))
    return {row.stage: row for row in rows}


def _gate_rows_by_key(session: Session, bid_id: int) -> dict[tuple[int, str], StageGate]:
    return {(bid_id, stage): row for stage, row in _gate_rows(session, bid_id).items()}


def gate_reviews(session: Session, bid_id: int) -> list[GateReview]:
    statement = select(GateReview).where(GateReview.bid_id == bid_id).order_by(GateReview.id)
    return list(session.scalars(statement))


def _item_json(code: str, texts: dict[str, Any], checked: Mapping[str, Any]) -> dict[str, Any]:
    mark = checked.get(code)
    return {
        "code": code,
        **texts,
        "checked": mark is not None,
        "checked_by": mark.get("by") if mark else None,
        "checked_at": mark.get("at") if mark else None,
    }


def gate_json(
    bid: Bid, stage: str, row: StageGate | None, reviews: Iterable[GateReview]
) -> dict[str, Any]:
    """One stage's gate: criteria with their checked state, deliverables, review state."""
    gate = load_gates().gate(stage)
    checked: Mapping[str, Any] = row.checked if row is not None else {}
    return {
        "stage": stage,
        "name_zh": gate.name_zh,
        "name_en": gate.name_en,
        "current": bid.stage == stage,
        "default_win_probability_percent": gate.default_win_probability_percent,
        "entry": [
            _item_json(i.code, {"text_zh": i.text_zh, "text_en": i.text_en}, checked)
            for i in gate.entry
        ],
        "exit": [
            _item_json(i.code, {"text_zh": i.text_zh, "text_en": i.text_en}, checked)
            for i in gate.exit
        ],
        "deliverables": [
            _item_json(
                d.code,
                {
                    "name_zh": d.name_zh,
                    "name_en": d.name_en,
                    "template_element": d.template_element,
                },
                checked,
            )
            for d in gate.deliverables
        ],
        "missing": gate.missing(checked),
        "exit_criteria_met": not gate.missing(checked),
        "state": row.state if row is not None else "open",
        "passed_on": row.passed_on if row is not None else None,
        "version": row.version if row is not None else GATE_NOT_STARTED_VERSION,
        "reviews": [review_json(r) for r in reviews if r.stage == stage],
    }


def gates_json(session: Session, bid: Bid) -> list[dict[str, Any]]:
    rows, reviews = _gate_rows(session, bid.id), gate_reviews(session, bid.id)
    return [gate_json(bid, g.stage, rows.get(g.stage), reviews) for g in load_gates().stages]


def review_json(review: GateReview) -> dict[str, Any]:
    return {
        "id": review.id,
        "bid_id": review.bid_id,
        "stage": review.stage,
        "decision": review.decision,
        "comment": review.comment,
        "override_reason": review.override_reason,
        "missing": review.missing,
        "to_stage": review.to_stage,
        "reviewer_id": review.reviewer_id,
        "baseline_id": review.baseline_id,
        "created_at": review.created_at,
    }


def _ensure_gate(session: Session, bid_id: int, stage: str) -> StageGate:
    row = gate_row(session, bid_id, stage)
    if row is None:
        row = StageGate(bid_id=bid_id, stage=stage, checked={}, state="open")
        session.add(row)
        session.flush()
    return row


def update_checklist(
    session: Session, user: User, bid: Bid, stage: str, items: Mapping[str, bool]
) -> StageGate:
    """Check or uncheck items of a gate (entry, exit or deliverables); journaled per item."""
    gate = load_gates().gate(stage)
    unknown = sorted(set(items) - gate.item_codes())
    if unknown:
        raise Invalid(
            f"unknown checklist items for stage {stage}: {', '.join(unknown)}",
            errors=[
                {"field": f"checked.{code}", "message": "not an item of this gate"}
                for code in unknown
            ],
        )
    row = _ensure_gate(session, bid.id, stage)
    checked = dict(row.checked)
    before = {code: code in checked for code in items}
    for code, is_checked in items.items():
        if is_checked and code not in checked:
            checked[code] = {"by": user.id, "at": utcnow().isoformat()}
        elif not is_checked:
            checked.pop(code, None)
    if checked != row.checked:
        row.checked = checked
        after = {code: code in checked for code in items}
        record_changes(
            session,
            user,
            row,
            {f"checked:{c}": v for c, v in before.items()},
            {f"checked:{c}": v for c, v in after.items()},
            bid_id=bid.id,
        )
    session.flush()
    return row


@dataclass(frozen=True, slots=True)
class Decision:
    decision: str
    comment: str | None = None
    override_reason: str | None = None
    to_stage: str | None = None


def _check_reviewable(bid: Bid, stage: str) -> None:
    if bid.status != "open":
        raise Conflict(f"bid {bid.id} is {bid.status}; only open bids pass gates")
    if bid.stage != stage:
        raise Conflict(
            f"bid {bid.id} is in stage {bid.stage}; only that stage's gate can be reviewed",
            current_stage=bid.stage,
        )


def _send_back_target(gates: GateDefinitions, stage: str, to_stage: str | None) -> str:
    target = to_stage or gates.previous_stage(stage)
    if target is None:
        raise Conflict(f"{stage} is the first stage; there is nothing to send the bid back to")
    if gates.index(target) >= gates.index(stage):
        raise Invalid.field("to_stage", f"must be a stage before {stage}")
    return target


def review_gate(
    session: Session, user: User, bid: Bid, stage: str, decision: Decision
) -> GateReview:
    """The PMO's decision on the bid's current gate (see the module docstring for the rules)."""
    _check_reviewable(bid, stage)
    gates = load_gates()
    row = _ensure_gate(session, bid.id, stage)
    missing = gate_missing(gates, bid, _gate_rows_by_key(session, bid.id))
    review = GateReview(
        bid_id=bid.id,
        stage=stage,
        decision=decision.decision,
        comment=decision.comment,
        missing=missing,
        reviewer_id=user.id,
    )
    if decision.decision == "approve":
        _approve(session, user, bid, row, review, missing, decision.override_reason)
    elif decision.decision == "send_back":
        review.to_stage = _send_back_target(gates, stage, decision.to_stage)
        row.state = "sent_back"
        update_bid(session, user, bid, {"stage": review.to_stage})
    else:
        row.state = "stopped"
        fields = {"reasons": decision.comment or "stopped at the gate review"}
        record_closure(session, user, bid, "abandoned", fields, ["strategic_no_bid"])
    session.add(review)
    fields = ("decision", "comment", "override_reason", "to_stage", "stage", "baseline_id")
    record_creation(session, user, review, {f: getattr(review, f) for f in fields}, bid_id=bid.id)
    return review


def _approve(
    session: Session,
    user: User,
    bid: Bid,
    row: StageGate,
    review: GateReview,
    missing: list[str],
    override_reason: str | None,
) -> None:
    if missing and not override_reason:
        raise Conflict(
            f"the exit criteria of {row.stage} or the entry criteria of the next stage are not "
            f"met ({', '.join(missing)}); check them or approve with an override_reason",
            missing=missing,
        )
    review.override_reason = override_reason if missing else None
    baseline = take_baseline(session, user, bid, f"gate: {row.stage}")
    session.flush()
    review.baseline_id = baseline.id
    row.state, row.passed_on = "approved", dt.date.today()
    next_stage = load_gates().next_stage(row.stage)
    review.to_stage = next_stage
    if next_stage is not None:
        update_bid(session, user, bid, {"stage": next_stage})


# --- win probability ------------------------------------------------------------------------


def win_probability_json(bid: Bid) -> dict[str, Any]:
    return {
        "bid_id": bid.id,
        "stage": bid.stage,
        "effective_percent": effective_win_probability(bid.stage, bid.win_probability_percent),
        "source": win_probability_source(bid.win_probability_percent, bid.win_probability_reason),
        "stage_default_percent": load_gates().default_win_probability(bid.stage),
        "percent": bid.win_probability_percent,
        "reason": bid.win_probability_reason,
    }


def override_win_probability(
    session: Session, user: User, bid: Bid, percent: int, reason: str
) -> None:
    """Set the bid's probability with the reason it departs from the stage default."""
    changes = {"win_probability_percent": percent, "win_probability_reason": reason}
    apply_changes(session, user, bid, changes, bid_id=bid.id)
    session.flush()


def clear_win_probability(session: Session, user: User, bid: Bid) -> None:
    """Back to the stage default."""
    changes = {"win_probability_percent": None, "win_probability_reason": None}
    apply_changes(session, user, bid, changes, bid_id=bid.id)
    session.flush()


# --- reports --------------------------------------------------------------------------------


def _visible_bids(session: Session, user: User) -> list[Bid]:
    statement = select(Bid).where(visible_bids_clause(user)).order_by(Bid.id)
    return list(session.scalars(statement))


def _names(session: Session, model: Any, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(select(model.id, model.name).where(model.id.in_(wanted)))
    return {row_id: name for row_id, name in rows}


def expected_award(bid: Bid) -> dt.date | None:
    """The explicit expected award date, else the submission deadline (the award month is
    taken to be the month bids are due), else unknown."""
    return bid.expected_award_date or bid.submission_deadline


@dataclass(frozen=True, slots=True)
class PipelineInput:
    bids: list[pipeline.PipelineBid]
    without_value: list[int]
    relationship: list[int]


def pipeline_input(session: Session, user: User) -> PipelineInput:
    """The caller's open bids as pipeline items; open bids without a value are listed apart,
    and relationship bids (entered to keep the relationship, not to win) are not weighted in."""
    visible = [b for b in _visible_bids(session, user) if b.status == "open"]
    relationship = [b.id for b in visible if b.purpose == "relationship"]
    open_bids = [b for b in visible if b.purpose != "relationship"]
    units = _names(session, OrgUnit, (b.org_unit_id for b in open_bids))
    accounts = _names(session, Account, (b.account_id for b in open_bids))
    items = [
        pipeline.PipelineBid(
            bid_id=b.id,
            value=b.value,
            currency=b.currency,
            probability_percent=effective_win_probability(b.stage, b.win_probability_percent),
            expected_award=expected_award(b),
            org_unit=units[b.org_unit_id],
            account=accounts[b.account_id],
            product_line=b.product_line,
        )
        for b in open_bids
        if b.value is not None
    ]
    return PipelineInput(items, [b.id for b in open_bids if b.value is None], relationship)


def _group_of(session: Session, bids: list[Bid], group_by: str) -> Callable[[int], str]:
    by_id = {b.id: b for b in bids}
    if group_by == "kind":
        return lambda bid_id: by_id[bid_id].kind
    if group_by == "industry":
        rows = session.execute(
            select(Account.id, Account.industry).where(Account.id.in_({b.account_id for b in bids}))
        )
        industries = {row_id: industry or pipeline.NONE_GROUP for row_id, industry in rows}
        return lambda bid_id: industries[by_id[bid_id].account_id]
    units = _names(session, OrgUnit, (b.org_unit_id for b in bids))
    return lambda bid_id: units[by_id[bid_id].org_unit_id]


def stage_report(session: Session, user: User, group_by: str) -> list[pipeline.StageGroupReport]:
    """Time in stage and stage conversion of the caller's bids, per group."""
    bids = _visible_bids(session, user)
    if not bids:
        return []
    visits = session.scalars(
        select(StageVisit)
        .where(StageVisit.bid_id.in_([b.id for b in bids]))
        .order_by(StageVisit.bid_id, StageVisit.entered_at, StageVisit.id)
    )
    by_id = {b.id: b for b in bids}
    plain = [_plain_visit(v, by_id[v.bid_id]) for v in visits]
    return pipeline.stage_report(plain, _group_of(session, bids, group_by))


def _plain_visit(visit: StageVisit, bid: Bid) -> pipeline.StageVisit:
    """The visit for ``wbs.pipeline``; a stay still open on a closed bid (closed by a path that
    bypasses the bid service, e.g. a one-quote arbitration) ends with the bid's status."""
    if visit.left_at is None and bid.status != "open":
        return pipeline.StageVisit(
            visit.bid_id, visit.stage, visit.entered_at, bid.updated_at, bid.status
        )
    return pipeline.StageVisit(
        visit.bid_id, visit.stage, visit.entered_at, visit.left_at, visit.outcome
    )


def stage_history(session: Session, bid_id: int) -> list[StageVisit]:
    statement = (
        select(StageVisit)
        .where(StageVisit.bid_id == bid_id)
        .order_by(StageVisit.entered_at, StageVisit.id)
    )
    return list(session.scalars(statement))
