"""The sections of the ``/bids/{bid}`` page beyond its summary: the critical path as a path,
the schedule's warnings, the team and the costs by category.

Everything here reads; permissions are the caller's (``require_bid`` first).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bids.models import Bid, TeamMember
from app.costs.models import CostEntry
from app.errors import DomainError
from app.gantt.service import BidView
from app.orgs.models import Person
from gantt.bid import GanttRow

CHAIN_SHOWN = 12  # a longer path shows its first and last links, the rest one click away
KAM_ROLE_LABELS = {
    "sales_rep": "Sales rep 销售代表",
    "presales_consultant": "Presales 售前顾问",
    "project_manager": "Project manager 项目经理",
    "executive_sponsor": "Executive sponsor 高层发起人",
    "pmo": "PMO 项目管理办公室",
}


@dataclass(slots=True)
class CriticalPath:
    """The chain of tasks that drives the bid's finish, first to last."""

    chain: list[GanttRow]
    critical_count: int
    task_count: int

    @property
    def head(self) -> list[GanttRow]:
        if len(self.chain) <= CHAIN_SHOWN:
            return self.chain
        return self.chain[: CHAIN_SHOWN // 2]

    @property
    def tail(self) -> list[GanttRow]:
        if len(self.chain) <= CHAIN_SHOWN:
            return []
        return self.chain[-(CHAIN_SHOWN // 2) :]

    @property
    def hidden(self) -> list[GanttRow]:
        if len(self.chain) <= CHAIN_SHOWN:
            return []
        return self.chain[CHAIN_SHOWN // 2 : -(CHAIN_SHOWN // 2)]


def _leaf(row: GanttRow, parents: set[str]) -> bool:
    return not row.task.is_summary and row.task.id not in parents


def critical_path(view: BidView) -> CriticalPath:
    """Walk back from the critical task that finishes last along the driving predecessors
    (the links that set each start) while they stay critical: one path, not every task with
    no float."""
    parents = {task.parent for task in view.plan.tasks if task.parent is not None}
    leaves = [row for row in view.rows if _leaf(row, parents) and row.schedule is not None]
    critical = [row for row in leaves if row.schedule is not None and row.schedule.critical]
    if not critical:
        return CriticalPath([], 0, len(leaves))
    by_id = {row.task.id: row for row in view.rows}
    end = max(critical, key=lambda row: (str(row.finish), row.index))
    chain, seen = [end], {end.task.id}
    current = end
    while current.schedule is not None and current.schedule.driving_predecessor is not None:
        previous = by_id.get(current.schedule.driving_predecessor)
        if (
            previous is None
            or previous.task.id in seen
            or previous.schedule is None
            or not previous.schedule.critical
        ):
            break
        chain.append(previous)
        seen.add(previous.task.id)
        current = previous
    chain.reverse()
    return CriticalPath(chain, len(critical), len(leaves))


@dataclass(slots=True)
class TeamLine:
    name: str
    role: str
    allocation_percent: int


def team(session: Session, bid: Bid) -> list[TeamLine]:
    statement = (
        select(Person.name, TeamMember.kam_role, TeamMember.allocation_percent)
        .join(Person, Person.id == TeamMember.person_id)
        .where(TeamMember.bid_id == bid.id)
        .order_by(TeamMember.kam_role, Person.name)
    )
    order = list(KAM_ROLE_LABELS)
    lines = [
        TeamLine(name, KAM_ROLE_LABELS.get(role, role), allocation)
        for name, role, allocation in session.execute(statement)
    ]
    labels = [KAM_ROLE_LABELS.get(role, role) for role in order]
    return sorted(
        lines, key=lambda line: labels.index(line.role) if line.role in labels else len(labels)
    )


def costs(session: Session, bid: Bid) -> dict[str, Any] | None:
    """The bid's cost-control figures by category (budget, actual, remaining, forecast) and
    its latest cost entries; None when the report cannot be built."""
    from app.reports.service import ReportOptions, bid_report, categories_json, figures_json

    try:
        report = bid_report(session, bid, ReportOptions())
    except DomainError:
        return None
    entries = list(
        session.scalars(
            select(CostEntry)
            .where(CostEntry.bid_id == bid.id)
            .order_by(CostEntry.id.desc())
            .limit(8)
        )
    )
    evm = report.evm
    return {
        "categories": categories_json(report.rollup.by_category),
        "total": figures_json(report.rollup.total),
        "cpi": None if evm is None else evm.cpi,
        "spi": None if evm is None else evm.spi,
        "entries": entries,
    }


def warnings(bid: Bid) -> list[str]:
    return [str(warning) for warning in bid.schedule_warnings or []]
