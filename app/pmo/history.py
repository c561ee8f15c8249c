"""Stage history: one ``StageVisit`` per stay of a bid in a stage.

The bid service calls ``open_first_visit`` when a bid is created and ``after_bid_change`` after
every update, so stage changes made anywhere (``PATCH /bids``, gate reviews, imports) are
recorded the same way. Status changes count too: winning, losing or abandoning a bid ends its
current stay with that outcome; reopening it starts a new one.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bids.models import STAGES, Bid
from app.db import utcnow
from app.journal.service import record_changes
from app.pmo.models import StageVisit

if TYPE_CHECKING:
    from app.auth.models import User


def current_visit(session: Session, bid_id: int) -> StageVisit | None:
    statement = (
        select(StageVisit)
        .where(StageVisit.bid_id == bid_id, StageVisit.left_at.is_(None))
        .order_by(StageVisit.id.desc())
    )
    return session.scalars(statement.limit(1)).first()


def open_first_visit(session: Session, bid: Bid, at: dt.datetime | None = None) -> None:
    """The bid's first stay, in the stage it was created in (none when created closed)."""
    if bid.status == "open":
        session.add(StageVisit(bid_id=bid.id, stage=bid.stage, entered_at=at or utcnow()))


def _stage_move(old_stage: str, new_stage: str) -> str:
    return "advanced" if STAGES.index(new_stage) > STAGES.index(old_stage) else "sent_back"


def record_stage_change(
    session: Session, bid: Bid, old_stage: str | None, old_status: str | None
) -> None:
    """Write the history for a bid whose stage and/or status just changed (old values given
    for what changed, None for what did not)."""
    now = utcnow()
    was_open = (old_status or bid.status) == "open"
    visit = current_visit(session, bid.id) if was_open else None
    if visit is not None and old_stage is not None:
        visit.left_at, visit.outcome = now, _stage_move(old_stage, bid.stage)
        visit = None
    if visit is None and (was_open or bid.status == "open"):
        visit = StageVisit(bid_id=bid.id, stage=bid.stage, entered_at=now)
        session.add(visit)
    if visit is not None and bid.status != "open":
        visit.left_at, visit.outcome = now, bid.status


def after_bid_change(
    session: Session, user: User | None, bid: Bid, changed: dict[str, Any]
) -> None:
    """Hook of ``app.bids.service.update_bid``: ``changed`` maps each changed field to its old
    value. Records stage history, and drops an override reason once the probability it
    justified is replaced without one."""
    if "stage" in changed or "status" in changed:
        session.flush()
        record_stage_change(session, bid, changed.get("stage"), changed.get("status"))
    if "win_probability_percent" in changed and bid.win_probability_reason is not None:
        before = {"win_probability_reason": bid.win_probability_reason}
        bid.win_probability_reason = None
        record_changes(session, user, bid, before, {"win_probability_reason": None}, bid_id=bid.id)
