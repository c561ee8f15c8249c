"""Appraisal endpoints: a bid's appraisal and a person's across bids (each caller sees what
``app.appraisal.service`` lets them), and the PMO's weights, pools, policy and adjustments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import Field

from app.appraisal import service
from app.auth.deps import CurrentUser, require_role
from app.auth.permissions import require_bid
from app.db import SessionDep
from app.etag import IfMatch, check_if_match, set_etag
from app.guards import bid_access, guarded, roles
from app.pagination import Page, PageDep
from app.params import BidPath, IdPath
from app.pmo.schemas import Reason
from app.schemas import PROBLEM_RESPONSES, Id, Input, MoneyIn, SignedMoneyIn
from wbs import limits

router = APIRouter(prefix="/api/v1", tags=["appraisal"], responses=PROBLEM_RESPONSES)
TemplateId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,79}$")]
Weight = Annotated[Decimal, Field(ge=0, le=1, max_digits=5, decimal_places=4)]


class AppraisalWeightsIn(Input):
    responsibility: Weight
    difficulty: Weight
    workload: Weight
    on_time: Weight
    on_budget: Weight


class AppraisalSettingUpdate(Input):
    """A bid's own weights (``null``: its template's or the defaults) and bonus pool."""

    weights: AppraisalWeightsIn | None = None
    bonus_pool: MoneyIn | None = None


class TemplateWeightsUpdate(Input):
    weights: AppraisalWeightsIn


class AppraisalPolicyUpdate(Input):
    won_percent: int | None = Field(default=None, ge=0, le=100)
    lost_percent: int | None = Field(default=None, ge=0, le=100)
    abandoned_percent: int | None = Field(default=None, ge=0, le=100)
    relationship_lost_percent: int | None = Field(default=None, ge=0, le=100)
    open_percent: int | None = Field(default=None, ge=0, le=100)


class AppraisalAdjustmentCreate(Input):
    person_id: Id
    amount: SignedMoneyIn
    reason: Reason


class _NoPolicyYet:
    version = 0


@router.get("/bids/{bid}/appraisal")
def get_appraisal(
    bid_id: BidPath,
    session: SessionDep,
    user: CurrentUser,
    bonus_pool: Annotated[Decimal | None, Query(ge=0, max_digits=18, decimal_places=2)] = None,
) -> dict[str, Any]:
    """Each team member's contribution, explained line by line, their share of the pool the
    outcome earns and their rewards and penalties; members see only their own row, leads
    their bid's, the PMO and finance everyone. ``bonus_pool`` replaces the PMO's pool (what-if)."""
    bid = require_bid(session, user, bid_id)
    return service.bid_appraisal(session, user, bid, bonus_pool)


@router.put("/bids/{bid}/appraisal/settings")
@guarded(bid_access(allowed=("pmo",)))
def put_settings(
    bid_id: BidPath, body: AppraisalSettingUpdate, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
    """The PMO sets the bid's weights and bonus pool (journaled)."""
    bid = require_bid(session, user, bid_id)
    require_role(user, "pmo")
    weights = body.weights.model_dump() if body.weights else None
    row = service.save_bid_settings(session, user, bid, weights, body.bonus_pool)
    session.commit()
    return service.settings_json(row)


@router.put("/templates/{template_id}/appraisal-weights")
@guarded(roles("pmo"))
def put_template_weights(
    template_id: TemplateId, body: TemplateWeightsUpdate, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
    """The PMO sets the weights of a WBS template's bids (journaled)."""
    require_role(user, "pmo")
    row = service.save_template_weights(session, user, template_id, body.weights.model_dump())
    session.commit()
    return service.settings_json(row)


@router.get("/pmo/appraisal-policy")
def get_policy(session: SessionDep, user: CurrentUser, response: Response) -> dict[str, Any]:
    """The share of a bid's pool paid for each outcome."""
    row = service.current_policy(session)
    set_etag(response, row or _NoPolicyYet())
    return {**service.policy_values(session), "version": row.version if row else 0}


@router.patch("/pmo/appraisal-policy")
@guarded(roles("pmo"))
def patch_policy(
    body: AppraisalPolicyUpdate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    require_role(user, "pmo")
    check_if_match(if_match, service.current_policy(session) or _NoPolicyYet())
    row = service.save_policy(session, user, body.model_dump(exclude_none=True))
    session.commit()
    set_etag(response, row)
    return {**service.policy_values(session), "version": row.version}


@router.get("/bids/{bid}/appraisal/adjustments", response_model=Page[dict[str, Any]])
def list_adjustments(
    bid_id: BidPath, session: SessionDep, user: CurrentUser, page: PageDep
) -> Page[dict[str, Any]]:
    """The bid's rewards and penalties, as visible as the appraisal itself."""
    bid = require_bid(session, user, bid_id)
    rows = service.adjustments(session, bid.id)
    shown = set(service.visible_people(user, bid, [row.person_id for row in rows]))
    visible = [row for row in rows if row.person_id in shown]
    items = [
        service.adjustment_json(row) for row in visible[page.offset : page.offset + page.limit]
    ]
    return Page(items=items, total=len(visible))


@router.post("/bids/{bid}/appraisal/adjustments", status_code=status.HTTP_201_CREATED)
@guarded(bid_access(allowed=("pmo",)))
def add_adjustment(
    bid_id: BidPath, body: AppraisalAdjustmentCreate, session: SessionDep, user: CurrentUser
) -> dict[str, Any]:
    """The PMO rewards (amount > 0) or penalises (amount < 0) a team member, with a reason."""
    bid = require_bid(session, user, bid_id)
    require_role(user, "pmo")
    row = service.add_adjustment(session, user, bid, body.model_dump())
    session.commit()
    return service.adjustment_json(row)


@router.get("/people/{person_id}/appraisal")
def person_appraisal(
    person_id: IdPath,
    session: SessionDep,
    user: CurrentUser,
    from_: Annotated[dt.date, Query(alias="from", ge=limits.PLAN_DATE_MIN)],
    to: Annotated[dt.date, Query(le=limits.PLAN_DATE_MAX)],
) -> dict[str, Any]:
    """A person's appraisal over the bids they were on that closed in the period, each
    figure explained; members see only their own, leads their bids' people."""
    return service.person_appraisal(session, user, person_id, from_, to)
