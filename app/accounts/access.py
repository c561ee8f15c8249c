"""Who may see and change an account's relationship data (stakeholders, reporting lines,
influence map, coverage, contacts, health) and the account itself. Accounts are common
knowledge in kampmo (every user lists them); what we know about the people inside an account is
not, and access to it comes only from a relationship **the organisation granted**, never from a
write the caller makes alone:

- ``pmo``: reads and writes everything; ``finance``: reads every account (they read every bid).
- everyone else: the accounts of their **granted bids** (``granted_bids_clause``): bids they may
  read (lead, team member, or for a viewer their org unit's) that the PMO accepted past lead-in
  (``Bid.accepted_at``, set by ``record_acceptance`` when the PMO moves or creates a bid past
  lead-in, cleared when the PMO sends it back there). Opening a bid on an account, importing a
  plan onto it or moving a bid's stage as its lead grants nothing; moving a bid to another
  account is the PMO's (``app.bids.service.update_bid``).
- Leads with access add and edit stakeholders; leads and members log their own contacts.
  Reporting lines, influence links and coverage are the PMO's shared picture of the account.
- The account itself (name, tier, industry...) is edited by the PMO only (``can_edit_account``):
  the tier feeds the decomposer and the leveling priorities.

``granted_accounts_clause`` is the one place the grant is written; an account owner rule
(``Account.owner_id``) joins it there, and ``can_edit_account``, as one more ``or``.

The account is known to exist, so a caller without access gets 403, not 404.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.accounts.service import get_account
from app.auth.models import User
from app.auth.permissions import visible_bids_clause
from app.bids.models import Bid
from app.db import utcnow
from app.errors import Forbidden

ALL_ACCOUNTS = ("pmo", "finance")
CONTACT_LOGGERS = ("pmo", "lead", "member")
FIRST_STAGE = "lead_in"


def accepted_clause() -> ColumnElement[bool]:
    """Bids the PMO accepted past lead-in (and that are still past it)."""
    return Bid.accepted_at.is_not(None) & (Bid.stage != FIRST_STAGE)


def granted_bids_clause(user: User) -> ColumnElement[bool]:
    """The bids through which ``user`` holds a relationship to their accounts."""
    return visible_bids_clause(user) & accepted_clause()


def granted_accounts_clause(user: User) -> ColumnElement[bool]:
    """A WHERE clause on ``Account`` selecting the accounts whose relations ``user`` reads."""
    if user.role in ALL_ACCOUNTS:
        return true()
    return Account.id.in_(select(Bid.account_id).where(granted_bids_clause(user)))


def record_acceptance(user: User | None, bid: Bid) -> None:
    """Note the PMO's acceptance of ``bid`` past lead-in (call after its stage is set).

    ``user`` None is the system acting for the organisation (the demo loader, ``kampmo
    import``); a lead's own stage change neither grants nor withdraws anything.
    """
    if user is not None and user.role != "pmo":
        return
    if bid.stage == FIRST_STAGE:
        bid.accepted_at = None
    elif bid.accepted_at is None:
        bid.accepted_at = utcnow()


def can_read_relations(session: Session, user: User, account_id: int) -> bool:
    if user.role in ALL_ACCOUNTS:
        return True
    statement = select(Account.id).where(Account.id == account_id, granted_accounts_clause(user))
    return session.scalar(statement) is not None


def readable_account_ids(session: Session, user: User) -> set[int] | None:
    """The ids of the accounts ``user`` may read relations of; ``None`` means all."""
    if user.role in ALL_ACCOUNTS:
        return None
    return set(session.scalars(select(Account.id).where(granted_accounts_clause(user))))


def can_edit_account(user: User, account: Account) -> bool:
    """May change the account's own fields (name, tier, industry, region, credit code)."""
    return user.role == "pmo"


def require_account_edit(session: Session, user: User, account_id: int) -> Account:
    """The account (404 when missing) if ``user`` may edit it, else 403."""
    account = get_account(session, account_id)
    if not can_edit_account(user, account):
        raise Forbidden("only the PMO edits an account")
    return account


def require_account(
    session: Session, user: User, account_id: int, *, write: bool = False, log: bool = False
) -> Account:
    """The account (404 when missing) if ``user`` may read its relations, and with ``write``
    change them (PMO), with ``log`` log a contact (PMO, or a lead/member with access)."""
    account = get_account(session, account_id)
    if write and user.role != "pmo":
        raise Forbidden("only the PMO changes an account's influence map and coverage")
    if log and user.role not in CONTACT_LOGGERS:
        raise Forbidden("contacts are logged by the PMO, leads and team members")
    if not can_read_relations(session, user, account_id):
        raise Forbidden(
            f"account {account_id}'s people are shared through a bid the PMO accepted past "
            "lead-in; you have none on it"
        )
    return account
