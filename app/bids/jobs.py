"""A large plan-file import as a job: kind ``import`` (``POST /api/v1/jobs/import``, the
multipart form of ``POST /api/v1/bids/import``); the result is the new bid, as that endpoint
answers it, and ``result`` links to ``/api/v1/bids/{id}``.

The import and the job's ``bid_id`` commit in one transaction, so an attempt that dies after
the import committed is not imported twice: the next attempt finds the bid and answers it.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.auth.deps import require_role
from app.auth.models import User
from app.auth.permissions import can_read_bid
from app.bids.importer import import_plan
from app.bids.models import Bid
from app.bids.schemas import BidImportRead
from app.db import begin_write
from app.errors import Invalid
from app.jobs.models import Job
from app.jobs.registry import JobContext, JobKind, JobOutput, register
from app.jobs.runner import AttemptLost
from app.schemas import Id, Input


class ImportParams(Input):
    account_id: Id | None = None
    org_unit_id: Id | None = None


def check(session: Session, user: User, params: ImportParams) -> None:
    require_role(user, "pmo", "lead")


def _output(bid: Bid) -> JobOutput:
    """The synchronous import's answer: the bid and its ``import_report``."""
    answer = BidImportRead.model_validate(bid)
    answer.import_report = (bid.source or {}).get("report", {})
    body = answer.model_dump(mode="json")
    return JobOutput(data=body, link=f"/api/v1/bids/{bid.id}", bid_id=bid.id)


def run(context: JobContext, params: ImportParams) -> JobOutput:
    from wbs.formats import FormatError, read_plan

    with context.session_factory() as session:
        job = session.get(Job, context.job_id)
        done = session.get(Bid, job.bid_id) if job is not None and job.bid_id else None
        if done is not None:
            return _output(done)
    context.progress(0.05, "reading the plan file 读取计划文件")
    try:
        plan = read_plan(context.input_file or b"", filename=context.input_filename)
    except FormatError as error:
        raise Invalid(f"cannot read the plan file: {error}") from error
    links = len(plan.links)
    context.progress(0.3, f"{len(plan.tasks)} tasks, {links} links read; creating the bid 建立投标")
    with context.session_factory() as session:
        begin_write(session)
        bid = import_plan(
            session,
            context.user(session),
            plan,
            account_id=params.account_id,
            org_unit_id=params.org_unit_id,
        )
        claimed = session.execute(
            update(Job)
            .where(
                Job.id == context.job_id,
                Job.status == "running",
                Job.attempts == context.attempt,
            )
            .values(bid_id=bid.id, version=Job.version + 1)
            .execution_options(synchronize_session=False)
        )
        if not getattr(claimed, "rowcount", 0):
            session.rollback()
            raise AttemptLost(f"job {context.job_id} was taken over during the import")
        session.commit()
        return _output(bid)


def may_read(session: Session, user: User, job: Job) -> bool:
    bid = session.get(Bid, job.bid_id) if job.bid_id else None
    return bid is not None and can_read_bid(user, bid)


register(
    JobKind(
        name="import",
        title="Plan-file import 导入计划文件",
        params=ImportParams,
        check=check,
        run=run,
        may_read=may_read,
        upload=True,
    )
)
