"""kill -9 of the process running a job: the job is retried or failed with a reason, never left
``running``.

PostgreSQL: a ``kampmo serve`` and two ``kampmo worker`` processes (Procrastinate). A large
import runs on one worker; that worker gets SIGKILL mid-import; the other worker's watchdog
finds the job stalled (no heartbeat), records why, and retries it; it succeeds on the other
worker, and the bid exists once. Killed again on every attempt, the job ends ``failed`` with
a problem+json reason once its attempts are spent.

SQLite: the server runs jobs itself; the server is killed mid-import and started again on the
same file; its watchdog gives the job another attempt.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.app.conftest import unique
from tests.app.jobs_support import FAST_JOB_ENV, WorkerProcess, follow, logs_on_failure
from tests.app.live_server import LiveServer, fresh_database, seed_pmo

TASKS = 5000  # an import of this size takes seconds: long enough to be killed in the middle
WAIT_S = 120.0


def big_plan(name: str) -> bytes:
    tasks = [{"id": f"t{i}", "name": f"任务 {i}", "duration_days": 1 + i % 5} for i in range(TASKS)]
    links = [{"from": f"t{i}", "to": f"t{i + 1}", "type": "FS"} for i in range(0, TASKS - 1, 2)]
    plan = {"name": name, "start": "2027-03-01", "calendar": "CN", "tasks": tasks, "links": links}
    return json.dumps(plan, ensure_ascii=False).encode()


def start_import(http: httpx.Client, name: str) -> str:
    response = http.post("/api/v1/jobs/import", files={"file": ("big.json", big_plan(name))})
    assert response.status_code == 202, response.text
    return response.headers["Location"]


def wait_until_importing(http: httpx.Client, location: str, attempt: int) -> dict[str, Any]:
    """The job's state once attempt ``attempt`` is inside the import transaction."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        job = http.get(location).json()
        assert job["status"] not in ("succeeded", "failed"), f"finished before the kill: {job}"
        if (
            job["status"] == "running"
            and job["attempts"] == attempt
            and "creating" in job["message"]
        ):
            return job
        time.sleep(0.05)
    pytest.fail(f"attempt {attempt} never started importing: {http.get(location).json()}")


def titles(http: httpx.Client) -> list[str]:
    bids = http.get("/api/v1/bids", params={"limit": 1000}).json()["items"]
    return [bid["title"] for bid in bids]


def pid_of(job: dict[str, Any]) -> int:
    return int(job["worker"].rsplit(":", 1)[1])


@pytest.mark.postgres
@pytest.mark.timeout(600)
def test_a_killed_worker_s_job_is_retried_then_failed_with_a_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAMPMO_JOB_MAX_ATTEMPTS", "2")
    with logs_on_failure(tmp_path), fresh_database("postgres", tmp_path) as url:
        headers = seed_pmo(url)
        workers = [WorkerProcess(url, log=tmp_path / f"worker{n}.log").start() for n in (1, 2)]
        try:
            with (
                LiveServer(url, log=tmp_path / "serve.log") as server,
                httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as http,
            ):
                # 1. killed once: retried on the other worker, succeeds, imported once
                name = unique("大型导入 ")
                location = start_import(http, name)
                first = wait_until_importing(http, location, attempt=1)
                victim = next(w for w in workers if w.pid == pid_of(first))
                victim.kill()
                job, _ = follow(http, location, {}, timeout=WAIT_S)
                assert job["status"] == "succeeded", job
                assert job["attempts"] == 2
                assert pid_of(job) != victim.pid
                messages = [step["message"] for step in job["steps"]]
                assert any("stopped (no heartbeat" in m and "retrying" in m for m in messages)
                assert titles(http).count(name) == 1
                bid = http.get(job["result"]).json()
                assert bid["title"] == name

                # 2. killed on every attempt: failed with the reason, not running forever
                workers.append(WorkerProcess(url, log=tmp_path / "worker3.log").start())
                name = unique("总被中断的导入 ")
                location = start_import(http, name)
                for attempt in (1, 2):
                    running = wait_until_importing(http, location, attempt=attempt)
                    next(w for w in workers if w.pid == pid_of(running)).kill()
                    if attempt == 1:
                        workers.append(WorkerProcess(url, log=tmp_path / "worker4.log").start())
                job, _ = follow(http, location, {}, timeout=WAIT_S)
                assert job["status"] == "failed", job
                problem = job["error"]
                assert problem["type"] == "https://kampmo.dev/problems/worker-lost"
                assert problem["status"] == 503
                assert "stopped" in problem["detail"] and "2 attempts" in problem["detail"]
                assert name not in titles(http)
                # three workers were killed; the one left is the watchdog that gave up on it
                assert sum(w.alive() for w in workers) == 1
        finally:
            for worker in workers:
                worker.stop()


@pytest.mark.timeout(300)
def test_a_killed_server_s_job_is_retried_after_the_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in FAST_JOB_ENV.items():
        monkeypatch.setenv(key, value)
    with logs_on_failure(tmp_path), fresh_database("sqlite", tmp_path) as url:
        headers = seed_pmo(url)
        name = unique("服务器中断的导入 ")
        server = LiveServer(url, log=tmp_path / "serve.log").start()
        try:
            with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as http:
                location = start_import(http, name)
                wait_until_importing(http, location, attempt=1)
            server.kill()
        finally:
            server.stop()
        with (
            LiveServer(url, log=tmp_path / "serve.log") as again,
            httpx.Client(base_url=again.base_url, headers=headers, timeout=60) as http,
        ):
            job, _ = follow(http, location, {}, timeout=WAIT_S)
            assert job["status"] == "succeeded", job
            assert job["attempts"] == 2
            assert any("the server running it stopped" in s["message"] for s in job["steps"])
            assert titles(http).count(name) == 1
