"""One quote per key account: a second org unit may not open its own bid for an account (or an
account that matches it, ``wbs.account_match``) that another unit already pursues with an open
bid. The policy's ``scope`` says what counts: ``account`` (the default: any open bid of another
org unit on the account, whatever its product line, or none) or ``account_and_product_line``
(only one for the same product line, counting the product lines of a consolidated group bid's
units, ``app.bids.models.BidUnit``). A group that wants several units' product lines in one
offer makes one consolidated bid under the group key-account department's lead.

What happens to such a bid is the PMO's policy (``quote_policies``, one row; none = refuse):
- ``refuse``: 409 problem+json naming the conflicting bid (id, title, org unit).
- ``arbitrate``: the bid is created but held (``bid.arbitration = "pending"``, a
  ``QuoteArbitration`` row) until the PMO decides: ``allow`` (the bid goes on), ``reject`` (the
  bid is abandoned) or ``merge_into`` a target bid (the held bid is abandoned and its team joins
  the target's). Every decision is journaled with its reason.

Under ``account_and_product_line`` a bid without a product line is not checked (nothing to
compare). Moving an existing bid onto a pursued account (PATCH) is refused under either policy:
arbitration is for new bids (and for the PMO's history import, which holds rather than refuses).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from app.accounts.models import Account, QuoteArbitration, QuotePolicy
from app.auth.models import User
from app.bids.models import Bid, BidUnit, TeamMember
from app.crud import apply_changes, record_creation
from app.errors import Conflict, Invalid
from app.orgs.models import OrgUnit
from wbs.account_match import AccountIdentity, MatchReason, match_accounts

DEFAULT_POLICY = "refuse"
DEFAULT_SCOPE = "account"
QUOTE_FIELDS = frozenset({"account_id", "org_unit_id", "product_line", "status"})
STILL_PURSUED = (None, "pending", "allowed")
# pg_advisory_xact_lock key of the one-quote check ("kampmo" "quote" as ASCII, fits in a bigint)
QUOTE_LOCK_KEY = 0x6B616D70_71756F74


def _serialize_quote_checks(session: Session) -> None:
    """Two bids opened at the same moment by different workers must not both pass the check.

    On PostgreSQL the check and the insert that follows run under one transaction-scoped
    advisory lock (released at commit or rollback); SQLite's writers are already serialized by
    ``BEGIN IMMEDIATE`` (``app.db.begin_write``).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": QUOTE_LOCK_KEY})


@dataclass(frozen=True, slots=True)
class QuoteConflict:
    """An open bid of another org unit for the same (or a matching) account and product line."""

    bid: Bid
    match: MatchReason | None  # None: the very same account

    def as_problem(self, session: Session) -> dict[str, Any]:
        unit = session.get(OrgUnit, self.bid.org_unit_id)
        return {
            "id": self.bid.id,
            "title": self.bid.title,
            "account_id": self.bid.account_id,
            "product_line": self.bid.product_line,
            "org_unit": {
                "id": self.bid.org_unit_id,
                "name": unit.name if unit else None,
                "name_en": unit.name_en if unit else None,
            },
            "match": self.match or "same_account",
        }


def identity(account: Account) -> AccountIdentity:
    names = tuple(name for name in (account.name, account.name_en) if name)
    return AccountIdentity(account.id, names, account.credit_code)


def product_line_key(product_line: str | None) -> str | None:
    """Product lines compare trimmed and case-blind; empty means none."""
    key = (product_line or "").strip().casefold()
    return key or None


def _product_lines(session: Session, bids: list[Bid]) -> dict[int, set[str]]:
    """Each bid's product line keys: its own and its consolidated units'."""
    lines: dict[int, set[str]] = {bid.id: set() for bid in bids}
    for bid in bids:
        if (key := product_line_key(bid.product_line)) is not None:
            lines[bid.id].add(key)
    if bids:
        units = session.execute(
            select(BidUnit.bid_id, BidUnit.product_line).where(
                BidUnit.bid_id.in_([bid.id for bid in bids])
            )
        )
        for bid_id, line in units:
            if (key := product_line_key(line)) is not None:
                lines[bid_id].add(key)
    return lines


def find_conflict(
    session: Session,
    account_id: int,
    org_unit_id: int,
    product_line: str | None,
    bid_id: int = 0,
    scope: str | None = None,
) -> QuoteConflict | None:
    """The first (lowest id) open bid that another org unit pursues for this account (or a
    matching one) -- for the same product line under ``account_and_product_line``; ``bid_id``
    is the bid itself when it exists already. ``scope`` defaults to the policy's."""
    scope = scope or policy_scope(session)
    key = product_line_key(product_line)
    account = session.get(Account, account_id)
    if account is None or (key is None and scope != "account"):
        return None
    candidates = session.execute(
        select(Bid, Account)
        .join(Account, Account.id == Bid.account_id)
        .where(
            Bid.status == "open",
            Bid.org_unit_id != org_unit_id,
            Bid.id != bid_id,
            or_(Bid.arbitration.is_(None), Bid.arbitration.in_(("pending", "allowed"))),
        )
        .order_by(Bid.id)
    ).all()
    lines = _product_lines(session, [bid for bid, _ in candidates]) if scope != "account" else {}
    own = identity(account)
    for bid, other in candidates:
        if scope != "account" and key not in lines[bid.id]:
            continue
        if other.id == account.id:
            return QuoteConflict(bid, None)
        reason = match_accounts(own, identity(other))
        if reason is not None:
            return QuoteConflict(bid, reason)
    return None


def current_policy(session: Session) -> QuotePolicy | None:
    return session.scalars(select(QuotePolicy).order_by(QuotePolicy.id).limit(1)).first()


def policy_name(session: Session) -> str:
    row = current_policy(session)
    return row.policy if row is not None else DEFAULT_POLICY


def policy_scope(session: Session) -> str:
    row = current_policy(session)
    return row.scope if row is not None else DEFAULT_SCOPE


def set_policy(
    session: Session, user: User, policy: str | None, scope: str | None = None
) -> QuotePolicy:
    row = current_policy(session)
    changes = {
        "policy": policy or (row.policy if row else DEFAULT_POLICY),
        "scope": scope or (row.scope if row else DEFAULT_SCOPE),
    }
    if row is None:
        row = QuotePolicy(**changes)
        session.add(row)
        record_creation(session, user, row, changes)
        return row
    apply_changes(session, user, row, changes)
    session.flush()
    return row


def _refuse(session: Session, conflict: QuoteConflict) -> Conflict:
    unit = session.get(OrgUnit, conflict.bid.org_unit_id)
    unit_name = unit.name if unit else conflict.bid.org_unit_id
    what = (
        f"for product line {conflict.bid.product_line!r}"
        if policy_scope(session) != "account"
        else "(one quote per account, whatever the product line)"
    )
    return Conflict(
        f"bid {conflict.bid.id} 「{conflict.bid.title}」 of {unit_name} already quotes this "
        f"account {what}: one quote per key account -- join that bid as a unit of a "
        "consolidated group bid, or ask the PMO to arbitrate",
        conflicting_bid=conflict.as_problem(session),
    )


def check_new_bid(
    session: Session, data: dict[str, Any], *, hold: bool = False
) -> QuoteConflict | None:
    """Before a bid is created: raises 409 under ``refuse``; returns the conflict to hold the
    bid for under ``arbitrate`` (or with ``hold``: the PMO's history import); ``None`` when
    there is no conflict."""
    if data.get("status", "open") != "open":
        return None
    _serialize_quote_checks(session)
    conflict = find_conflict(
        session, data["account_id"], data["org_unit_id"], data.get("product_line")
    )
    if conflict is None:
        return None
    if hold or policy_name(session) == "arbitrate":
        return conflict
    raise _refuse(session, conflict)


def check_bid_change(session: Session, bid: Bid, data: dict[str, Any]) -> None:
    """Before a PATCH that touches account, org unit, product line or status: 409 when the
    changed bid would be a second quote."""
    if not QUOTE_FIELDS & data.keys():
        return
    merged = {field: data.get(field, getattr(bid, field)) for field in QUOTE_FIELDS}
    if merged["status"] != "open" or bid.arbitration in ("rejected", "merged"):
        return
    _serialize_quote_checks(session)
    conflict = find_conflict(
        session, merged["account_id"], merged["org_unit_id"], merged["product_line"], bid.id
    )
    if conflict is not None:
        raise _refuse(session, conflict)


def hold_for_arbitration(
    session: Session, user: User | None, bid: Bid, conflict: QuoteConflict
) -> QuoteArbitration:
    """Mark a just-created bid as held and open its arbitration case (journaled)."""
    bid.arbitration = "pending"
    case = QuoteArbitration(bid_id=bid.id, conflicting_bid_id=conflict.bid.id, status="pending")
    session.add(case)
    record_creation(
        session,
        user,
        case,
        {"bid_id": bid.id, "conflicting_bid_id": conflict.bid.id, "status": "pending"},
        bid_id=bid.id,
    )
    return case


def arbitration_of(session: Session, bid_id: int) -> QuoteArbitration | None:
    return session.scalar(select(QuoteArbitration).where(QuoteArbitration.bid_id == bid_id))


def _merge_target(session: Session, bid: Bid, target_id: int | None) -> Bid:
    if target_id is None:
        raise Invalid.field("target_bid", "merge_into needs the bid to merge into")
    target = session.get(Bid, target_id)
    if target is None or target.id == bid.id:
        raise Invalid.field("target_bid", f"bid {target_id} cannot take this bid")
    if target.status != "open" or target.arbitration in ("pending", "rejected", "merged"):
        raise Invalid.field("target_bid", f"bid {target_id} is not an open, admitted bid")
    own, other = session.get(Account, bid.account_id), session.get(Account, target.account_id)
    same = own is not None and other is not None
    if not same or (own.id != other.id and match_accounts(identity(own), identity(other)) is None):
        raise Invalid.field("target_bid", f"bid {target_id} is for another account")
    return target


def _join_team(session: Session, user: User, bid: Bid, target: Bid) -> None:
    """The held bid's people join the target bid's team (roles they do not hold there yet)."""
    existing = {
        (member.person_id, member.kam_role)
        for member in session.scalars(select(TeamMember).where(TeamMember.bid_id == target.id))
    }
    for member in session.scalars(select(TeamMember).where(TeamMember.bid_id == bid.id)):
        if (member.person_id, member.kam_role) in existing:
            continue
        fields = {
            "person_id": member.person_id,
            "kam_role": member.kam_role,
            "allocation_percent": member.allocation_percent,
        }
        joined = TeamMember(bid_id=target.id, **fields)
        session.add(joined)
        record_creation(session, user, joined, fields, bid_id=target.id)


OUTCOMES = {"allow": "allowed", "reject": "rejected", "merge_into": "merged"}


def decide(
    session: Session,
    user: User,
    bid: Bid,
    decision: str,
    reason: str | None,
    target_bid_id: int | None = None,
) -> QuoteArbitration:
    """The PMO's decision on a held bid (journaled on the bid and on the case)."""
    case = arbitration_of(session, bid.id)
    if case is None or bid.arbitration != "pending" or case.status != "pending":
        raise Conflict(f"bid {bid.id} is not held for arbitration")
    target = _merge_target(session, bid, target_bid_id) if decision == "merge_into" else None
    outcome = OUTCOMES[decision]
    bid_changes: dict[str, Any] = {"arbitration": outcome}
    if decision != "allow":
        bid_changes["status"] = "abandoned"
    apply_changes(session, user, bid, bid_changes, bid_id=bid.id)
    if decision != "allow":
        from app.closeout.service import record_closure

        fields = {"reasons": reason or f"one-quote arbitration: {decision}"}
        record_closure(session, user, bid, "abandoned", fields, ["arbitration"])
    if target is not None:
        _join_team(session, user, bid, target)
    apply_changes(
        session,
        user,
        case,
        {
            "status": outcome,
            "decision": decision,
            "target_bid_id": target.id if target else None,
            "reason": reason,
            "decided_by_id": user.id,
            "decided_at": dt.datetime.now(dt.UTC),
        },
        bid_id=bid.id,
    )
    session.flush()
    return case
