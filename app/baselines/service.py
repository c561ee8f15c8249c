"""Baselines: freeze a bid's current dates and budgets."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.baselines.models import Baseline
from app.bids.models import Bid
from app.crud import record_creation
from app.tasks.models import Task
from app.tasks.service import budgets_of


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def take_baseline(session: Session, user: User | None, bid: Bid, name: str) -> Baseline:
    """A frozen copy of every task's dates, duration and budget lines, as JSON."""
    tasks = list(session.scalars(select(Task).where(Task.bid_id == bid.id).order_by(Task.id)))
    budgets = budgets_of(session, (t.id for t in tasks))
    snapshot = {
        "project_start": _iso(bid.start_date),
        "project_finish": _iso(bid.project_finish),
        "submission_deadline": _iso(bid.submission_deadline),
        "pursuit_budget": str(bid.pursuit_budget) if bid.pursuit_budget is not None else None,
        "tasks": [
            {
                "task_id": t.id,
                "wbs_code": t.wbs_code,
                "name": t.name,
                "kind": t.kind,
                "duration_days": t.duration_days,
                "start": _iso(t.planned_start),
                "finish": _iso(t.planned_finish),
                "budget": {k: str(v) for k, v in sorted(budgets.get(t.id, {}).items())},
            }
            for t in tasks
        ],
    }
    baseline = Baseline(
        bid_id=bid.id, name=name, taken_by_id=user.id if user else None, snapshot=snapshot
    )
    session.add(baseline)
    record_creation(session, user, baseline, {"name": name}, bid_id=bid.id)
    return baseline
