"""Job workers on PostgreSQL: Procrastinate's queue, ``kampmo worker`` and its watchdog.

The web server defers a Procrastinate job (task ``kampmo.run_job``, queue ``kampmo``, argument
``job_id``) on the *same* database connection and transaction that inserts kampmo's ``jobs``
row (Procrastinate's sync ``defer`` takes a psycopg connection), so either both exist or
neither. ``kampmo worker`` runs Procrastinate's async worker; the task is a plain sync
function, which Procrastinate runs in a thread, calling ``app.jobs.runner.execute`` with
kampmo's sync SQLAlchemy sessions.

Stalled work: every worker sends Procrastinate heartbeats (``job_heartbeat_seconds``); each
worker's watchdog asks Procrastinate for the jobs of workers whose heartbeat is older than
``job_stall_seconds`` (``JobManager.get_stalled_jobs``) and, for each, records the lost
attempt in kampmo's row and retries the Procrastinate job, or fails both once the job's
attempts are spent. Two watchdogs racing on one job: kampmo's conditional update lets one win.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import procrastinate
from procrastinate.jobs import Status
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from app.jobs import runner, service

log = logging.getLogger("kampmo.jobs")
QUEUE = "kampmo"
TASK = "kampmo.run_job"
_worker_factory: dict[str, Any] = {}  # the session factory of this ``kampmo worker`` process


def conninfo(database_url: str) -> str:
    """libpq's URI for a SQLAlchemy ``postgresql+psycopg://`` URL (search_path options kept)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def run_job(job_id: int) -> str | None:
    """Procrastinate's task: one attempt of kampmo job ``job_id`` (sync, in a thread)."""
    factory: sessionmaker[Session] = _worker_factory["factory"]
    return runner.execute(factory, job_id, _worker_factory["name"])


def make_queue(database_url: str, **pool: Any) -> procrastinate.App:
    """Procrastinate over ``database_url``; ``pool`` sizes the worker's connection pool (the
    web server never opens one: it defers on its own SQLAlchemy connection)."""
    queue = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=conninfo(database_url), **pool)
    )
    queue.task(name=TASK, queue=QUEUE, pass_context=False)(run_job)
    return queue


def defer(queue: procrastinate.App, session: Session, job_id: int) -> int:
    """Queue ``job_id`` in ``session``'s transaction; Procrastinate's job id."""
    connection = session.connection().connection.driver_connection
    return int(queue.configure_task(TASK, connection=connection).defer(job_id=job_id))


async def _recover_stalled(
    queue: procrastinate.App, factory: sessionmaker[Session], stall_seconds: float
) -> None:
    stalled = await queue.job_manager.get_stalled_jobs(
        queue=QUEUE, task_name=TASK, seconds_since_heartbeat=stall_seconds
    )
    for job in stalled:
        job_id = int(job.task_kwargs["job_id"])
        reason = f"the worker running it stopped (no heartbeat for {stall_seconds:g} s)"
        decision = await asyncio.to_thread(service.recover, factory, job_id, reason)
        try:
            if decision == "retry":
                await queue.job_manager.retry_job(job)
                log.warning("job %s: worker lost, retried", job_id)
            else:
                status = Status.SUCCEEDED if decision == "done" else Status.FAILED
                await queue.job_manager.finish_job(job, status=status, delete_job=False)
                log.warning("job %s: worker lost, %s", job_id, decision)
        except Exception as error:  # another watchdog took it first
            log.info("job %s: stalled job already handled (%s)", job_id, error)


async def _watchdog(
    queue: procrastinate.App, factory: sessionmaker[Session], every: float, stall: float
) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            await _recover_stalled(queue, factory, stall)
        except Exception:
            log.exception("job watchdog")


def run_worker(database_url: str, *, concurrency: int, heartbeat: float, stall: float) -> None:
    """``kampmo worker``: runs jobs until SIGINT/SIGTERM."""
    from app.db import make_engine, make_session_factory
    from app.jobs.registry import load_kinds
    from app.models_registry import load_all_models

    load_all_models()
    load_kinds()
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    name = service.worker_name()
    _worker_factory.update(factory=factory, name=name)
    # fetching, finishing, heartbeats, LISTEN and the watchdog; the jobs use SQLAlchemy's pool
    queue = make_queue(database_url, min_size=1, max_size=concurrency + 4)

    async def main() -> None:
        async with queue.open_async():
            watchdog = asyncio.create_task(_watchdog(queue, factory, heartbeat, stall))
            try:
                await queue.run_worker_async(
                    queues=[QUEUE],
                    name=name,
                    concurrency=concurrency,
                    update_heartbeat_interval=heartbeat,
                    stalled_worker_timeout=stall,
                    delete_jobs="successful",
                )
            finally:
                watchdog.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watchdog

    try:
        asyncio.run(main())
    finally:
        engine.dispose()
