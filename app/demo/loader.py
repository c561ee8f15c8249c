"""``load_demo``: the demo portfolio into the database through the services, idempotently.

Everything is found by its natural key before it is created (org unit code, account credit
code, person e-mail, username, bid title), so a second run creates nothing; a bid that already
has tasks is not decomposed again. Every run issues fresh API tokens for the demo users (only
token hashes are stored, so earlier tokens cannot be shown again; they stay valid).

Each bid's WBS is decomposed from the templates (``wbs.decompose``); progress up to the bid's
status date follows the decomposed schedule (every ``slip_every``-th finished task a day late),
and approved actual costs are booked on finished work packages at ``cost_factor`` x budget,
varied per line.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.accounts.models import Account
from app.accounts.service import create_account, create_stakeholder
from app.auth.models import User
from app.auth.service import create_user, get_user_by_username, issue_token
from app.bids.models import Bid, TeamMember
from app.bids.service import add_team_member
from app.costs.service import create_entry
from app.crud import apply_changes
from app.decompose.service import plan_bid, save_decomposition
from app.demo.account_relations import load_account_relations
from app.demo.data import ACCOUNTS, BIDS, ORG_UNITS, PEOPLE, USERS, AccountData, BidData
from app.demo.pmo_history import DEMO_IMPORT_REASON, load_pmo_history
from app.demo.risks import load_demo_risks
from app.orgs.models import OrgUnit, Person
from app.orgs.service import create_org_unit, create_person
from app.pmo.control import import_bid
from app.tasks.models import Task
from app.tasks.scheduling import recompute
from wbs.cpm import TimeAxis
from wbs.decompose import Decomposition
from wbs.money import to_money

DEMO_PASSWORD = "kampmo-demo"  # noqa: S105 -- documented demo login, README
COST_VARIATION = (
    Decimal("0.85"),
    Decimal("1.00"),
    Decimal("1.10"),
    Decimal("0.95"),
    Decimal("1.20"),
)
# what never happens on a lost bid: the award, the negotiation, the contract, the hand-over
NOT_AFTER_LOSS = frozenset(
    {
        "execution.award_notice",
        "execution.negotiation",
        "execution.best_final_offer",
        "execution.contract",
        "execution.contract_signed",
        "close_out.handover",
    }
)
PAYEES = {
    "travel": "携程商旅",
    "client_entertainment": "客户接待（餐饮）",
    "presales_labour": "售前工时结算",
    "samples_materials": "样品与资料印制",
    "bid_fees_bonds": "招标代理机构 / 银行保函",
    "other": "其他费用",
}


def load_demo(session_factory: sessionmaker[Session]) -> dict[str, str]:
    """Load the demo portfolio (idempotent); returns API tokens for the demo users by name."""
    with session_factory() as session:
        units = _org_units(session)
        accounts = _accounts(session)
        people = _people(session, units)
        users = _users(session, units, people)
        for bid_data in BIDS:
            _bid(session, bid_data, units, accounts, people)
        load_account_relations(session, accounts, people)
        load_pmo_history(session)
        load_demo_risks(session, BIDS[0].title)
        tokens = {
            username: issue_token(session, user, "api", name="demo")
            for username, user in users.items()
        }
        session.commit()
    return tokens


def _org_units(session: Session) -> dict[str, OrgUnit]:
    units: dict[str, OrgUnit] = {}
    for data in ORG_UNITS:
        unit = session.scalar(select(OrgUnit).where(OrgUnit.code == data.code))
        if unit is None:
            unit = create_org_unit(
                session,
                None,
                {
                    "code": data.code,
                    "name": data.name,
                    "name_en": data.name_en,
                    "kind": data.kind,
                    "parent_id": units[data.parent].id if data.parent else None,
                    "holidays_country": data.holidays_country,
                },
            )
            session.flush()
        units[data.code] = unit
    return units


def _accounts(session: Session) -> dict[str, Account]:
    accounts: dict[str, Account] = {}
    for data in ACCOUNTS:
        account = session.scalar(select(Account).where(Account.credit_code == data.credit_code))
        if account is None:
            account = create_account(session, None, _account_fields(data))
            session.flush()
            for person in data.stakeholders:
                create_stakeholder(
                    session,
                    None,
                    account,
                    {
                        "name": person.name,
                        "name_en": person.name_en,
                        "title": person.title,
                        "decision_role": person.decision_role,
                        "influence": person.influence,
                        "stance": person.stance,
                    },
                )
        accounts[data.key] = account
    session.flush()
    return accounts


def _account_fields(data: AccountData) -> dict[str, Any]:
    return {
        "name": data.name,
        "name_en": data.name_en,
        "credit_code": data.credit_code,
        "industry": data.industry,
        "tier": data.tier,
        "region": data.region,
        "parent_group": data.parent_group,
    }


def _people(session: Session, units: dict[str, OrgUnit]) -> dict[str, Person]:
    people: dict[str, Person] = {}
    for data in PEOPLE:
        person = session.scalar(select(Person).where(Person.email == data.email))
        if person is None:
            person = create_person(
                session,
                None,
                {
                    "name": data.name,
                    "name_en": data.name_en,
                    "email": data.email,
                    "title": data.title,
                    "org_unit_id": units[data.org_unit].id,
                },
            )
            session.flush()
        people[data.key] = person
    return people


def _users(
    session: Session, units: dict[str, OrgUnit], people: dict[str, Person]
) -> dict[str, User]:
    users: dict[str, User] = {}
    for data in USERS:
        user = get_user_by_username(session, data.username)
        if user is None:
            person = people[data.person]
            user = create_user(
                session,
                data.username,
                person.name,
                role=data.role,
                password=DEMO_PASSWORD,
                # the documented, published demo login: seeded as is, not a password a
                # person chose (the policy of app.auth.passwords governs those)
                enforce_policy=False,
                display_name_en=person.name_en,
                org_unit_id=units[data.org_unit].id,
                person_id=person.id,
            )
        users[data.username] = user
    return users


def _bid(
    session: Session,
    data: BidData,
    units: dict[str, OrgUnit],
    accounts: dict[str, Account],
    people: dict[str, Person],
) -> Bid:
    bid = session.scalar(select(Bid).where(Bid.title == data.title))
    if bid is None:
        bid = import_bid(
            session,
            None,
            {
                "account_id": accounts[data.account].id,
                "org_unit_id": units[data.org_unit].id,
                "title": data.title,
                "title_en": data.title_en,
                "kind": data.kind,
                "product_line": data.product_lines[0] if data.product_lines else None,
                "stage": data.stage,
                "status": data.status,
                "value": data.value,
                "win_probability_percent": data.win_probability_percent,
                "start_date": data.start_date,
                "submission_deadline": data.deadline_moved_from or data.submission_deadline,
                # set once the plan made at the bid's start has its progress (below)
                "status_date": None,
                "pursuit_budget": data.pursuit_budget,
                "lead_id": people[data.lead].id,
            },
            DEMO_IMPORT_REASON,
        )
    _team(session, bid, data, people)
    has_tasks = session.scalar(select(Task.id).where(Task.bid_id == bid.id).limit(1))
    if has_tasks is None:
        options = {
            "procurement": data.procurement,
            "product_lines": list(data.product_lines),
            "regions": list(data.regions),
        }
        result = plan_bid(session, bid, options)  # the plan as made when the bid started
        _progress(result, data)
        rows = save_decomposition(session, None, bid, result)
        _costs(session, bid, data, result, rows)
        _re_estimate(session, bid, data, result, rows)
        if bid.submission_deadline != data.submission_deadline:  # the customer moved it
            changed = {"submission_deadline": data.submission_deadline}
            apply_changes(session, None, bid, changed, bid_id=bid.id)
        bid.status_date = data.status_date
        recompute(session, bid)
    return bid


# Share of a person's working day one bid takes, by KAM role: people pursue several bids at
# once, and the cross-bid load view counts a task's owner at this share.
DEMO_ALLOCATION_PERCENT = {
    "sales_rep": 40,
    "presales_consultant": 50,
    "project_manager": 40,
    "executive_sponsor": 10,
    "pmo": 10,
}


def _team(session: Session, bid: Bid, data: BidData, people: dict[str, Person]) -> None:
    existing = {
        (member.person_id, member.kam_role)
        for member in session.scalars(select(TeamMember).where(TeamMember.bid_id == bid.id))
    }
    for role, keys in data.team.items():
        for key in keys:
            if (people[key].id, role) not in existing:
                member = {
                    "person_id": people[key].id,
                    "kam_role": role,
                    "allocation_percent": DEMO_ALLOCATION_PERCENT[role],
                }
                add_team_member(session, None, bid, member)
    session.flush()


def _late(day: dt.date) -> dt.date:
    later = day + dt.timedelta(days=1)
    while later.weekday() >= 5:
        later += dt.timedelta(days=1)
    return later


def _re_estimate(
    session: Session, bid: Bid, data: BidData, result: Decomposition, rows: dict[str, Task]
) -> None:
    """Durations changed after the plan was made (journaled, as a lead's edit would be)."""
    durations = dict(data.re_estimated)
    for task in result.plan.tasks:
        days = durations.get(str(task.extra.get("template_code")))
        if days is not None and not task.is_summary:
            apply_changes(session, None, rows[task.id], {"duration_days": days}, bid_id=bid.id)
    session.flush()


def _progress(result: Decomposition, data: BidData) -> None:
    """Finished, started and untouched tasks as of the bid's status date, from the schedule:
    started tasks are as far as the plan says by then (the working days before the status
    date), except those ``data.behind`` names."""
    if data.status_date is None or result.schedule is None:
        return
    timing = result.schedule.by_id()
    status = TimeAxis(result.plan).index(data.status_date)
    behind = dict(data.behind)
    finished = 0
    for task in result.plan.tasks:
        scheduled = timing.get(task.id)
        if task.is_summary or scheduled is None:
            continue
        code = str(task.extra.get("template_code"))
        if data.status == "lost" and code in NOT_AFTER_LOSS:
            continue
        start, finish = scheduled.early_start, scheduled.early_finish
        assert isinstance(start, dt.date) and isinstance(finish, dt.date)
        if finish <= data.status_date:
            finished += 1
            late = data.slip_every and finished % data.slip_every == 0 and task.duration > 0
            task.actual_start = start
            task.actual_finish = _late(finish) if late else finish
            task.percent_complete = 100.0
        elif start < data.status_date and task.duration > 0:
            task.actual_start = start
            on_track = round(100 * (status - scheduled.early_start_index) / task.duration)
            task.percent_complete = float(behind.get(code, on_track))


def _costs(
    session: Session, bid: Bid, data: BidData, result: Decomposition, rows: dict[str, Task]
) -> None:
    """Approved actual costs on the finished work packages."""
    index = 0
    by_id = result.plan.task_index()
    for line in result.budget_lines:
        task = by_id[line.task_id]
        if task.actual_finish is None or line.amount <= 0:
            continue
        variation = COST_VARIATION[index % len(COST_VARIATION)]
        index += 1
        amount = to_money(line.amount * data.cost_factor * variation)
        if amount <= 0:
            continue
        create_entry(
            session,
            None,
            bid,
            {
                "task_id": rows[line.task_id].id,
                "category": line.category,
                "entry_date": task.actual_finish,
                "amount": amount,
                "payee": PAYEES.get(line.category),
                "description": f"{task.name} · {line.category}",
                "receipt_ref": f"DEMO-{bid.id}-{index:04d}",
            },
        )
    session.flush()
