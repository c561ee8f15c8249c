"""The demo's PMO control: the close-outs of its closed bids (reasons from the PMO's list,
competitors and prices, lessons to repeat and to avoid), the one relationship bid with its
cap, the PMO's arbitration of the two second quotes the one-quote rule held, and the bonus
pools and one penalty of the closed bids.

Idempotent: a close-out that already has reasons, a decided arbitration, a bid that already
has its purpose or settings are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.quotes import decide
from app.appraisal.models import AppraisalAdjustment, AppraisalSetting
from app.appraisal.service import add_adjustment, save_bid_settings
from app.auth.models import User
from app.auth.service import get_user_by_username
from app.bids.models import Bid
from app.closeout.models import CloseOutReason
from app.closeout.service import close_out, get_closure
from app.crud import apply_changes
from app.orgs.models import Person
from app.pmo.service import update_checklist
from wbs.gates import load_gates


@dataclass(frozen=True)
class CloseOutData:
    title: str
    reason_codes: tuple[str, ...]
    reasons: str
    our_price: Decimal | None
    competitors: tuple[tuple[str, Decimal | None, bool], ...]
    repeat: tuple[str, ...]
    avoid: tuple[str, ...]
    bonus_pool: Decimal
    penalties: tuple[tuple[str, Decimal, str], ...] = field(default=())  # (person e-mail, ...)


CLOSE_OUTS = (
    CloseOutData(
        "北辰钢铁5G+工业互联网平台",
        ("technical_solution", "customer_relationship"),
        "试点产线演示打动生产副总；报价低于两家对手 · The pilot-line demo won over the VP of "
        "production; priced below both rivals",
        Decimal("23600000"),
        (("中兴通讯 ZTE", Decimal("24900000"), False), ("新华三 H3C", Decimal("25300000"), False)),
        (
            "试点产线先行演示5G专网时延，打消客户对稳定性的顾虑 · A latency demo on a pilot line "
            "removed the customer's doubts on stability",
        ),
        (
            "方案评审推迟一周才约到总工，下次提前锁定评审日程 · The solution review waited a week "
            "for the chief engineer: book reviews early",
        ),
        Decimal("200000"),
    ),
    CloseOutData(
        "青峦矿业大型矿用挖掘机采购",
        ("price", "qualifications"),
        "报价高出中标价约9.9%，且西南矿区无同类业绩 · Priced about 9.9 % above the winner, with "
        "no references in south-west mines",
        Decimal("18900000"),
        (
            ("徐工机械 XCMG", Decimal("17200000"), True),
            ("三一重工 SANY", Decimal("18100000"), False),
        ),
        ("提前两周安排客户考察在用设备 · Arranged the visit to a working machine two weeks early",),
        (
            "成本测算未参考上年框架价，报价偏高 · Costing ignored last year's framework prices",
            "应更早准备西南矿区业绩证明或合作方案 · Prepare references or a partner for the "
            "south-west earlier",
        ),
        Decimal("80000"),
        (
            (
                "sun.li@huaxin.example",
                Decimal("-2000.00"),
                "投标文件漏盖骑缝章被扣技术分 · A missing seal on the bid document cost technical "
                "points",
            ),
        ),
    ),
    CloseOutData(
        "东海地铁主变电所设备更新",
        ("price", "delivery_schedule"),
        "交付计划贴合运营停电窗口，价格最低 · Delivery fitted the metro's outage windows at the "
        "lowest price",
        Decimal("27400000"),
        (
            ("特变电工 TBEA", Decimal("27950000"), False),
            ("西门子能源 Siemens Energy", Decimal("29800000"), False),
        ),
        (
            "与地铁运营公司提前确认停电窗口，交付计划一次通过 · Agreed the outage windows with the "
            "operator early: the delivery plan passed first time",
        ),
        ("GIS到货检验资料准备滞后 · The GIS inspection documents were late",),
        Decimal("150000"),
    ),
    CloseOutData(
        "北辰钢铁余热发电机组改造",
        ("requirements_changed",),
        "客户将技改预算推迟至2027年 · The customer deferred the retrofit budget to 2027",
        None,
        (),
        ("及时止损，投标费用仅用预算一半 · Stopped early, having spent half the budget",),
        (
            "立项前未确认客户预算已批复 · Qualified the bid before the customer's budget was "
            "approved",
        ),
        Decimal("30000"),
    ),
)
# the relationship bid (陪标) and its cap; the arbitrations of the held second quotes
RELATIONSHIP_BIDS = {"西江港岸电系统改造": Decimal("140000")}
ARBITRATIONS = {
    "西江港岸电系统改造": "港务集团邀请参与岸电比选以维系关系，与门座起重机分开采购 · The port "
    "invited us to its shore-power comparison to keep the relationship; bought apart from the "
    "cranes",
    "滨海城投地下综合管廊盾构设备租赁": "管廊盾构租赁由城投另一采购主体独立招采 · The tunnel TBM "
    "lease is bought separately by another buying unit of the customer",
}


# bids whose team has ticked everything their gate needs: they wait for the PMO's review
READY_FOR_REVIEW = ("西江港务集团门座起重机更新项目", "天衡新能源200MW光伏电站升压站EPC")


def _bid(session: Session, title: str) -> Bid | None:
    return session.scalar(select(Bid).where(Bid.title == title))


def load_pmo_control(session: Session) -> None:
    """Write the demo's close-outs, relationship bid, arbitrations and appraisal settings."""
    pmo = get_user_by_username(session, "pmo")
    if pmo is None:
        return
    for title, reason in ARBITRATIONS.items():
        bid = _bid(session, title)
        if bid is not None and bid.arbitration == "pending":
            decide(session, pmo, bid, "allow", reason)
    for title, cap in RELATIONSHIP_BIDS.items():
        bid = _bid(session, title)
        if bid is not None and bid.purpose != "relationship":
            changes = {"purpose": "relationship", "relationship_budget_cap": cap}
            apply_changes(session, pmo, bid, changes, bid_id=bid.id)
    for data in CLOSE_OUTS:
        bid = _bid(session, data.title)
        if bid is not None:
            _close_out(session, pmo, bid, data)
    for title in READY_FOR_REVIEW:
        bid = _bid(session, title)
        if bid is not None and bid.status == "open":
            _make_ready(session, bid)
    session.flush()


def _make_ready(session: Session, bid: Bid) -> None:
    """Tick the current gate's exit side and the next stage's entry items, as the lead would."""
    gates = load_gates()
    lead = (
        session.scalar(select(User).where(User.person_id == bid.lead_id)) if bid.lead_id else None
    )
    who = lead or get_user_by_username(session, "pmo")
    if who is None:
        return
    update_checklist(
        session, who, bid, bid.stage, dict.fromkeys(gates.gate(bid.stage).required_codes(), True)
    )
    following = gates.next_stage(bid.stage)
    if following is not None:
        entry = {item.code: True for item in gates.gate(following).entry}
        update_checklist(session, who, bid, following, entry)


def _close_out(session: Session, pmo: User, bid: Bid, data: CloseOutData) -> None:
    closure = get_closure(session, bid.id)
    has_reasons = closure is not None and session.scalar(
        select(CloseOutReason.id).where(CloseOutReason.closure_id == closure.id).limit(1)
    )
    if not has_reasons:
        body: dict[str, Any] = {
            "outcome": bid.status,
            "reason_codes": list(data.reason_codes),
            "reasons": data.reasons,
            "our_price": data.our_price,
            "competitors": [
                {"name": name, "price": price, "won": won} for name, price, won in data.competitors
            ],
            "lessons_repeat": list(data.repeat),
            "lessons_avoid": list(data.avoid),
        }
        close_out(session, pmo, bid, body)
    if session.scalar(select(AppraisalSetting.id).where(AppraisalSetting.bid_id == bid.id)):
        return
    save_bid_settings(session, pmo, bid, None, data.bonus_pool)
    for email, amount, reason in data.penalties:
        person = session.scalar(select(Person).where(Person.email == email))
        done = session.scalar(
            select(AppraisalAdjustment.id).where(AppraisalAdjustment.bid_id == bid.id).limit(1)
        )
        if person is not None and done is None:
            add_adjustment(
                session, pmo, bid, {"person_id": person.id, "amount": amount, "reason": reason}
            )
