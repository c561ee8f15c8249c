"""Appraisal that is fair and private, on top of ``wbs.appraisal`` (scores and the split).

Weights: the bid's own (``PUT /bids/{bid}/appraisal/settings``), else those of its template
(``PUT /templates/{template}/appraisal-weights``; a bid uses the template of its kind,
``kam-<kind>-tender``, ``-negotiated`` or ``kam-<kind>``, the first that has weights), else the
defaults of ``wbs.appraisal.AppraisalWeights``. Weights sum to 1.

The outcome counts: the bid's bonus pool (the PMO's, per bid) is paid at the policy's share for
its status -- won 100 %, lost 20 %, abandoned 0 %, a relationship bid lost as planned 60 %; an
open bid shows a preview at 100 % (``appraisal_policies``; the PMO edits them). Rewards and
penalties are explicit adjustments with a reason, added after the split, never folded into a
score.

Privacy: the PMO and finance see every member; the bid's lead sees their bid's; anyone else
sees only their own row (``visible_people``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.appraisal.models import (
    WEIGHT_FIELDS,
    AppraisalAdjustment,
    AppraisalPolicy,
    AppraisalSetting,
)
from app.auth.models import User
from app.auth.permissions import can_read_bid, leads
from app.bids.models import Bid, TeamMember
from app.crud import apply_changes, record_creation
from app.decompose.models import BidClosure
from app.decompose.service import appraisal_json, template_sources
from app.errors import Forbidden, Invalid, NotFound
from app.orgs.models import Person
from wbs.appraisal import AppraisalWeights
from wbs.money import to_money

SEES_ALL = ("pmo", "finance")
POLICY_DEFAULTS = {
    "won_percent": 100,
    "lost_percent": 20,
    "abandoned_percent": 0,
    "relationship_lost_percent": 60,
    "open_percent": 100,
}


# --- who sees whom --------------------------------------------------------------------------


def sees_whole_bid(user: User, bid: Bid) -> bool:
    return user.role in SEES_ALL or (user.role == "lead" and leads(user, bid))


def visible_people(user: User, bid: Bid, people: list[int]) -> list[int]:
    if sees_whole_bid(user, bid):
        return people
    return [person for person in people if person == user.person_id]


# --- settings -------------------------------------------------------------------------------


def template_candidates(bid: Bid) -> list[str]:
    kind = bid.kind.replace("_", "-")
    return [f"kam-{kind}-tender", f"kam-{kind}-negotiated", f"kam-{kind}"]


def _setting(session: Session, **where: Any) -> AppraisalSetting | None:
    statement = select(AppraisalSetting)
    for name, value in where.items():
        statement = statement.where(getattr(AppraisalSetting, name) == value)
    return session.scalars(statement.limit(1)).first()


def _weights_of(row: AppraisalSetting | None) -> AppraisalWeights | None:
    if row is None or row.responsibility is None:
        return None
    return AppraisalWeights(**{name: Decimal(getattr(row, name)) for name in WEIGHT_FIELDS})


def resolve_weights(session: Session, bid: Bid) -> tuple[AppraisalWeights, str]:
    """The weights that apply to ``bid`` and where they come from."""
    own = _weights_of(_setting(session, bid_id=bid.id))
    if own is not None:
        return own, f"bid {bid.id}'s own weights (PMO)"
    for template_id in template_candidates(bid):
        weights = _weights_of(_setting(session, template_id=template_id))
        if weights is not None:
            return weights, f"weights of template {template_id} (PMO)"
    return AppraisalWeights(), "default weights"


def _check_weights(weights: Mapping[str, Decimal]) -> dict[str, Decimal]:
    total = sum(weights.values(), Decimal(0))
    if total != 1:
        raise Invalid.field("weights", f"the weights must sum to 1 (they sum to {total})")
    return dict(weights)


def save_bid_settings(
    session: Session,
    user: User,
    bid: Bid,
    weights: Mapping[str, Decimal] | None,
    bonus_pool: Decimal | None,
) -> AppraisalSetting:
    values: dict[str, Any] = dict.fromkeys(WEIGHT_FIELDS)
    if weights is not None:
        values.update(_check_weights(weights))
    values["bonus_pool"] = bonus_pool
    row = _setting(session, bid_id=bid.id)
    if row is None:
        row = AppraisalSetting(bid_id=bid.id, **values)
        session.add(row)
        record_creation(session, user, row, values, bid_id=bid.id)
        return row
    apply_changes(session, user, row, values, bid_id=bid.id)
    session.flush()
    return row


def save_template_weights(
    session: Session, user: User, template_id: str, weights: Mapping[str, Decimal]
) -> AppraisalSetting:
    if template_id not in template_sources(session):
        raise NotFound(f"template {template_id!r} not found")
    values = _check_weights(weights)
    row = _setting(session, template_id=template_id)
    if row is None:
        row = AppraisalSetting(template_id=template_id, **values)
        session.add(row)
        record_creation(session, user, row, {"template_id": template_id, **values})
        return row
    apply_changes(session, user, row, values)
    session.flush()
    return row


def settings_json(row: AppraisalSetting) -> dict[str, Any]:
    weights = _weights_of(row)
    return {
        "bid_id": row.bid_id,
        "template_id": row.template_id,
        "weights": None if weights is None else weights_json(weights),
        "bonus_pool": None if row.bonus_pool is None else str(row.bonus_pool),
        "version": row.version,
    }


def weights_json(weights: AppraisalWeights) -> dict[str, str]:
    return {name: str(getattr(weights, name)) for name in WEIGHT_FIELDS}


# --- outcome policy -------------------------------------------------------------------------


def current_policy(session: Session) -> AppraisalPolicy | None:
    return session.scalars(select(AppraisalPolicy).order_by(AppraisalPolicy.id).limit(1)).first()


def policy_values(session: Session) -> dict[str, int]:
    row = current_policy(session)
    if row is None:
        return dict(POLICY_DEFAULTS)
    return {name: int(getattr(row, name)) for name in POLICY_DEFAULTS}


def save_policy(session: Session, user: User, changes: Mapping[str, int]) -> AppraisalPolicy:
    row = current_policy(session)
    if row is None:
        values = {**POLICY_DEFAULTS, **changes}
        row = AppraisalPolicy(**values)
        session.add(row)
        record_creation(session, user, row, values)
        return row
    apply_changes(session, user, row, dict(changes))
    session.flush()
    return row


def pool_share(session: Session, bid: Bid) -> tuple[int, str]:
    """The policy's share of the pool for the bid's outcome, and its name."""
    policy = policy_values(session)
    if bid.status == "lost" and bid.purpose == "relationship":
        return policy["relationship_lost_percent"], "relationship bid lost as planned"
    if bid.status == "open":
        return policy["open_percent"], "bid still open: a preview until it closes"
    return policy[f"{bid.status}_percent"], f"bid {bid.status}"


# --- adjustments ----------------------------------------------------------------------------


def add_adjustment(
    session: Session, user: User, bid: Bid, data: Mapping[str, Any]
) -> AppraisalAdjustment:
    on_team = session.scalar(
        select(TeamMember.id).where(
            TeamMember.bid_id == bid.id, TeamMember.person_id == data["person_id"]
        )
    )
    if on_team is None:
        raise Invalid.field("person_id", f"person {data['person_id']} is not on bid {bid.id}")
    if data["amount"] == 0:
        raise Invalid.field("amount", "an adjustment is a reward (> 0) or a penalty (< 0)")
    row = AppraisalAdjustment(bid_id=bid.id, created_by_id=user.id, **data)
    session.add(row)
    record_creation(session, user, row, dict(data), bid_id=bid.id)
    return row


def adjustments(session: Session, bid_id: int) -> list[AppraisalAdjustment]:
    statement = (
        select(AppraisalAdjustment)
        .where(AppraisalAdjustment.bid_id == bid_id)
        .order_by(AppraisalAdjustment.id)
    )
    return list(session.scalars(statement))


def adjustment_json(row: AppraisalAdjustment) -> dict[str, Any]:
    return {
        "id": row.id,
        "bid_id": row.bid_id,
        "person_id": row.person_id,
        "amount": str(row.amount),
        "kind": "reward" if row.amount > 0 else "penalty",
        "reason": row.reason,
        "created_by_id": row.created_by_id,
        "created_at": row.created_at,
    }


# --- the appraisal --------------------------------------------------------------------------


def bid_appraisal(
    session: Session, user: User, bid: Bid, what_if_pool: Decimal | None = None
) -> dict[str, Any]:
    """The bid's appraisal as ``user`` may see it (see the module docstring)."""
    setting = _setting(session, bid_id=bid.id)
    base = what_if_pool if what_if_pool is not None else (setting.bonus_pool if setting else None)
    base = to_money(base or Decimal(0))
    share, share_label = pool_share(session, bid)
    pool = to_money(base * share / 100)
    weights, weights_source = resolve_weights(session, bid)
    result = appraisal_json(session, bid, pool, weights)
    by_person: dict[int, list[AppraisalAdjustment]] = {}
    for row in adjustments(session, bid.id):
        by_person.setdefault(row.person_id, []).append(row)
    pool_line = f"pool: base {base} x {share}% ({share_label}, appraisal policy) = {pool}" + (
        " [what-if base]" if what_if_pool is not None else ""
    )
    members = []
    shown = set(visible_people(user, bid, [m["person_id"] for m in result["members"]]))
    for member in result["members"]:
        if member["person_id"] not in shown:
            continue
        own = by_person.get(member["person_id"], [])
        adjustment = sum((row.amount for row in own), Decimal(0))
        total = to_money(Decimal(member["bonus"]) + adjustment)
        lines = [
            f"weights: {weights_source}",
            pool_line,
            *member["explanation"],
            *(
                f"{'reward' if row.amount > 0 else 'penalty'}: {row.amount:+} -- {row.reason}"
                for row in own
            ),
            f"total: bonus {member['bonus']} + adjustments {to_money(adjustment)} = {total}",
        ]
        members.append(
            {
                **member,
                "adjustments": [adjustment_json(row) for row in own],
                "adjustment_total": str(to_money(adjustment)),
                "total": str(total),
                "explanation": lines,
            }
        )
    return {
        "bid_id": bid.id,
        "status": bid.status,
        "purpose": bid.purpose,
        "currency": bid.currency,
        "base_pool": str(base),
        "pool_share_percent": share,
        "pool_share_reason": share_label,
        "bonus_pool": str(pool),
        "weights": weights_json(weights),
        "weights_source": weights_source,
        "members": members,
        "visible": "all" if sees_whole_bid(user, bid) else "own",
    }


def person_appraisal(
    session: Session, user: User, person_id: int, first: dt.date, last: dt.date
) -> dict[str, Any]:
    """A person's appraisal over the bids they were on that closed between ``first`` and
    ``last`` (both included), each figure explained as on the bid; the caller sees only the
    bids where they may see this person (everything for the PMO, finance and the person)."""
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"person {person_id} not found")
    if last < first:
        raise Invalid.field("to", "must not be before from")
    rows = session.execute(
        select(Bid, BidClosure.closed_on)
        .join(BidClosure, BidClosure.bid_id == Bid.id)
        .where(
            Bid.id.in_(select(TeamMember.bid_id).where(TeamMember.person_id == person_id)),
            BidClosure.closed_on >= first,
            BidClosure.closed_on <= last,
        )
        .order_by(BidClosure.closed_on, Bid.id)
    ).all()
    self_view = user.person_id == person_id
    if user.role not in SEES_ALL and not self_view:
        led = [bid for bid, _ in rows if can_read_bid(user, bid) and sees_whole_bid(user, bid)]
        if not led and not _leads_any_bid_of(session, user, person_id):
            raise Forbidden("a member sees only their own appraisal; a lead their bids' people")
        rows = [(bid, closed) for bid, closed in rows if bid in led]
    items, totals = [], {}
    for bid, closed_on in rows:
        appraisal = bid_appraisal(session, user, bid)
        member = next((m for m in appraisal["members"] if m["person_id"] == person_id), None)
        if member is None:
            continue
        totals[bid.currency] = totals.get(bid.currency, Decimal(0)) + Decimal(member["total"])
        items.append(
            {
                "bid_id": bid.id,
                "title": bid.title,
                "title_en": bid.title_en,
                "status": bid.status,
                "purpose": bid.purpose,
                "closed_on": closed_on,
                "currency": bid.currency,
                "bonus_pool": appraisal["bonus_pool"],
                "score": member["score"],
                "bonus": member["bonus"],
                "adjustment_total": member["adjustment_total"],
                "total": member["total"],
                "explanation": member["explanation"],
            }
        )
    return {
        "person_id": person_id,
        "name": person.name,
        "name_en": person.name_en,
        "from": first,
        "to": last,
        "items": items,
        "total": len(items),
        "totals": [
            {"currency": currency, "total": str(to_money(amount))}
            for currency, amount in sorted(totals.items())
        ],
        "explanation": [
            f"bids person {person_id} was on that closed from {first} to {last}: {len(items)}",
            *(
                f"{currency}: sum of the bids' totals = {to_money(amount)}"
                for currency, amount in sorted(totals.items())
            ),
        ],
    }


def _leads_any_bid_of(session: Session, user: User, person_id: int) -> bool:
    if user.role != "lead" or user.person_id is None:
        return False
    statement = (
        select(TeamMember.id)
        .join(Bid, Bid.id == TeamMember.bid_id)
        .where(TeamMember.person_id == person_id, Bid.lead_id == user.person_id)
    )
    return session.scalar(statement.limit(1)) is not None
