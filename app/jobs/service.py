"""The job lifecycle on kampmo's ``jobs`` table, shared by both runners and the API.

Every state change is one short transaction of its own (never inside the job's work), made
with a conditional UPDATE: a claim takes a ``queued`` row and bumps ``attempts``; progress,
success and failure only land while the row is ``running`` under that same attempt; recovery
of a stalled attempt only takes the attempt it saw. So two runners, or a runner and a
watchdog, can race on a row and exactly one wins each step.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.auth.models import User
from app.db import begin_write, utcnow
from app.errors import DomainError, NotFound
from app.jobs.models import FINAL_STATUSES, Job
from app.jobs.registry import KINDS, JobOutput

MAX_STEPS = 200  # progress history kept per job (the first and the latest ones)
PROBLEM_BASE = "https://kampmo.dev/problems/"


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def result_link(job: Job) -> str | None:
    if job.status != "succeeded":
        return None
    return job.result_link or f"/api/v1/jobs/{job.id}/result"


def job_json(job: Job) -> dict[str, Any]:
    """The body of ``GET /api/v1/jobs/{job}``."""
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "progress": job.progress,
        "message": job.message,
        "result": result_link(job),
        "result_media_type": job.result_media_type if job.status == "succeeded" else None,
        "result_filename": job.result_filename if job.status == "succeeded" else None,
        "error": job.error,
        "steps": job.steps,
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "runner": job.runner,
        "worker": job.worker,
        "requested_by": job.requested_by_id,
        "bid_id": job.bid_id,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


def create_job(
    session: Session,
    user: User,
    kind: str,
    params: dict[str, Any],
    *,
    runner: str,
    max_attempts: int,
    input_file: bytes | None = None,
    input_filename: str | None = None,
    bid_id: int | None = None,
) -> Job:
    """A ``queued`` job row (flushed; the caller commits, then hands it to a runner)."""
    job = Job(
        kind=kind,
        status="queued",
        params=params,
        input_file=input_file,
        input_filename=input_filename,
        progress=0.0,
        message="queued 排队中",
        steps=[_step(0.0, "queued 排队中")],
        requested_by_id=user.id,
        bid_id=bid_id,
        runner=runner,
        attempts=0,
        max_attempts=max_attempts,
    )
    session.add(job)
    session.flush()
    return job


def readable_job(session: Session, user: User, job_id: int) -> Job:
    """The job if ``user`` may read it (the requester, the PMO, or whom its kind allows);
    404 otherwise, so others cannot tell which jobs exist."""
    job = session.get(Job, job_id)
    if job is None or not may_read(session, user, job):
        raise NotFound(f"job {job_id} not found")
    return job


def may_read(session: Session, user: User, job: Job) -> bool:
    if user.role == "pmo" or job.requested_by_id == user.id:
        return True
    kind = KINDS.get(job.kind)
    return kind is not None and kind.may_read(session, user, job)


def _step(progress: float, message: str) -> dict[str, Any]:
    return {"at": utcnow().isoformat(), "progress": round(progress, 4), "message": message}


def _write(factory: sessionmaker[Session], statement: Any) -> int:
    with factory() as session:
        begin_write(session)
        result = session.execute(statement.execution_options(synchronize_session=False))
        session.commit()
        return int(getattr(result, "rowcount", 0) or 0)


def claim(factory: sessionmaker[Session], job_id: int, worker: str) -> Job | None:
    """Take the queued job ``job_id`` for a new attempt; None when it is not queued (another
    runner has it, or it is finished)."""
    now = utcnow()
    with factory() as session:
        begin_write(session)
        job = session.get(Job, job_id, with_for_update=True)
        if job is None or job.status != "queued":
            session.rollback()
            return None
        attempt = job.attempts + 1
        message = f"started (attempt {attempt} of {job.max_attempts}) 开始"
        session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == "queued", Job.attempts == job.attempts)
            .values(
                status="running",
                attempts=attempt,
                worker=worker,
                started_at=now,
                heartbeat_at=now,
                progress=0.0,
                message=message,
                steps=_kept([*job.steps, _step(0.0, message)]),
                version=Job.version + 1,
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()
        session.expire_all()
        return session.get(Job, job_id)


def _kept(steps: list[Any]) -> list[Any]:
    return steps if len(steps) <= MAX_STEPS else [steps[0], *steps[-(MAX_STEPS - 1) :]]


def report_progress(
    factory: sessionmaker[Session], job_id: int, attempt: int, progress: float, message: str
) -> bool:
    """Record progress of ``attempt``; False when that attempt no longer owns the job."""
    with factory() as session:
        begin_write(session)
        steps = session.scalar(
            select(Job.steps).where(
                Job.id == job_id, Job.status == "running", Job.attempts == attempt
            )
        )
        if steps is None:
            session.rollback()
            return False
        result = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == "running", Job.attempts == attempt)
            .values(
                progress=progress,
                message=message[:500],
                heartbeat_at=utcnow(),
                steps=_kept([*steps, _step(progress, message[:500])]),
                version=Job.version + 1,
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()
        return bool(getattr(result, "rowcount", 0))


def heartbeat(factory: sessionmaker[Session], running: dict[int, int]) -> None:
    """Mark the attempts in ``running`` (job id -> attempt) alive."""
    now = utcnow()
    for job_id, attempt in list(running.items()):
        _write(
            factory,
            update(Job)
            .where(Job.id == job_id, Job.status == "running", Job.attempts == attempt)
            .values(heartbeat_at=now, version=Job.version + 1),
        )


def succeed(factory: sessionmaker[Session], job_id: int, attempt: int, output: JobOutput) -> bool:
    now = utcnow()
    with factory() as session:
        begin_write(session)
        steps = session.scalar(
            select(Job.steps).where(
                Job.id == job_id, Job.status == "running", Job.attempts == attempt
            )
        )
        if steps is None:
            session.rollback()
            return False
        values: dict[str, Any] = {
            "status": "succeeded",
            "progress": 1.0,
            "message": "done 完成",
            "steps": _kept([*steps, _step(1.0, "done 完成")]),
            "result": output.data,
            "result_file": output.file,
            "result_media_type": output.media_type or ("application/json" if output.data else None),
            "result_filename": output.filename,
            "result_link": output.link,
            "input_file": None,
            "finished_at": now,
            "heartbeat_at": now,
            "version": Job.version + 1,
        }
        if output.bid_id is not None:
            values["bid_id"] = output.bid_id
        result = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == "running", Job.attempts == attempt)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        return bool(getattr(result, "rowcount", 0))


def problem_of(error: BaseException) -> dict[str, Any]:
    """A problem+json-style reason (RFC 9457 members) for a job that failed with ``error``."""
    if isinstance(error, DomainError):
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + error.title.lower().replace(" ", "-"),
            "title": error.title,
            "status": error.status,
            "detail": error.detail,
        }
        errors = getattr(error, "errors", None)
        if errors:
            body["errors"] = errors
        return {**body, **{k: v for k, v in error.extra.items() if _plain(v)}}
    from wbs.network import PlanError

    if isinstance(error, PlanError):
        cycle = getattr(error, "cycle", None)
        body = {
            "type": PROBLEM_BASE + "invalid-plan",
            "title": "Invalid plan",
            "status": 422,
            "detail": str(error),
        }
        return {**body, "cycle": [str(t) for t in cycle]} if cycle is not None else body
    return {
        "type": PROBLEM_BASE + "job-failed",
        "title": "Job failed",
        "status": 500,
        "detail": f"internal error ({type(error).__name__}); the runner's log has the details",
    }


def _plain(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | list | dict) or value is None


def fail(
    factory: sessionmaker[Session], job_id: int, attempt: int | None, problem: dict[str, Any]
) -> bool:
    """Fail the job (only ``attempt`` while running, or any unfinished state with None)."""
    now = utcnow()
    message = f"failed 失败: {problem.get('detail', '')}"[:500]
    with factory() as session:
        begin_write(session)
        job = session.get(Job, job_id)
        if job is None or job.status in FINAL_STATUSES:
            session.rollback()
            return False
        condition = [Job.id == job_id, Job.status == job.status]
        if attempt is not None:
            condition += [Job.status == "running", Job.attempts == attempt]
        result = session.execute(
            update(Job)
            .where(*condition)
            .values(
                status="failed",
                error=problem,
                message=message,
                steps=_kept([*job.steps, _step(job.progress, message)]),
                input_file=None,
                finished_at=now,
                version=Job.version + 1,
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()
        return bool(getattr(result, "rowcount", 0))


def recover(factory: sessionmaker[Session], job_id: int, reason: str) -> str:
    """A runner of ``job_id`` stopped (``reason``): another attempt (``"retry"``) while
    attempts remain, else ``"failed"`` with the reason; ``"done"`` when it had finished."""
    with factory() as session:
        begin_write(session)
        job = session.get(Job, job_id)
        if job is None or job.status in FINAL_STATUSES:
            session.rollback()
            return "done"
        if job.status == "queued":
            session.rollback()
            return "retry"
        attempt, steps, progress = job.attempts, job.steps, job.progress
        if attempt >= job.max_attempts:
            session.rollback()
            detail = f"{reason}; gave up after {attempt} attempts"
            problem = {
                "type": PROBLEM_BASE + "worker-lost",
                "title": "Worker lost",
                "status": 503,
                "detail": detail,
            }
            return "failed" if fail(factory, job_id, attempt, problem) else "done"
        message = f"{reason}; retrying (attempt {attempt + 1} of {job.max_attempts}) 重试"[:500]
        result = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == "running", Job.attempts == attempt)
            .values(
                status="queued",
                message=message,
                steps=_kept([*steps, _step(progress, message)]),
                worker=None,
                version=Job.version + 1,
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()
        return "retry" if getattr(result, "rowcount", 0) else "done"


def stalled_server_jobs(
    factory: sessionmaker[Session], stall_seconds: float
) -> tuple[list[int], list[int]]:
    """Server-run jobs whose runner stopped: (running with a stale heartbeat, queued and
    unclaimed for longer than the stall time)."""
    limit = utcnow() - dt.timedelta(seconds=stall_seconds)
    with factory() as session:
        running = session.scalars(
            select(Job.id).where(
                Job.runner == "server",
                Job.status == "running",
                or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < limit),
            )
        ).all()
        waiting = session.scalars(
            select(Job.id).where(
                Job.runner == "server", Job.status == "queued", Job.updated_at < limit
            )
        ).all()
        return list(running), list(waiting)


def set_queue_ref(factory: sessionmaker[Session], job_id: int, ref: int) -> None:
    _write(
        factory,
        update(Job).where(Job.id == job_id).values(queue_ref=ref, version=Job.version + 1),
    )
