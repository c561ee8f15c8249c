"""Who may see and change an account's relationship data (influence map, coverage, contacts,
health). Accounts themselves are common knowledge in kampmo (every user lists them); what we know
about the people inside an account is not:

- ``pmo``: reads and writes everything.
- ``finance``: reads every account (they read every bid).
- ``lead``, ``member``, ``viewer``: read the accounts of the bids they may read
  (``visible_bids_clause``: bids they lead, are on the team of, or, for a viewer, of their org
  unit); leads and members may also log their own contacts there.
- Reporting lines, influence links and coverage are written by the PMO only: they are the
  PMO's shared picture of the account, not one bid's notes.

The account is known to exist, so a caller without access gets 403, not 404.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Account
from app.accounts.service import get_account
from app.auth.models import User
from app.auth.permissions import visible_bids_clause
from app.bids.models import Bid
from app.errors import Forbidden

ALL_ACCOUNTS = ("pmo", "finance")
CONTACT_LOGGERS = ("pmo", "lead", "member")


def has_bid_on(session: Session, user: User, account_id: int) -> bool:
    statement = select(Bid.id).where(Bid.account_id == account_id, visible_bids_clause(user))
    return session.scalar(statement.limit(1)) is not None


def can_read_relations(session: Session, user: User, account_id: int) -> bool:
    return user.role in ALL_ACCOUNTS or has_bid_on(session, user, account_id)


def readable_account_ids(session: Session, user: User) -> set[int] | None:
    """The ids of the accounts ``user`` may read relations of; ``None`` means all."""
    if user.role in ALL_ACCOUNTS:
        return None
    statement = select(Bid.account_id).where(visible_bids_clause(user)).distinct()
    return set(session.scalars(statement))


def require_account(
    session: Session, user: User, account_id: int, *, write: bool = False, log: bool = False
) -> Account:
    """The account (404 when missing) if ``user`` may read its relations, and with ``write``
    change them (PMO), with ``log`` log a contact (PMO, or a lead/member with a bid there)."""
    account = get_account(session, account_id)
    if write and user.role != "pmo":
        raise Forbidden("only the PMO changes an account's influence map and coverage")
    if log and user.role not in CONTACT_LOGGERS:
        raise Forbidden("contacts are logged by the PMO, leads and team members")
    if not can_read_relations(session, user, account_id):
        raise Forbidden(f"you have no bid on account {account_id}")
    return account
