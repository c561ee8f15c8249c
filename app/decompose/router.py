"""WBS decomposition: ``POST /bids/{bid}/decompose``, ``/templates``, RACI and appraisal."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, Response, status
from pydantic import Field

from app.auth.deps import CurrentUser, require_role
from app.auth.permissions import require_bid
from app.db import SessionDep
from app.decompose import service
from app.etag import IfMatch, check_if_match, set_etag
from app.guards import bid_access, guarded, roles
from app.params import BidPath
from app.schemas import PROBLEM_RESPONSES, Input, MoneyIn
from wbs.templates import template_summary

router = APIRouter(prefix="/api/v1", tags=["decompose"], responses=PROBLEM_RESPONSES)
TemplateId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,79}$")]


class DecomposeOptions(Input):
    template_id: str | None = Field(default=None, max_length=80)
    procurement: Literal["tender", "negotiated"] = "tender"
    product_lines: list[Annotated[str, Field(max_length=100)]] = Field(default=[], max_length=20)
    regions: list[Annotated[str, Field(max_length=100)]] = Field(default=[], max_length=20)
    submission_deadline: dt.date | None = None
    pursuit_budget: MoneyIn | None = None
    fit_to_deadline: bool = True
    use_calibration: bool = False
    dry_run: bool = False


@router.post("/bids/{bid}/decompose", status_code=status.HTTP_201_CREATED)
@guarded(bid_access())
def decompose_bid(
    bid_id: BidPath,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    body: DecomposeOptions | None = None,
) -> dict[str, Any]:
    """Decompose the bid's WBS from a template (by default the one for its kind and
    procurement); ``dry_run`` returns it without saving."""
    options = (body or DecomposeOptions()).model_dump()
    bid = require_bid(session, user, bid_id, write=not options["dry_run"])
    result, rows = service.decompose_bid(session, user, bid, options)
    if options["dry_run"]:
        response.status_code = status.HTTP_200_OK
    else:
        session.commit()
    return service.decomposition_json(result, rows, options["dry_run"])


@router.get("/templates")
def list_templates(
    session: SessionDep,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    sources = service.template_sources(session)
    items = []
    for template_id in sorted(sources):
        template, _ = service.resolve(session, template_id)
        items.append(template_summary(template))
    return {"items": items[offset : offset + limit], "total": len(items)}


@router.get("/templates/{template_id}")
def get_template(
    template_id: TemplateId, session: SessionDep, user: CurrentUser, response: Response
) -> dict[str, Any]:
    """The template's own source (a delta on what it extends) and the resolved elements."""
    template, merged = service.resolve(session, template_id)
    set_etag(response, service.template_version(session, template_id))
    return {
        **template_summary(template),
        "source": service.template_sources(session)[template_id],
        "resolved": merged,
    }


@router.put("/templates/{template_id}")
@guarded(roles("pmo"))
def put_template(
    template_id: TemplateId,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
    source: dict[str, Any] = Body(...),
) -> dict[str, Any]:
    """Create or replace a template (PMO only); an existing one needs ``If-Match``."""
    require_role(user, "pmo")
    if template_id in service.template_sources(session):
        check_if_match(if_match, service.template_version(session, template_id))
    row = service.save_template(session, user, template_id, source)
    session.commit()
    template, merged = service.resolve(session, template_id)
    set_etag(response, row)
    return {**template_summary(template), "source": row.source, "resolved": merged}


@router.get("/bids/{bid}/raci")
def get_raci(bid_id: BidPath, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    """The bid's RACI matrix: person id -> R/A/C/I per task."""
    return service.raci_json(session, require_bid(session, user, bid_id))


@router.get("/bids/{bid}/similar")
def similar(
    bid_id: BidPath,
    session: SessionDep,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
) -> dict[str, Any]:
    """Closed bids like this one (same account, industry, kind, size), best first."""
    bid = require_bid(session, user, bid_id)
    items = service.similar_bids(session, user, bid, limit)
    return {"items": items, "total": len(items)}


@router.get("/calibration")
def calibration(
    session: SessionDep,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=1000)] = 20,
    min_samples: Annotated[int, Query(ge=1, le=1000)] = 3,
) -> dict[str, Any]:
    """Template elements planned most wrongly over the closed bids, and calibrated factors."""
    return service.calibration_json(session, limit, min_samples)
