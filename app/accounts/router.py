"""``/api/v1/accounts`` and their ``stakeholders``; the account view and one-quote routes
(``relations_router``) and the account pages (``pages``) are included first, so their fixed
paths (``/accounts/at-risk`` ...) win over ``/accounts/{account_id}``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import pages, relations_router, service
from app.accounts.access import require_account, require_account_edit
from app.accounts.influence import check_reports_to, last_contact_dates
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
from app.auth.models import User
from app.crud import apply_changes
from app.db import SessionDep
from app.errors import Forbidden
from app.etag import IfMatch, check_if_match, committed, set_etag
from app.guards import guarded, roles
from app.journal.service import record_changes, snapshot
from app.pagination import Page, PageDep, paginate
from app.params import IdPath
from app.schemas import PROBLEM_RESPONSES

router = APIRouter()
router.include_router(relations_router.router)
router.include_router(pages.router)
api = APIRouter(prefix="/api/v1", tags=["accounts"], responses=PROBLEM_RESPONSES)
WRITERS = ("pmo", "lead")


def writable_stakeholders(session: Session, user: User, account_id: int) -> Account:
    """The account, if ``user`` may add and edit its stakeholders: the PMO on every account, a
    lead on the accounts of their granted bids (``app.accounts.access``); 403 otherwise."""
    require_role(user, *WRITERS)
    return require_account(session, user, account_id)


def stakeholder_account(session: Session, ids: Mapping[str, int]) -> int:
    return service.get_stakeholder(session, ids["stakeholder_id"]).account_id


def check_reporting_line(user: User, reports_to_id: int | None) -> None:
    """Reporting lines are the PMO's shared picture of the account (``app.accounts.access``)."""
    if reports_to_id is not None and user.role != "pmo":
        raise Forbidden("only the PMO draws an account's reporting lines (reports_to_id)")


def stakeholder_reads(session: Session, rows: list[Stakeholder]) -> list[StakeholderRead]:
    """Stakeholders with their last contact date (callers checked by ``require_account``)."""
    contacts = last_contact_dates(session, [row.id for row in rows])
    return [
        StakeholderRead.model_validate(row).model_copy(
            update={"last_contact_date": contacts.get(row.id)}
        )
        for row in rows
    ]


@api.get("/accounts", response_model=Page[AccountRead])
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


@api.post("/accounts", response_model=AccountRead, status_code=status.HTTP_201_CREATED)
@guarded(roles(*WRITERS))
def create_account(
    body: AccountCreate, session: SessionDep, user: CurrentUser, response: Response
) -> AccountRead:
    require_role(user, *WRITERS)
    account = service.create_account(session, user, body.model_dump())
    return committed(session, response, account, AccountRead)


@api.get("/accounts/{account_id}", response_model=AccountRead)
def get_account(
    account_id: IdPath, session: SessionDep, user: CurrentUser, response: Response
) -> AccountRead:
    account = service.get_account(session, account_id)
    set_etag(response, account)
    return AccountRead.model_validate(account)


@api.patch("/accounts/{account_id}", response_model=AccountRead)
@guarded(lambda s, u, ids: require_account_edit(s, u, ids["account_id"]))
def update_account(
    account_id: IdPath,
    body: AccountUpdate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> AccountRead:
    """The PMO edits an account (``app.accounts.access.can_edit_account``)."""
    account = require_account_edit(session, user, account_id)
    check_if_match(if_match, account)
    service.update_account(session, user, account, body.model_dump(exclude_unset=True))
    return committed(session, response, account, AccountRead)


@api.get("/accounts/{account_id}/stakeholders", response_model=Page[StakeholderRead])
def list_stakeholders(
    account_id: IdPath, session: SessionDep, user: CurrentUser, page: PageDep
) -> Page[StakeholderRead]:
    require_account(session, user, account_id)
    statement = (
        select(Stakeholder).where(Stakeholder.account_id == account_id).order_by(Stakeholder.id)
    )
    rows, total = paginate(session, statement, page)
    return Page(items=stakeholder_reads(session, rows), total=total)


@api.post(
    "/accounts/{account_id}/stakeholders",
    response_model=StakeholderRead,
    status_code=status.HTTP_201_CREATED,
)
@guarded(lambda s, u, ids: writable_stakeholders(s, u, ids["account_id"]))
def create_stakeholder(
    account_id: IdPath,
    body: StakeholderCreate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
) -> StakeholderRead:
    account = writable_stakeholders(session, user, account_id)
    check_reporting_line(user, body.reports_to_id)
    check_reports_to(session, account.id, body.reports_to_id, None)
    stakeholder = service.create_stakeholder(session, user, account, body.model_dump())
    return committed(session, response, stakeholder, StakeholderRead)


@api.get("/stakeholders/{stakeholder_id}", response_model=StakeholderRead)
def get_stakeholder(
    stakeholder_id: IdPath, session: SessionDep, user: CurrentUser, response: Response
) -> StakeholderRead:
    stakeholder = service.get_stakeholder(session, stakeholder_id)
    require_account(session, user, stakeholder.account_id)
    set_etag(response, stakeholder)
    return stakeholder_reads(session, [stakeholder])[0]


@api.patch("/stakeholders/{stakeholder_id}", response_model=StakeholderRead)
@guarded(lambda s, u, ids: writable_stakeholders(s, u, stakeholder_account(s, ids)))
def update_stakeholder(
    stakeholder_id: IdPath,
    body: StakeholderUpdate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> StakeholderRead:
    stakeholder = service.get_stakeholder(session, stakeholder_id)
    writable_stakeholders(session, user, stakeholder.account_id)
    check_if_match(if_match, stakeholder)
    changes = body.model_dump(exclude_unset=True)
    if "reports_to_id" in changes:
        if changes["reports_to_id"] != stakeholder.reports_to_id:
            check_reporting_line(user, changes["reports_to_id"] or stakeholder.reports_to_id)
        check_reports_to(session, stakeholder.account_id, changes["reports_to_id"], stakeholder.id)
    apply_changes(session, user, stakeholder, changes)
    session.commit()
    set_etag(response, stakeholder)
    return stakeholder_reads(session, [stakeholder])[0]


@api.delete("/stakeholders/{stakeholder_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_stakeholder(
    stakeholder_id: IdPath, session: SessionDep, user: CurrentUser, if_match: IfMatch = None
) -> Response:
    stakeholder = service.get_stakeholder(session, stakeholder_id)
    writable_stakeholders(session, user, stakeholder.account_id)
    check_if_match(if_match, stakeholder)
    fields = ("name", "decision_role", "influence", "stance", "reports_to_id")
    record_changes(session, user, stakeholder, snapshot(stakeholder, fields), {})
    session.delete(stakeholder)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


router.include_router(api)
