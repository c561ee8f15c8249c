"""Sign-in throttling: exponential back-off per (account, address), per address and per account.

Every failed password check counts under three keys, each with its own allowance of free
failures before a back-off starts (``FREE_FAILURES``); past it each further failure doubles the
wait, from 1 second up to ``MAX_BACKOFF`` (15 minutes). While a key is blocked the password is
not even checked (no argon2 work for a flood) and the answer is 429 with ``Retry-After``.

- ``pair`` (username, address): the guesser at one address is slowed after 5 failures.
- ``address``: one address spraying many usernames, after 20.
- ``account``: a username guessed from many addresses, after 50.

An attacker must not be able to lock a user out for good, so the back-off is bounded (a wait
never exceeds 15 minutes and attempts made during it do not extend it), failures older than a
day are forgotten, and the account-wide back-off does not apply to an address that signed in
successfully as that user in the last 30 days (``trusted_until``): the user's own machine keeps
working while a distributed guesser is slowed. The PMO lifts any of it
(``DELETE /api/v1/login-throttles/{id}``, ``POST /api/v1/users/{id}/unlock``).

Failures are committed by the refused request itself (it has nothing else to keep).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth.models import LoginThrottle
from app.db import utcnow

FREE_FAILURES = {"pair": 5, "address": 20, "account": 50}
MAX_BACKOFF = timedelta(minutes=15)
FORGET_AFTER = timedelta(days=1)
TRUST_FOR = timedelta(days=30)
clock: Callable[[], datetime] = utcnow  # tests move time


@dataclass(frozen=True)
class Key:
    kind: str
    key: str
    username: str | None
    address: str | None


def keys(username: str, address: str) -> list[Key]:
    name = username.strip().lower()[:200]
    where = address[:100]
    return [
        Key("pair", f"pair:{name}|{where}", name, where),
        Key("address", f"address:{where}", None, where),
        Key("account", f"account:{name}", name, None),
    ]


def backoff(failures: int, kind: str) -> timedelta:
    """The wait after the ``failures``-th failure under a key of ``kind``: none within the
    free allowance, then 1 s, 2 s, 4 s... up to ``MAX_BACKOFF``."""
    over = failures - FREE_FAILURES[kind]
    if over < 0:
        return timedelta(0)
    return min(MAX_BACKOFF, timedelta(seconds=2 ** min(over, 20)))


def retry_after(session: Session, username: str, address: str) -> int | None:
    """Seconds until this username may try again from this address, or None (may try now)."""
    wanted = keys(username, address)
    rows = {
        row.kind: row
        for row in session.scalars(
            select(LoginThrottle).where(LoginThrottle.key.in_([k.key for k in wanted]))
        )
    }
    now = clock()
    pair = rows.get("pair")
    trusted = pair is not None and pair.trusted_until is not None and pair.trusted_until > now
    waits = [
        math.ceil((row.blocked_until - now).total_seconds())
        for row in rows.values()
        if row.blocked_until is not None
        and row.blocked_until > now
        and not (row.kind == "account" and trusted)
    ]
    return max(waits) if waits else None


def record_failure(session: Session, username: str, address: str) -> None:
    """Count a failed password check under the three keys, and commit (the request that
    failed has nothing else to keep). The rows are locked while counted (PostgreSQL; SQLite's
    write transactions run one at a time), so racing failures all count."""
    now = clock()
    for key in keys(username, address):
        row = _locked_row(session, key)
        if row.last_failure_at is not None and now - row.last_failure_at > FORGET_AFTER:
            row.failures = 0
            row.blocked_until = None
        row.failures += 1
        row.last_failure_at = now
        wait = backoff(row.failures, key.kind)
        if wait:
            row.blocked_until = now + wait
        session.flush()
    session.commit()


def _locked_row(session: Session, key: Key) -> LoginThrottle:
    """The key's row, locked; created when missing (a racing creator's row wins)."""
    statement = select(LoginThrottle).where(LoginThrottle.key == key.key).with_for_update()
    row = session.scalar(statement)
    if row is not None:
        return row
    fresh = LoginThrottle(
        key=key.key, kind=key.kind, username=key.username, address=key.address, failures=0
    )
    try:
        with session.begin_nested():
            session.add(fresh)
    except IntegrityError:
        row = session.scalar(statement)
        if row is None:
            raise
        return row
    return fresh


def record_success(session: Session, username: str, address: str) -> None:
    """A successful sign-in: the pair and the account start afresh, the pair is trusted."""
    now = clock()
    for key in keys(username, address):
        if key.kind == "address":
            continue
        row = session.scalar(select(LoginThrottle).where(LoginThrottle.key == key.key))
        if row is None:
            if key.kind == "account":
                continue
            row = LoginThrottle(
                key=key.key, kind=key.kind, username=key.username, address=key.address, failures=0
            )
            session.add(row)
        row.failures, row.blocked_until = 0, None
        if key.kind == "pair":
            row.trusted_until = now + TRUST_FOR
    session.flush()
    forget_old(session)


def lift_user(session: Session, username: str) -> int:
    """The PMO lifts every back-off of this username (all addresses); returns rows lifted."""
    name = username.strip().lower()
    rows = list(session.scalars(select(LoginThrottle).where(LoginThrottle.username == name)))
    for row in rows:
        row.failures, row.blocked_until = 0, None
    session.flush()
    return len(rows)


def forget_old(session: Session) -> None:
    """Drop rows with nothing left to remember (no recent failure, no block, no trust)."""
    now = clock()
    session.execute(
        delete(LoginThrottle).where(
            or_(
                LoginThrottle.last_failure_at.is_(None),
                LoginThrottle.last_failure_at < now - FORGET_AFTER,
            ),
            or_(LoginThrottle.blocked_until.is_(None), LoginThrottle.blocked_until < now),
            or_(LoginThrottle.trusted_until.is_(None), LoginThrottle.trusted_until < now),
        )
    )
