"""The portfolio leveling proposal as a job: kind ``leveling-proposal`` (PMO), the body of
``POST /api/v1/resources/leveling-proposals``; the result is that endpoint's answer."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from app.auth.models import User
from app.jobs.registry import JobContext, JobKind, JobOutput, register
from app.resources import service
from app.resources.schemas import Proposal, ProposalRequest


def check(session: Session, user: User, params: ProposalRequest) -> None:
    service.require_pmo(user)
    service.check_open_bids(session, params.bid_ids)
    # fixed when asked for, so every attempt (and the result) computes the same proposal
    params.level_from = params.level_from or dt.date.today()


def run(context: JobContext, params: ProposalRequest) -> JobOutput:
    assert params.level_from is not None
    with context.session_factory() as session:
        body = service.proposal_body(
            session, context.user(session), params.bid_ids, params.level_from, context.progress
        )
    return JobOutput(data=Proposal.model_validate(body).model_dump(mode="json"))


register(
    JobKind(
        name="leveling-proposal",
        title="Portfolio leveling proposal 资源平衡方案",
        params=ProposalRequest,
        check=check,
        run=run,
    )
)
