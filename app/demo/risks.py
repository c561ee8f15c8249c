"""The demo's risk register: three risks on the metro bid (the first demo bid), with their
responses, and its solution-design tasks correlated (one design team does them all)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bids.models import Bid
from app.risk.models import Risk
from app.risk.service import create_risk
from app.tasks.models import Task

DEMO_RISKS: tuple[tuple[str, dict[str, Any]], ...] = (
    (
        "解决方案设计",
        {
            "title": "设计院接口资料迟交 Design institute's interface data late",
            "category": "technical",
            "probability": 0.35,
            "impact_optimistic_days": 2,
            "impact_likely_days": 4,
            "impact_pessimistic_days": 8,
            "post_probability": 0.15,
            "response": "周例会跟踪、提前索要草稿 Weekly follow-up; ask for drafts early",
        },
    ),
    (
        "价格审批",
        {
            "title": "价格需集团审批 Price escalated to the group for approval",
            "category": "commercial",
            "probability": 0.3,
            "impact_optimistic_days": 1,
            "impact_likely_days": 2,
            "impact_pessimistic_days": 5,
        },
    ),
    (
        "办理投标保证金",
        {
            "title": "银行保函开立延误 Bank guarantee issued late",
            "category": "compliance",
            "probability": 0.2,
            "impact_optimistic_days": 1,
            "impact_likely_days": 2,
            "impact_pessimistic_days": 3,
            "post_probability": 0.05,
            "response": "提前与开户行预约 Book the bank a week ahead",
        },
    ),
)


def load_demo_risks(session: Session, title: str) -> None:
    """Add the demo risks to the bid titled ``title`` unless it has a register already."""
    bid = session.scalar(select(Bid).where(Bid.title == title))
    if bid is None or session.scalar(select(Risk.id).where(Risk.bid_id == bid.id).limit(1)):
        return
    for prefix, data in DEMO_RISKS:
        tasks = list(
            session.scalars(
                select(Task.id).where(
                    Task.bid_id == bid.id, Task.kind == "task", Task.name.startswith(prefix)
                )
            )
        )
        create_risk(session, None, bid, {**data, "task_ids": tasks})
    design = list(
        session.scalars(
            select(Task.id).where(
                Task.bid_id == bid.id, Task.kind == "task", Task.name.startswith("解决方案设计")
            )
        )
    )
    if len(design) > 1:
        bid.risk_correlations = [{"task_ids": design, "rank_correlation": 0.6}]
    session.flush()
