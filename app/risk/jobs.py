"""The portfolio's schedule risk as a job: kind ``portfolio-risk`` (PMO and finance, who read
every bid), every open bid's P(on time) and P80 dates from ``service.portfolio_risk``, with
progress after each bid."""

from __future__ import annotations

from typing import Annotated

from fastapi.encoders import jsonable_encoder
from pydantic import Field
from sqlalchemy.orm import Session

from app.auth.deps import require_role
from app.auth.models import User
from app.jobs.registry import JobContext, JobKind, JobOutput, register
from app.risk import service
from app.schemas import Input


class PortfolioRiskParams(Input):
    iterations: Annotated[int, Field(ge=1, le=service.MAX_ITERATIONS)] = service.DEFAULT_ITERATIONS
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 0


def check(session: Session, user: User, params: PortfolioRiskParams) -> None:
    require_role(user, "pmo", "finance")


def run(context: JobContext, params: PortfolioRiskParams) -> JobOutput:
    with context.session_factory() as session:
        body = service.portfolio_risk(session, context.progress, params.iterations, params.seed)
    return JobOutput(data=jsonable_encoder(body))  # dates as ISO text, as the API answers


register(
    JobKind(
        name="portfolio-risk",
        title="Portfolio schedule risk 投标组合进度风险",
        params=PortfolioRiskParams,
        check=check,
        run=run,
    )
)
