"""Key accounts and stakeholders."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Account, Stakeholder
from app.auth.models import User
from app.crud import apply_changes, get_or_404, record_creation
from app.errors import Conflict


def _check_credit_code(session: Session, code: str | None, account_id: int | None = None) -> None:
    if code is None:
        return
    other = session.scalar(select(Account.id).where(Account.credit_code == code))
    if other is not None and other != account_id:
        raise Conflict(f"unified social credit code {code} belongs to account {other}")


def create_account(session: Session, user: User | None, data: dict[str, Any]) -> Account:
    _check_credit_code(session, data.get("credit_code"))
    account = Account(**data)
    session.add(account)
    record_creation(session, user, account, data)
    return account


def update_account(session: Session, user: User, account: Account, data: dict[str, Any]) -> Account:
    if "credit_code" in data:
        _check_credit_code(session, data["credit_code"], account.id)
    apply_changes(session, user, account, data)
    session.flush()
    return account


def get_account(session: Session, account_id: int) -> Account:
    return get_or_404(session, Account, account_id, "account")


def create_stakeholder(
    session: Session, user: User | None, account: Account, data: dict[str, Any]
) -> Stakeholder:
    stakeholder = Stakeholder(account_id=account.id, **data)
    session.add(stakeholder)
    record_creation(session, user, stakeholder, data)
    return stakeholder


def get_stakeholder(session: Session, stakeholder_id: int) -> Stakeholder:
    return get_or_404(session, Stakeholder, stakeholder_id, "stakeholder")
