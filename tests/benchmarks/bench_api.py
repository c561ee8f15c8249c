"""PATCH of one task in a 500-task bid, schedule recompute and diff included (issue 8 target:
median <= 30 ms server-side). Measured against ``kampmo serve`` (uvicorn, one worker) on a
migrated SQLite file, over HTTP from this process: the server-side figure is the app's own
``Server-Timing`` header (from the first middleware in to the last byte out), the client
figure adds the HTTP round trip. The machine is shared, and wall times swing with the other
processes' load; the server process's CPU time per request is shown beside them.

The first PATCH of each scenario is left out: it builds the bid's schedule cache
(``app.tasks.scheduling``), as the first write to a bid after a worker starts does."""

from __future__ import annotations

import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx

from tests.benchmarks.common import BenchRow

TASKS = 500
REPEATS = 41


def _plan(tasks: int, seed: int = 7):
    from wbs.plan import Link, Plan, Task

    rng = random.Random(seed)
    plan_tasks = [
        Task(id=f"t{i}", name=f"任务 {i}", duration=rng.randint(1, 8)) for i in range(tasks)
    ]
    links = []
    for i in range(1, tasks):
        for j in rng.sample(range(max(0, i - 30), i), k=min(i, rng.randint(1, 2))):
            links.append(Link(f"t{j}", f"t{i}"))
    return Plan(name="bench 500", start=date(2027, 3, 1), tasks=plan_tasks, links=links)


def _setup(url: str):
    from sqlalchemy import select

    from app.auth.service import create_user, issue_token
    from app.bids.importer import import_plan
    from app.main import create_app
    from app.settings import Settings
    from app.tasks.models import Task

    app = create_app(Settings(database_url=url))
    with app.state.session_factory() as session:
        user = create_user(session, "bench-pmo", "基准", role="pmo")
        token = issue_token(session, user)
        bid = import_plan(session, user, _plan(TASKS))
        session.commit()
        task_ids = list(session.scalars(select(Task.id).where(Task.bid_id == bid.id)))
    return app, {"Authorization": f"Bearer {token}"}, sorted(task_ids)


def _serve(url: str) -> tuple[subprocess.Popen[bytes], str]:
    """``kampmo serve`` (uvicorn, one worker) on ``url``, as ``make run`` starts it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        env={**os.environ, "KAMPMO_DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                return server, base
        except httpx.TransportError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise RuntimeError("kampmo serve did not start")
        time.sleep(0.2)


def _cpu_seconds(pid: int) -> float:
    """The process's user + system CPU time so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measure(
    client: httpx.Client, pid: int, headers: dict[str, str], targets: list[int]
) -> tuple[list[float], list[float], float, int]:
    """PATCH each target's duration (alternating 3 and 7 days): the server's own time per
    request (``Server-Timing``), the client's round trip, the server process's CPU time per
    request (mean), and the most tasks one PATCH moved."""
    server, client_side = [], []
    moved = 0
    etags = {  # read first: the CPU figure then counts the PATCHes alone
        task_id: client.get(f"/api/v1/tasks/{task_id}", headers=headers).headers["ETag"]
        for task_id in set(targets)
    }
    cpu_started = 0.0
    for run, task_id in enumerate(targets):
        path = f"/api/v1/tasks/{task_id}"
        if run == 1:
            cpu_started = _cpu_seconds(pid)
        body = {"duration_days": 3 + run % 2 * 4}
        started = time.perf_counter()
        response = client.patch(path, json=body, headers={**headers, "If-Match": etags[task_id]})
        client_side.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
        etags[task_id] = response.headers["ETag"]
        server.append(float(response.headers["Server-Timing"].split("dur=")[1]))
        moved = max(moved, len(response.json()["schedule_diff"]["moved"] or []))
    cpu = (_cpu_seconds(pid) - cpu_started) * 1000 / (len(targets) - 1)
    return server[1:], client_side[1:], cpu, moved


def _postgres_schema() -> Iterator[str | None]:
    """A fresh schema in the test PostgreSQL database (as the tests make), None if unreachable."""
    from tests.postgres import PostgresUnreachable, fresh_schema, postgres_url

    schemas = fresh_schema(postgres_url(), "kampmo_bench")
    try:
        url = next(schemas)
    except PostgresUnreachable:
        yield None
        return
    yield url
    next(schemas, None)


def _bench(url: str, database: str) -> list[BenchRow]:
    from app.cli import db_upgrade

    rows = []
    db_upgrade(url)
    app, headers, task_ids = _setup(url)
    app.state.engine.dispose()
    server, base = _serve(url)
    try:
        rng = random.Random(11)
        scenarios = {
            "a random task": [rng.choice(task_ids) for _ in range(REPEATS)],
            "the first task (worst case: every task moves)": [task_ids[0]] * REPEATS,
        }
        with httpx.Client(base_url=base, timeout=30) as client:
            for label, targets in scenarios.items():
                timings, client_side, cpu, moved = _measure(client, server.pid, headers, targets)
                median = statistics.median(timings)
                rows.append(
                    BenchRow(
                        f"API PATCH {label}, {TASKS}-task bid, recompute + diff "
                        f"(server, {database})",
                        f"{median:.1f} ms (client {statistics.median(client_side):.1f} ms, "
                        f"server CPU {cpu:.1f} ms, <= {moved} moved)",
                        "<= 30 ms",
                        median <= 30,
                    )
                )
    finally:
        server.terminate()
        server.wait(timeout=30)
    return rows


def run() -> list[BenchRow]:
    with tempfile.TemporaryDirectory() as folder:
        rows = _bench(f"sqlite:///{Path(folder) / 'bench.db'}", "SQLite")
    for url in _postgres_schema():
        if url is None:
            rows.append(BenchRow("API PATCH, PostgreSQL", "not run: PostgreSQL unreachable"))
        else:
            rows.extend(_bench(url, "PostgreSQL"))
    return rows
