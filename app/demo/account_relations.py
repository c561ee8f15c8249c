"""The demo accounts' relationship data: reporting lines, influence links, who of ours covers
whom, and the contact log, so the influence maps and account health have something to say.

Contacts are dated relative to the demo's status date (:data:`DEMO_DAY`). On purpose, 南岭省
电网 is at risk (a slipping submission, a newly appointed general manager nobody covers or has
met, its chairman and its deputy general manager last seen months ago) and 滨海城投's
chairman is an uncovered decision-maker. Everything is found by its natural key first
(stakeholder name, the link's or coverage's ends, the contact's stakeholder, person and date),
so loading twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import (
    Account,
    ContactLog,
    InfluenceLink,
    Stakeholder,
    StakeholderCoverage,
)
from app.accounts.service import create_stakeholder
from app.crud import apply_changes, record_creation
from app.demo.data import ACCOUNTS, StakeholderData
from app.orgs.models import Person

DEMO_DAY = dt.date(2026, 11, 27)


@dataclass(frozen=True, slots=True)
class AccountRelations:
    account: str  # AccountData.key
    extra_stakeholders: tuple[StakeholderData, ...] = ()
    reports_to: tuple[tuple[str, str], ...] = ()  # (stakeholder, manager) by name
    links: tuple[tuple[str, str, int, str], ...] = ()  # (source, target, strength, kind)
    coverage: tuple[tuple[str, str, int], ...] = ()  # (stakeholder, person key, strength)
    contacts: tuple[tuple[str, str, int, str, str], ...] = ()  # (who, person, days ago, ch, note)


RELATIONS = (
    AccountRelations(
        "donghai-metro",
        reports_to=(("顾晓红", "钱立新"), ("邵建平", "钱立新")),
        links=(("顾晓红", "钱立新", 3, "advises 技术建议"), ("邵建平", "顾晓红", 1, "consults")),
        coverage=(("钱立新", "wang", 3), ("顾晓红", "li", 3), ("邵建平", "zhao", 2)),
        contacts=(
            ("钱立新", "wang", 12, "visit", "5号线综合监控方案高层汇报"),
            ("顾晓红", "li", 3, "meeting", "技术澄清会"),
            ("邵建平", "zhao", 20, "call", "招标文件答疑安排"),
        ),
    ),
    AccountRelations(
        "nanling-grid",
        extra_stakeholders=(
            StakeholderData(
                "郑国栋", "Zheng Guodong", "总经理（新任）", "decision_maker", 5, "skeptic"
            ),
            StakeholderData("蔡明", "Cai Ming", "党委书记、董事长", "decision_maker", 5, "neutral"),
        ),
        reports_to=(
            ("郑国栋", "蔡明"),
            ("梁振华", "郑国栋"),
            ("何静", "梁振华"),
            ("冯志远", "梁振华"),
        ),
        links=(
            ("何静", "梁振华", 3, "gatekeeps 把关"),
            ("冯志远", "何静", 1, "technical input 技术意见"),
        ),
        coverage=(("蔡明", "huang", 1), ("何静", "wu", 1), ("冯志远", "zheng", 3)),
        contacts=(
            ("蔡明", "huang", 74, "event", "电力装备战略合作签约仪式"),
            ("梁振华", "huang", 96, "dinner", "年度战略交流"),
            ("何静", "wu", 41, "visit", "框架招标资格预审"),
            ("冯志远", "zheng", 9, "visit", "变电站现场踏勘"),
        ),
    ),
    AccountRelations(
        "binhai-ucid",
        reports_to=(("罗颖", "袁海"), ("任重", "袁海")),
        links=(("任重", "袁海", 2, "blocks 阻挠"), ("罗颖", "袁海", 2, "advises 建议")),
        coverage=(("罗颖", "li", 2), ("任重", "zhang", 1)),
        contacts=(("罗颖", "li", 6, "meeting", "城市运营中心需求调研"),),
    ),
    AccountRelations(
        "xijiang-port",
        reports_to=(("谢芳", "陆建华"),),
        links=(("谢芳", "陆建华", 3, "advises 技术建议"),),
        coverage=(("陆建华", "liu", 2), ("谢芳", "zhang", 3)),
        contacts=(
            ("陆建华", "liu", 25, "visit", "门座起重机更新高层拜访"),
            ("谢芳", "zhang", 4, "call", "岸电改造技术交流"),
        ),
    ),
)


def _stakeholders(session: Session, account: Account, plan: AccountRelations) -> dict[str, int]:
    people = {
        row.name: row
        for row in session.scalars(select(Stakeholder).where(Stakeholder.account_id == account.id))
    }
    for data in plan.extra_stakeholders:
        if data.name not in people:
            people[data.name] = create_stakeholder(
                session,
                None,
                account,
                {
                    "name": data.name,
                    "name_en": data.name_en,
                    "title": data.title,
                    "decision_role": data.decision_role,
                    "influence": data.influence,
                    "stance": data.stance,
                },
            )
    for name, manager in plan.reports_to:
        if people[name].reports_to_id is None:
            apply_changes(session, None, people[name], {"reports_to_id": people[manager].id})
    session.flush()
    return {name: row.id for name, row in people.items()}


def _links(session: Session, account: Account, plan: AccountRelations, ids: dict[str, int]) -> None:
    for source, target, strength, kind in plan.links:
        found = session.scalar(
            select(InfluenceLink.id).where(
                InfluenceLink.source_id == ids[source], InfluenceLink.target_id == ids[target]
            )
        )
        if found is None:
            fields = {
                "source_id": ids[source],
                "target_id": ids[target],
                "strength": strength,
                "kind": kind,
            }
            link = InfluenceLink(account_id=account.id, **fields)
            session.add(link)
            record_creation(session, None, link, fields)


def _coverage(
    session: Session, plan: AccountRelations, ids: dict[str, int], people: dict[str, Person]
) -> None:
    for name, person, strength in plan.coverage:
        found = session.scalar(
            select(StakeholderCoverage.id).where(
                StakeholderCoverage.stakeholder_id == ids[name],
                StakeholderCoverage.person_id == people[person].id,
            )
        )
        if found is None:
            fields = {"person_id": people[person].id, "strength": strength}
            row = StakeholderCoverage(stakeholder_id=ids[name], **fields)
            session.add(row)
            record_creation(session, None, row, fields)


def _contacts(
    session: Session, plan: AccountRelations, ids: dict[str, int], people: dict[str, Person]
) -> None:
    for name, person, days_ago, channel, note in plan.contacts:
        day = DEMO_DAY - dt.timedelta(days=days_ago)
        found = session.scalar(
            select(ContactLog.id).where(
                ContactLog.stakeholder_id == ids[name],
                ContactLog.person_id == people[person].id,
                ContactLog.contact_date == day,
            )
        )
        if found is None:
            fields = {
                "person_id": people[person].id,
                "contact_date": day,
                "channel": channel,
                "note": note,
            }
            row = ContactLog(stakeholder_id=ids[name], **fields)
            session.add(row)
            record_creation(session, None, row, fields)


def load_account_relations(
    session: Session, accounts: dict[str, Account], people: dict[str, Person]
) -> None:
    """Add the relationship data of :data:`RELATIONS` that is not there yet (flushed)."""
    known = {data.key for data in ACCOUNTS}
    for plan in RELATIONS:
        if plan.account not in known or plan.account not in accounts:
            continue
        account = accounts[plan.account]
        ids = _stakeholders(session, account, plan)
        _links(session, account, plan, ids)
        _coverage(session, plan, ids, people)
        _contacts(session, plan, ids, people)
    session.flush()
