"""The account view and one quote per account, under ``/api/v1``:

- ``/accounts/duplicates``: groups of accounts that match one another (PMO).
- ``/accounts/quote-policy``: ``refuse`` or ``arbitrate`` a second quote, counted per account
  (``scope`` ``account``, the default) or per account and product line (PMO; PATCH If-Match).
- ``/accounts/arbitrations``, ``/bids/{bid}/arbitration``: held bids and the PMO's decisions.
- ``/accounts/at-risk``, ``/accounts/{account}/health``: account health (``wbs.account_health``).
- ``/accounts/{account}/influence-map``: the Plotly figure; ``/accounts/{account}/influence-links``,
  ``/influence-links/{id}``, ``/stakeholders/{id}/coverage``, ``/coverage/{id}``,
  ``/stakeholders/{id}/contacts``, ``/accounts/{account}/contacts``, ``/contacts/{id}``.

Permissions: ``app.accounts.access`` (PMO writes the map and coverage; whoever may read a bid on
the account reads it; leads and members log their own contacts).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status
from sqlalchemy import select

from app.accounts import health, influence, quotes
from app.accounts.access import readable_account_ids, require_account
from app.accounts.models import (
    Account,
    ContactLog,
    InfluenceLink,
    QuoteArbitration,
    Stakeholder,
    StakeholderCoverage,
)
from app.accounts.schemas import (
    AccountHealthRead,
    AccountRead,
    ArbitrationDecision,
    ArbitrationRead,
    ContactCreate,
    ContactRead,
    CoverageCreate,
    CoverageRead,
    CoverageUpdate,
    DuplicateGroup,
    InfluenceLinkCreate,
    InfluenceLinkRead,
    InfluenceLinkUpdate,
    QuotePolicyRead,
    QuotePolicyUpdate,
)
from app.accounts.service import get_stakeholder
from app.auth.deps import CurrentUser, require_role
from app.auth.models import User
from app.auth.permissions import require_bid
from app.bids.schemas import BidRead
from app.crud import apply_changes
from app.db import SessionDep
from app.errors import Forbidden, NotFound
from app.etag import IfMatch, check_if_match, committed, set_etag
from app.guards import bid_access, guarded, roles
from app.pagination import Page, PageDep, paginate
from app.params import BidPath, IdPath
from app.schemas import PROBLEM_RESPONSES
from wbs import limits
from wbs.account_health import HealthRules
from wbs.account_match import duplicate_groups, name_key

router = APIRouter(prefix="/api/v1", tags=["accounts"], responses=PROBLEM_RESPONSES)
ContactDays = Annotated[
    int, Query(ge=1, le=3650, description="days without contact that count against a decider")
]
AsOf = Annotated[
    dt.date | None,
    Query(ge=limits.PLAN_DATE_MIN, le=limits.PLAN_DATE_MAX, description="default: today"),
]


class _NoPolicyYet:
    """ETag of the policy before the PMO first sets it (``W/"0"``)."""

    version = 0


# --- one quote per account ----------------------------------------------------------------


@router.get("/accounts/duplicates", response_model=Page[DuplicateGroup])
def list_duplicates(session: SessionDep, user: CurrentUser, page: PageDep) -> Page[DuplicateGroup]:
    """Groups of accounts that are one customer (same credit code, or matching names)."""
    require_role(user, "pmo")
    accounts = {account.id: account for account in session.scalars(select(Account))}
    groups = duplicate_groups([quotes.identity(account) for account in accounts.values()])
    window = groups[page.offset : page.offset + page.limit]
    items = [
        DuplicateGroup(
            account_ids=group,
            accounts=[AccountRead.model_validate(accounts[i]) for i in group],
            keys=sorted({name_key(accounts[i].name).key for i in group}),
        )
        for group in window
    ]
    return Page(items=items, total=len(groups))


@router.get("/accounts/quote-policy", response_model=QuotePolicyRead)
def get_quote_policy(session: SessionDep, user: CurrentUser, response: Response) -> QuotePolicyRead:
    require_role(user, "pmo")
    row = quotes.current_policy(session)
    set_etag(response, row or _NoPolicyYet())
    policy = row.policy if row else quotes.DEFAULT_POLICY
    scope = row.scope if row else quotes.DEFAULT_SCOPE
    return QuotePolicyRead.model_validate(
        {"policy": policy, "scope": scope, "version": row.version if row else 0}
    )


@router.patch("/accounts/quote-policy", response_model=QuotePolicyRead)
@guarded(roles("pmo"))
def update_quote_policy(
    body: QuotePolicyUpdate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> QuotePolicyRead:
    require_role(user, "pmo")
    check_if_match(if_match, quotes.current_policy(session) or _NoPolicyYet())
    row = quotes.set_policy(session, user, body.policy, body.scope)
    session.commit()
    set_etag(response, row)
    return QuotePolicyRead.model_validate(
        {"policy": row.policy, "scope": row.scope, "version": row.version}
    )


@router.get("/accounts/arbitrations", response_model=Page[ArbitrationRead])
def list_arbitrations(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    status_: Annotated[
        Literal["pending", "allowed", "rejected", "merged"] | None, Query(alias="status")
    ] = None,
) -> Page[ArbitrationRead]:
    require_role(user, "pmo")
    statement = select(QuoteArbitration).order_by(QuoteArbitration.id)
    if status_ is not None:
        statement = statement.where(QuoteArbitration.status == status_)
    rows, total = paginate(session, statement, page)
    return Page(items=[ArbitrationRead.model_validate(r) for r in rows], total=total)


@router.get("/bids/{bid}/arbitration", response_model=ArbitrationRead)
def get_arbitration(
    bid_id: BidPath, session: SessionDep, user: CurrentUser, response: Response
) -> ArbitrationRead:
    require_bid(session, user, bid_id)
    case = quotes.arbitration_of(session, bid_id)
    if case is None:
        raise NotFound(f"bid {bid_id} was never held for arbitration")
    set_etag(response, case)
    return ArbitrationRead.model_validate(case)


@router.post("/bids/{bid}/arbitration", response_model=BidRead)
@guarded(bid_access(write=True, allowed=("pmo",)))
def decide_arbitration(
    bid_id: BidPath,
    body: ArbitrationDecision,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> BidRead:
    """The PMO's decision on a held bid; ``If-Match`` is the bid's ETag. Answers the bid."""
    bid = require_bid(session, user, bid_id, write=True)
    require_role(user, "pmo")
    check_if_match(if_match, bid)
    quotes.decide(session, user, bid, body.decision, body.reason, body.target_bid)
    return committed(session, response, bid, BidRead)


# --- health -------------------------------------------------------------------------------


@router.get("/accounts/at-risk", response_model=Page[AccountHealthRead])
def list_at_risk(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    contact_days: ContactDays = 30,
    as_of: AsOf = None,
    level: Annotated[
        Literal["at_risk", "watch", "all"],
        Query(description="at_risk only, watch and worse, or all accounts"),
    ] = "at_risk",
) -> Page[AccountHealthRead]:
    """Accounts by health, worst first, with their reasons (those the caller may read)."""
    readable = readable_account_ids(session, user)
    statement = select(Account).order_by(Account.id)
    if readable is not None:
        statement = statement.where(Account.id.in_(readable))
    rules = HealthRules(contact_days=contact_days)
    results = health.accounts_health_json(
        session, session.scalars(statement), as_of or dt.date.today(), rules
    )
    keep = {"at_risk": {"at_risk"}, "watch": {"at_risk", "watch"}}.get(level)
    chosen = [item for item in results if keep is None or item["level"] in keep]
    window = chosen[page.offset : page.offset + page.limit]
    return Page(items=[AccountHealthRead(**item) for item in window], total=len(chosen))


@router.get("/accounts/{account_id}/health", response_model=AccountHealthRead)
def get_health(
    account_id: IdPath,
    session: SessionDep,
    user: CurrentUser,
    contact_days: ContactDays = 30,
    as_of: AsOf = None,
) -> AccountHealthRead:
    account = require_account(session, user, account_id)
    rules = HealthRules(contact_days=contact_days)
    item = health.account_health_json(session, account, as_of or dt.date.today(), rules)
    return AccountHealthRead(**item)


# --- influence map ------------------------------------------------------------------------


@router.get("/accounts/{account_id}/influence-map")
def get_influence_map(account_id: IdPath, session: SessionDep, user: CurrentUser) -> Response:
    """The account's decision-influence map as a Plotly figure (JSON)."""
    account = require_account(session, user, account_id)
    figure = influence.influence_figure(session, account)
    return Response(figure.to_json(), media_type="application/json")


@router.get("/accounts/{account_id}/influence-links", response_model=Page[InfluenceLinkRead])
def list_links(
    account_id: IdPath, session: SessionDep, user: CurrentUser, page: PageDep
) -> Page[InfluenceLinkRead]:
    require_account(session, user, account_id)
    statement = (
        select(InfluenceLink)
        .where(InfluenceLink.account_id == account_id)
        .order_by(InfluenceLink.id)
    )
    rows, total = paginate(session, statement, page)
    return Page(items=[InfluenceLinkRead.model_validate(r) for r in rows], total=total)


@router.post(
    "/accounts/{account_id}/influence-links",
    response_model=InfluenceLinkRead,
    status_code=status.HTTP_201_CREATED,
)
@guarded(lambda s, u, ids: require_account(s, u, ids["account_id"], write=True))
def create_link(
    account_id: IdPath,
    body: InfluenceLinkCreate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
) -> InfluenceLinkRead:
    account = require_account(session, user, account_id, write=True)
    link = influence.create_link(session, user, account, body.model_dump())
    return committed(session, response, link, InfluenceLinkRead)


def _link_for(session: SessionDep, user: User, link_id: int, *, write: bool) -> InfluenceLink:
    link = influence.get_link(session, link_id)
    require_account(session, user, link.account_id, write=write)
    return link


@router.get("/influence-links/{link_id}", response_model=InfluenceLinkRead)
def get_link(
    link_id: IdPath, session: SessionDep, user: CurrentUser, response: Response
) -> InfluenceLinkRead:
    link = _link_for(session, user, link_id, write=False)
    set_etag(response, link)
    return InfluenceLinkRead.model_validate(link)


@router.patch("/influence-links/{link_id}", response_model=InfluenceLinkRead)
@guarded(lambda s, u, ids: _link_for(s, u, ids["link_id"], write=True))
def update_link(
    link_id: IdPath,
    body: InfluenceLinkUpdate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> InfluenceLinkRead:
    link = _link_for(session, user, link_id, write=True)
    check_if_match(if_match, link)
    apply_changes(session, user, link, body.model_dump(exclude_unset=True))
    return committed(session, response, link, InfluenceLinkRead)


@router.delete("/influence-links/{link_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_link(
    link_id: IdPath, session: SessionDep, user: CurrentUser, if_match: IfMatch = None
) -> Response:
    link = _link_for(session, user, link_id, write=True)
    check_if_match(if_match, link)
    influence.delete_row(session, user, link, ("source_id", "target_id", "strength", "kind"))
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- coverage -----------------------------------------------------------------------------


def _coverage_read(row: StakeholderCoverage, names: dict[int, str]) -> CoverageRead:
    return CoverageRead.model_validate(row).model_copy(
        update={"person_name": names.get(row.person_id)}
    )


def _stakeholder_for(
    session: SessionDep, user: User, stakeholder_id: int, *, write: bool = False, log: bool = False
) -> Stakeholder:
    stakeholder = get_stakeholder(session, stakeholder_id)
    require_account(session, user, stakeholder.account_id, write=write, log=log)
    return stakeholder


@router.get("/stakeholders/{stakeholder_id}/coverage", response_model=Page[CoverageRead])
def list_coverage(
    stakeholder_id: IdPath, session: SessionDep, user: CurrentUser, page: PageDep
) -> Page[CoverageRead]:
    _stakeholder_for(session, user, stakeholder_id)
    statement = (
        select(StakeholderCoverage)
        .where(StakeholderCoverage.stakeholder_id == stakeholder_id)
        .order_by(StakeholderCoverage.id)
    )
    rows, total = paginate(session, statement, page)
    names = influence.person_names(session, {row.person_id for row in rows})
    return Page(items=[_coverage_read(row, names) for row in rows], total=total)


@router.post(
    "/stakeholders/{stakeholder_id}/coverage",
    response_model=CoverageRead,
    status_code=status.HTTP_201_CREATED,
)
@guarded(lambda s, u, ids: _stakeholder_for(s, u, ids["stakeholder_id"], write=True))
def add_coverage(
    stakeholder_id: IdPath,
    body: CoverageCreate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
) -> CoverageRead:
    stakeholder = _stakeholder_for(session, user, stakeholder_id, write=True)
    row = influence.add_coverage(session, user, stakeholder, body.model_dump())
    session.commit()
    set_etag(response, row)
    return _coverage_read(row, influence.person_names(session, {row.person_id}))


def _coverage_for(session: SessionDep, user: User, coverage_id: int) -> StakeholderCoverage:
    row = influence.get_coverage(session, coverage_id)
    _stakeholder_for(session, user, row.stakeholder_id, write=True)
    return row


@router.patch("/coverage/{coverage_id}", response_model=CoverageRead)
@guarded(lambda s, u, ids: _coverage_for(s, u, ids["coverage_id"]))
def update_coverage(
    coverage_id: IdPath,
    body: CoverageUpdate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> CoverageRead:
    row = _coverage_for(session, user, coverage_id)
    check_if_match(if_match, row)
    apply_changes(session, user, row, body.model_dump(exclude_unset=True))
    session.commit()
    set_etag(response, row)
    return _coverage_read(row, influence.person_names(session, {row.person_id}))


@router.delete("/coverage/{coverage_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_coverage(
    coverage_id: IdPath, session: SessionDep, user: CurrentUser, if_match: IfMatch = None
) -> Response:
    row = _coverage_for(session, user, coverage_id)
    check_if_match(if_match, row)
    influence.delete_row(session, user, row, ("stakeholder_id", "person_id", "strength"))
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- contacts -----------------------------------------------------------------------------


@router.get("/stakeholders/{stakeholder_id}/contacts", response_model=Page[ContactRead])
def list_stakeholder_contacts(
    stakeholder_id: IdPath, session: SessionDep, user: CurrentUser, page: PageDep
) -> Page[ContactRead]:
    _stakeholder_for(session, user, stakeholder_id)
    statement = (
        select(ContactLog)
        .where(ContactLog.stakeholder_id == stakeholder_id)
        .order_by(ContactLog.contact_date.desc(), ContactLog.id.desc())
    )
    rows, total = paginate(session, statement, page)
    return Page(items=[ContactRead.model_validate(r) for r in rows], total=total)


@router.get("/accounts/{account_id}/contacts", response_model=Page[ContactRead])
def list_account_contacts(
    account_id: IdPath, session: SessionDep, user: CurrentUser, page: PageDep
) -> Page[ContactRead]:
    require_account(session, user, account_id)
    statement = (
        select(ContactLog)
        .join(Stakeholder, Stakeholder.id == ContactLog.stakeholder_id)
        .where(Stakeholder.account_id == account_id)
        .order_by(ContactLog.contact_date.desc(), ContactLog.id.desc())
    )
    rows, total = paginate(session, statement, page)
    return Page(items=[ContactRead.model_validate(r) for r in rows], total=total)


@router.post(
    "/stakeholders/{stakeholder_id}/contacts",
    response_model=ContactRead,
    status_code=status.HTTP_201_CREATED,
)
@guarded(lambda s, u, ids: _stakeholder_for(s, u, ids["stakeholder_id"], log=True))
def log_contact(
    stakeholder_id: IdPath,
    body: ContactCreate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
) -> ContactRead:
    stakeholder = _stakeholder_for(session, user, stakeholder_id, log=True)
    contact = influence.log_contact(session, user, stakeholder, body.model_dump())
    return committed(session, response, contact, ContactRead)


@router.delete("/contacts/{contact_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_contact(
    contact_id: IdPath, session: SessionDep, user: CurrentUser, if_match: IfMatch = None
) -> Response:
    """The PMO, or whoever logged it, takes a contact back."""
    contact = influence.get_contact(session, contact_id)
    _stakeholder_for(session, user, contact.stakeholder_id, log=True)
    if user.role != "pmo" and contact.logged_by_id != user.id:
        raise Forbidden("only the PMO or whoever logged it deletes a contact")
    check_if_match(if_match, contact)
    fields = ("stakeholder_id", "person_id", "contact_date", "channel")
    influence.delete_row(session, user, contact, fields)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
