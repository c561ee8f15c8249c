"""Who may see and change which bid. One place for the rules; every domain calls these.

- ``pmo``: everything.
- ``lead``: reads and writes the bids they lead (``bid.lead_id`` is their person), reads the
  bids whose team they are on.
- ``member``: reads the bids whose team they are on; writes only progress on tasks they own.
- ``finance``: reads every bid (all money); books costs (the costs domain decides).
- ``viewer``: reads the bids their org unit owns.

``require_bid`` answers 404 for a bid the caller may not know exists and 403 for one they may
see but not change.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, false, select, true
from sqlalchemy.orm import Session, object_session

from app.auth.models import User
from app.bids.models import Bid, TeamMember
from app.errors import Forbidden, NotFound

PROGRESS_FIELDS = frozenset({"percent_complete", "actual_start", "actual_finish"})


def is_on_team(session: Session, user: User, bid_id: int) -> bool:
    if user.person_id is None:
        return False
    statement = select(TeamMember.id).where(
        TeamMember.bid_id == bid_id, TeamMember.person_id == user.person_id
    )
    return session.scalar(statement.limit(1)) is not None


def _session_of(bid: Bid) -> Session:
    session = object_session(bid)
    if session is None:
        raise RuntimeError("bid is not attached to a session")
    return session


def leads(user: User, bid: Bid) -> bool:
    return user.person_id is not None and bid.lead_id == user.person_id


def can_read_bid(user: User, bid: Bid) -> bool:
    if user.role in ("pmo", "finance"):
        return True
    if user.role == "viewer":
        return user.org_unit_id is not None and bid.org_unit_id == user.org_unit_id
    if leads(user, bid):
        return True
    return is_on_team(_session_of(bid), user, bid.id)


def can_write_bid(user: User, bid: Bid) -> bool:
    """May change the bid, its WBS, links, calendar and baselines."""
    return user.role == "pmo" or (user.role == "lead" and leads(user, bid))


def can_report_progress(user: User, bid: Bid, owner_id: int | None) -> bool:
    """May set progress fields (``PROGRESS_FIELDS``) on a task owned by ``owner_id``."""
    if can_write_bid(user, bid):
        return True
    if user.role not in ("member", "lead") or user.person_id is None:
        return False
    return owner_id == user.person_id and is_on_team(_session_of(bid), user, bid.id)


def visible_bids_clause(user: User) -> ColumnElement[bool]:
    """A WHERE clause selecting the bids ``user`` may read (for list endpoints)."""
    if user.role in ("pmo", "finance"):
        return true()
    if user.role == "viewer":
        return Bid.org_unit_id == user.org_unit_id if user.org_unit_id is not None else false()
    if user.person_id is None:
        return false()
    on_team = exists().where(TeamMember.bid_id == Bid.id, TeamMember.person_id == user.person_id)
    return (Bid.lead_id == user.person_id) | on_team


def require_bid(
    session: Session, user: User, bid_id: int, write: bool = False, *, lock: bool | None = None
) -> Bid:
    """The bid, if ``user`` may read it (else 404) and, with ``write``, change it (else 403).

    ``lock`` (default: ``write``) takes the bid's row lock on PostgreSQL (``FOR NO KEY
    UPDATE``) so concurrent writes to one bid, and their schedule recomputes, run one after
    the other; take it before changing anything else in the transaction.
    """
    if lock is None:
        lock = write
    bid = session.get(Bid, bid_id, with_for_update={"key_share": True} if lock else None)
    if bid is None or not can_read_bid(user, bid):
        raise NotFound(f"bid {bid_id} not found")
    if write and not can_write_bid(user, bid):
        raise Forbidden(f"you may not change bid {bid_id}")
    return bid
