"""Running one job attempt, and the server's own runner (the embedded SQLite default).

``execute(factory, job_id, worker)`` is the whole of an attempt, the same in both runners:
claim the queued row, run the kind as the user who asked with progress written to the row,
then store the result, or a problem+json reason when the kind refuses (a ``DomainError`` or a
plan error: failed, not retried, since it would fail again) or breaks (failed, logged).

``ServerRunner`` runs attempts on a small thread pool inside the web server process. A
heartbeat thread marks its running attempts alive; its watchdog gives another attempt (or the
failure, once attempts are spent) to jobs whose server stopped (a heartbeat older than the
stall time) and picks up queued jobs no runner took, e.g. after a restart.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.orm import Session, sessionmaker

from app.jobs import service
from app.jobs.registry import KINDS, JobContext, load_kinds

log = logging.getLogger("kampmo.jobs")
# a progress report is written when it moved by PROGRESS_STEP or PROGRESS_INTERVAL_S passed
PROGRESS_STEP = 0.1
PROGRESS_INTERVAL_S = 0.5


class AttemptLost(Exception):
    """This attempt no longer owns its job (it was given up for dead and retried)."""


def execute(
    factory: sessionmaker[Session], job_id: int, worker: str, running: dict[int, int] | None = None
) -> str | None:
    """Run one attempt of ``job_id``; its final status, or None when it was not claimed."""
    load_kinds()
    job = service.claim(factory, job_id, worker)
    if job is None:
        return None
    attempt = job.attempts
    if running is not None:
        running[job_id] = attempt
    last = {"at": 0.0, "progress": 0.0}

    def report(progress: float, message: str) -> None:
        now = time.monotonic()
        step = progress - last["progress"]
        if step < PROGRESS_STEP and now - last["at"] < PROGRESS_INTERVAL_S:
            return  # a write per item of a long loop would cost more than the item
        last.update(at=now, progress=progress)
        if not service.report_progress(factory, job_id, attempt, progress, message):
            raise AttemptLost(f"job {job_id} attempt {attempt} was taken over")

    try:
        kind = KINDS.get(job.kind)
        if kind is None:
            raise LookupError(f"no job kind {job.kind!r} in this runner")
        params = kind.params.model_validate(job.params)
        context = JobContext(
            session_factory=factory,
            user_id=job.requested_by_id,
            job_id=job_id,
            attempt=attempt,
            input_file=job.input_file,
            input_filename=job.input_filename,
            report=report,
        )
        output = kind.run(context, params)
    except AttemptLost:
        log.warning("job %s: attempt %s lost its claim; its work is dropped", job_id, attempt)
        return None
    except Exception as error:
        problem = service.problem_of(error)
        if problem["status"] >= 500:
            log.exception("job %s (%s) failed", job_id, job.kind)
        service.fail(factory, job_id, attempt, problem)
        return "failed"
    finally:
        if running is not None:
            running.pop(job_id, None)
    return "succeeded" if service.succeed(factory, job_id, attempt, output) else None


class ServerRunner:
    """Jobs run inside the server process: a thread pool, a heartbeat and a watchdog."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        threads: int,
        heartbeat_seconds: float,
        stall_seconds: float,
    ) -> None:
        self.factory = factory
        self.threads = threads
        self.heartbeat_seconds = heartbeat_seconds
        self.stall_seconds = stall_seconds
        self.worker = service.worker_name()
        self.running: dict[int, int] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def start(self) -> None:
        with self._lock:
            if self._pool is not None:
                return
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="kampmo-job")
            threading.Thread(target=self._watch, name="kampmo-job-watchdog", daemon=True).start()

    def submit(self, job_id: int) -> None:
        self.start()
        assert self._pool is not None
        self._pool.submit(self._attempt, job_id)

    def _attempt(self, job_id: int) -> None:
        try:
            execute(self.factory, job_id, self.worker, self.running)
        except Exception:  # the row says failed where it could; never kill the pool thread
            log.exception("job %s: runner error", job_id)

    def _watch(self) -> None:
        while not self._stop.wait(self.heartbeat_seconds):
            try:
                service.heartbeat(self.factory, self.running)
                self.sweep()
            except Exception:
                log.exception("job watchdog")

    def sweep(self) -> None:
        stalled, waiting = service.stalled_server_jobs(self.factory, self.stall_seconds)
        for job_id in stalled:
            if job_id in self.running:
                continue
            reason = f"the server running it stopped (no heartbeat for {self.stall_seconds:g} s)"
            if service.recover(self.factory, job_id, reason) == "retry":
                self.submit(job_id)
        for job_id in waiting:
            self.submit(job_id)

    def stop(self) -> None:
        self._stop.set()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
