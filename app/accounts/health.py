"""Account health: rows -> ``wbs.account_health`` facts -> score, level and reasons.

The facts, per account (formula and weights: ``wbs.account_health``, ``docs/account-health.md``):
- slipping customer-facing milestones of its open bids: milestones owned by a customer-facing
  role (sales rep, presales consultant: needs confirmed, submission, bid opening, award notice)
  whose finish now (actual, else planned) is later than their finish in the bid's latest
  baseline or than their deadline (the earlier of the two);
- CPI and SPI of its open bids, from the cost-control report at each bid's status date;
- the last contact with each decision-maker (contact log);
- bids lost within the last 365 days (dated by their status date, else their submission
  deadline); relationship bids (``purpose`` relationship) are entered to be lost and cost
  nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.influence import last_contact_dates
from app.accounts.models import Account, Stakeholder
from app.bids.models import Bid
from app.orgs.models import OrgUnit
from app.reports.service import ReportOptions, bid_report, latest_baseline
from app.tasks.models import Task
from wbs.account_health import (
    AccountFacts,
    AccountHealth,
    BidPerformance,
    DecisionMaker,
    HealthRules,
    LostBid,
    MilestoneSlip,
    account_health,
)
from wbs.decompose import SUBMISSION_CODE

CUSTOMER_FACING_ROLES = ("sales_rep", "presales_consultant")
LEVEL_ORDER = {"at_risk": 0, "watch": 1, "healthy": 2}


def _baseline_finishes(session: Session, bid_id: int) -> dict[int, dt.date]:
    baseline = latest_baseline(session, bid_id)
    if baseline is None:
        return {}
    finishes = {}
    for row in baseline.snapshot.get("tasks", []):
        finish = row.get("finish")
        if isinstance(finish, str) and finish:
            finishes[int(row["task_id"])] = dt.date.fromisoformat(finish)
    return finishes


def milestone_slips(session: Session, bid: Bid) -> list[MilestoneSlip]:
    """The bid's customer-facing milestones with a reference finish (the earlier of baseline
    finish and deadline)."""
    baseline = _baseline_finishes(session, bid.id)
    statement = select(Task).where(
        Task.bid_id == bid.id,
        Task.kind == "milestone",
        Task.kam_role.in_(CUSTOMER_FACING_ROLES),
    )
    slips = []
    for task in session.scalars(statement.order_by(Task.id)):
        finish = task.actual_finish or task.planned_finish or task.early_finish
        deadlines = [task.deadline]
        if task.template_code == SUBMISSION_CODE:  # the bid's deadline caps its submission
            deadlines.append(bid.submission_deadline)
        references = [
            (day, kind)
            for day, kind in (
                (baseline.get(task.id), "baseline"),
                (min((d for d in deadlines if d is not None), default=None), "deadline"),
            )
            if day is not None
        ]
        if finish is None or not references:
            continue
        # the stricter reference: a milestone past its deadline slips even on a fresh baseline
        reference, kind = min(references)
        slips.append(MilestoneSlip(bid.id, task.id, task.name, reference, finish, kind))
    return slips


def bid_performance(session: Session, bid: Bid, units: dict[int, OrgUnit]) -> BidPerformance:
    report = bid_report(session, bid, ReportOptions(), units)
    figures = report.evm
    return BidPerformance(
        bid.id,
        bid.title,
        figures.cpi if figures is not None else None,
        figures.spi if figures is not None else None,
        planned_value=figures.pv if figures is not None and figures.bac > 0 else None,
        progress_reported=bid.status_date is not None,
    )


def lost_on(bid: Bid) -> dt.date:
    return bid.status_date or bid.submission_deadline or bid.updated_at.date()


def account_facts(session: Session, account: Account, units: dict[int, OrgUnit]) -> AccountFacts:
    bids = list(session.scalars(select(Bid).where(Bid.account_id == account.id).order_by(Bid.id)))
    open_bids = [bid for bid in bids if bid.status == "open"]
    deciders = list(
        session.scalars(
            select(Stakeholder)
            .where(
                Stakeholder.account_id == account.id,
                Stakeholder.decision_role == "decision_maker",
            )
            .order_by(Stakeholder.id)
        )
    )
    contacts = last_contact_dates(session, [person.id for person in deciders])
    return AccountFacts(
        account.id,
        milestones=tuple(slip for bid in open_bids for slip in milestone_slips(session, bid)),
        bids=tuple(bid_performance(session, bid, units) for bid in open_bids),
        decision_makers=tuple(
            DecisionMaker(person.id, person.name, contacts.get(person.id)) for person in deciders
        ),
        lost_bids=tuple(
            LostBid(bid.id, bid.title, lost_on(bid))
            for bid in bids
            if bid.status == "lost" and bid.purpose != "relationship"
        ),
    )


def health_json(
    account: Account, health: AccountHealth, as_of: dt.date, rules: HealthRules
) -> dict[str, Any]:
    return {
        "account_id": account.id,
        "account_name": account.name,
        "account_name_en": account.name_en,
        "tier": account.tier,
        "score": health.score,
        "level": health.level,
        "as_of": as_of,
        "contact_days": rules.contact_days,
        "reasons": [
            {
                "code": reason.code,
                "message_zh": reason.message_zh,
                "message_en": reason.message_en,
                "points": reason.points,
                "bid_id": reason.bid_id,
                "stakeholder_id": reason.stakeholder_id,
                "task_id": reason.task_id,
            }
            for reason in health.reasons
        ],
    }


def _units(session: Session) -> dict[int, OrgUnit]:
    return {unit.id: unit for unit in session.scalars(select(OrgUnit))}


def account_health_json(
    session: Session, account: Account, as_of: dt.date, rules: HealthRules
) -> dict[str, Any]:
    facts = account_facts(session, account, _units(session))
    return health_json(account, account_health(facts, as_of, rules), as_of, rules)


def accounts_health_json(
    session: Session, accounts: Iterable[Account], as_of: dt.date, rules: HealthRules
) -> list[dict[str, Any]]:
    """Health of every account given, worst first (level, then score, then name)."""
    units = _units(session)
    results = []
    for account in accounts:
        result = account_health(account_facts(session, account, units), as_of, rules)
        results.append(health_json(account, result, as_of, rules))
    return sorted(
        results, key=lambda item: (LEVEL_ORDER[item["level"]], item["score"], item["account_name"])
    )
