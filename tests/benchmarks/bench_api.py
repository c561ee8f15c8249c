"""PATCH of one task in a 500-task bid, schedule recompute and diff included (issue 2 target:
median <= 30 ms server-side). Measured through TestClient on a migrated SQLite file; the
server-side figure is the app's own ``Server-Timing`` header, the client figure includes the
in-process HTTP round trip."""

from __future__ import annotations

import random
import statistics
import tempfile
from datetime import date
from pathlib import Path

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


def _measure(url: str) -> tuple[list[float], list[float], int]:
    import time

    from fastapi.testclient import TestClient

    from app.auth.service import create_user, issue_token
    from app.bids.importer import import_plan
    from app.main import create_app
    from app.settings import Settings
    from app.tasks.models import Task

    app = create_app(Settings(database_url=url))
    factory = app.state.session_factory
    with factory() as session:
        user = create_user(session, "bench-pmo", "基准", role="pmo")
        token = issue_token(session, user)
        bid = import_plan(session, user, _plan(TASKS))
        session.commit()
        from sqlalchemy import select

        first = session.scalar(select(Task.id).where(Task.bid_id == bid.id).order_by(Task.id))
    headers = {"Authorization": f"Bearer {token}"}
    server, client_side = [], []
    moved = 0
    with TestClient(app) as client:
        path = f"/api/v1/tasks/{first}"
        etag = client.get(path, headers=headers).headers["ETag"]
        for run in range(REPEATS):
            body = {"duration_days": 3 + run % 2 * 4}
            started = time.perf_counter()
            response = client.patch(path, json=body, headers={**headers, "If-Match": etag})
            client_side.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
            etag = response.headers["ETag"]
            timing = response.headers["Server-Timing"]
            server.append(float(timing.split("dur=")[1]))
            moved = max(moved, len(response.json()["schedule_diff"]["moved"] or []))
    app.state.engine.dispose()
    return server[1:], client_side[1:], moved


def run() -> list[BenchRow]:
    from app.cli import db_upgrade

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        db_upgrade(url)
        server, client_side, moved = _measure(url)
    median = statistics.median(server)
    return [
        BenchRow(
            f"API PATCH task, {TASKS}-task bid, recompute + diff (server, SQLite)",
            f"{median:.1f} ms",
            "<= 30 ms",
            median <= 30,
        ),
        BenchRow(
            f"  same, client round trip (up to {moved} tasks moved per PATCH)",
            f"{statistics.median(client_side):.1f} ms",
        ),
    ]
