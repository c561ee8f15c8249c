"""Which runner takes a new job, and handing it over.

``KAMPMO_JOB_RUNNER``: ``auto`` (default: ``worker`` on PostgreSQL, ``server`` on SQLite),
``worker`` (Procrastinate; run ``kampmo worker`` processes) or ``server`` (a thread pool in
each server process; any database).
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy.orm import Session

from app.jobs.models import Job
from app.jobs.runner import ServerRunner
from app.settings import Settings

_lock = threading.Lock()


def runner_kind(settings: Settings) -> str:
    if settings.job_runner != "auto":
        return settings.job_runner
    return "server" if settings.database_url.startswith("sqlite") else "worker"


def _state(state: Any, name: str, make: Any) -> Any:
    with _lock:
        value = getattr(state, name, None)
        if value is None:
            value = make()
            setattr(state, name, value)
        return value


def server_runner(state: Any) -> ServerRunner:
    settings: Settings = state.settings
    return _state(
        state,
        "job_server_runner",
        lambda: ServerRunner(
            state.session_factory,
            threads=settings.job_threads,
            heartbeat_seconds=settings.job_heartbeat_seconds,
            stall_seconds=settings.job_stall_seconds,
        ),
    )


def queue(state: Any) -> Any:
    from app.jobs.queue import make_queue

    return _state(state, "job_queue", lambda: make_queue(state.settings.database_url))


def enqueue(state: Any, session: Session, job: Job) -> None:
    """Hand the flushed ``job`` to its runner and commit (one transaction with the queue's own
    row on PostgreSQL; the server's pool gets it once committed)."""
    if job.runner == "worker":
        from app.jobs.queue import defer

        job.queue_ref = defer(queue(state), session, job.id)
        session.commit()
        return
    session.commit()
    server_runner(state).submit(job.id)
