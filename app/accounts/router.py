"""``/api/v1/accounts`` and their ``stakeholders``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from sqlalchemy import select

from app.accounts import service
from app.accounts.models import Account, Stakeholder
from app.accounts.schemas import (
    AccountCreate,
    AccountRead,
    AccountUpdate,
    StakeholderCreate,
    StakeholderRead,
    StakeholderUpdate,
)
from app.auth.deps import CurrentUser, require_role
from app.crud import apply_changes
from app.db import SessionDep
from app.etag import IfMatch, check_if_match, set_etag
from app.journal.service import record_changes, snapshot
from app.pagination import Page, PageDep, paginate
from app.params import IdPath
from app.schemas import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["accounts"], responses=PROBLEM_RESPONSES)
WRITERS = ("pmo", "lead")


@router.get("/accounts", response_model=Page[AccountRead])
def list_accounts(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    industry: Annotated[str | None, Query(max_length=100)] = None,
    tier: Annotated[str | None, Query(max_length=20)] = None,
    region: Annotated[str | None, Query(max_length=100)] = None,
    q: Annotated[str | None, Query(max_length=100, description="name contains")] = None,
) -> Page[AccountRead]:
    statement = select(Account).order_by(Account.id)
    if industry is not None:
        statement = statement.where(Account.industry == industry)
    if tier is not None:
        statement = statement.where(Account.tier == tier)
    if region is not None:
        statement = statement.where(Account.region == region)
    if q:
        statement = statement.where(Account.name.contains(q) | Account.name_en.contains(q))
    rows, total = paginate(session, statement, page)
    return Page(items=[AccountRead.model_validate(r) for r in rows], total=total)


@router.post("/accounts", response_model=AccountRead, status_code=status.HTTP_201_CREATED)
def create_account(
    body: AccountCreate, session: SessionDep, user: CurrentUser, response: Response
) -> AccountRead:
    require_role(user, *WRITERS)
    account = service.create_account(session, user, body.model_dump())
    session.commit()
    set_etag(response, account)
    return AccountRead.model_validate(account)


@router.get("/accounts/{account_id}", response_model=AccountRead)
def get_account(
    account_id: IdPath, session: SessionDep, user: CurrentUser, response: Response
) -> AccountRead:
    account = service.get_account(session, account_id)
    set_etag(response, account)
    return AccountRead.model_validate(account)


@router.patch("/accounts/{account_id}", response_model=AccountRead)
def update_account(
    account_id: IdPath,
    body: AccountUpdate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> AccountRead:
    require_role(user, *WRITERS)
    account = service.get_account(session, account_id)
    check_if_match(if_match, account)
    service.update_account(session, user, account, body.model_dump(exclude_unset=True))
    session.commit()
    set_etag(response, account)
    return AccountRead.model_validate(account)


@router.get("/accounts/{account_id}/stakeholders", response_model=Page[StakeholderRead])
def list_stakeholders(
    account_id: IdPath, session: SessionDep, user: CurrentUser, page: PageDep
) -> Page[StakeholderRead]:
    service.get_account(session, account_id)
    statement = (
        select(Stakeholder).where(Stakeholder.account_id == account_id).order_by(Stakeholder.id)
    )
    rows, total = paginate(session, statement, page)
    return Page(items=[StakeholderRead.model_validate(r) for r in rows], total=total)


@router.post(
    "/accounts/{account_id}/stakeholders",
    response_model=StakeholderRead,
    status_code=status.HTTP_201_CREATED,
)
def create_stakeholder(
    account_id: IdPath,
    body: StakeholderCreate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
) -> StakeholderRead:
    require_role(user, *WRITERS)
    account = service.get_account(session, account_id)
    stakeholder = service.create_stakeholder(session, user, account, body.model_dump())
    session.commit()
    set_etag(response, stakeholder)
    return StakeholderRead.model_validate(stakeholder)


@router.get("/stakeholders/{stakeholder_id}", response_model=StakeholderRead)
def get_stakeholder(
    stakeholder_id: IdPath, session: SessionDep, user: CurrentUser, response: Response
) -> StakeholderRead:
    stakeholder = service.get_stakeholder(session, stakeholder_id)
    set_etag(response, stakeholder)
    return StakeholderRead.model_validate(stakeholder)


@router.patch("/stakeholders/{stakeholder_id}", response_model=StakeholderRead)
def update_stakeholder(
    stakeholder_id: IdPath,
    body: StakeholderUpdate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> StakeholderRead:
    require_role(user, *WRITERS)
    stakeholder = service.get_stakeholder(session, stakeholder_id)
    check_if_match(if_match, stakeholder)
    apply_changes(session, user, stakeholder, body.model_dump(exclude_unset=True))
    session.commit()
    set_etag(response, stakeholder)
    return StakeholderRead.model_validate(stakeholder)


@router.delete("/stakeholders/{stakeholder_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_stakeholder(
    stakeholder_id: IdPath, session: SessionDep, user: CurrentUser, if_match: IfMatch = None
) -> Response:
    require_role(user, *WRITERS)
    stakeholder = service.get_stakeholder(session, stakeholder_id)
    check_if_match(if_match, stakeholder)
    fields = ("name", "decision_role", "influence", "stance")
    record_changes(session, user, stakeholder, snapshot(stakeholder, fields), {})
    session.delete(stakeholder)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
