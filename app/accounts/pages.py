"""Account pages: ``/accounts/at-risk`` (the PMO's list of accounts at risk) and
``/accounts/{account}`` (stakeholders, influence map, health with its reasons).

Rendered with ``app.pages.router.render``; authentication and errors as on every other page
(no session: redirect to ``/login``; no access: the error page with the API's status).
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from app.accounts import health, influence
from app.accounts.access import readable_account_ids, require_account
from app.accounts.models import Account
from app.auth.deps import OptionalUser
from app.bids.models import Bid
from app.db import SessionDep
from app.errors import DomainError
from app.orgs.models import OrgUnit
from app.pages.router import _error, _to_login, render, safe_json
from app.params import IdPath
from gantt.influence import ROLE_LABELS, STANCE_LABELS
from wbs.account_health import HealthRules

router = APIRouter(include_in_schema=False)


@router.get("/accounts/at-risk", response_class=HTMLResponse, response_model=None)
def at_risk_page(request: Request, session: SessionDep, user: OptionalUser) -> Response:
    if user is None:
        return _to_login(request)
    readable = readable_account_ids(session, user)
    statement = select(Account).order_by(Account.id)
    if readable is not None:
        statement = statement.where(Account.id.in_(readable))
    today = dt.date.today()
    rules = HealthRules()
    results = health.accounts_health_json(session, session.scalars(statement), today, rules)
    return render(
        request,
        "accounts_at_risk.html",
        {
            "user": user,
            "as_of": today,
            "rules": rules,
            "at_risk": [item for item in results if item["level"] == "at_risk"],
            "watch": [item for item in results if item["level"] == "watch"],
            "healthy_count": sum(1 for item in results if item["level"] == "healthy"),
        },
    )


@router.get("/accounts/{account_id}", response_class=HTMLResponse, response_model=None)
def account_page(
    request: Request, account_id: IdPath, session: SessionDep, user: OptionalUser
) -> Response:
    if user is None:
        return _to_login(request)
    try:
        account = require_account(session, user, account_id)
    except DomainError as error:
        return _error(request, user, error)
    nodes, _ = influence.influence_nodes(session, account)
    figure = influence.influence_figure(session, account)
    today = dt.date.today()
    result = health.account_health_json(session, account, today, HealthRules())
    bids = list(session.scalars(select(Bid).where(Bid.account_id == account.id).order_by(Bid.id)))
    units = {unit.id: unit.name for unit in session.scalars(select(OrgUnit))}
    return render(
        request,
        "account.html",
        {
            "user": user,
            "account": account,
            "stakeholders": nodes,
            "names": {node.id: node.name for node in nodes},
            "role_labels": ROLE_LABELS,
            "stance_labels": STANCE_LABELS,
            "health": result,
            "bids": bids,
            "units": units,
            "figure_json": safe_json(figure.to_json()),
        },
    )
