"""kill -9 during a write load, on SQLite and on PostgreSQL: nothing acknowledged is lost.

Writer threads create tasks (with a budget line) and book costs against a live ``kampmo serve``
and record every write answered 201. Once enough writes are acknowledged the whole server
process group gets SIGKILL, mid-load. After a restart on the same database every acknowledged
task and cost is there, exactly as acknowledged; the database passes an integrity check; and
every task that exists (acknowledged or not) was scheduled in the transaction that created it.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Select, create_engine, insert, or_, select, text

from tests.app.live_server import LiveServer, fresh_database, seed_pmo
from tests.app.test_multiworker import created, make_bid_with_tasks

WRITERS = 4
KILL_AFTER_ACKS = 40  # acknowledged writes before the kill: the load is still running then
MAX_WRITES_PER_WRITER = 400  # a bound, never reached when the kill comes


def orphan_checks() -> dict[str, Select[Any]]:
    """Queries (SQLAlchemy Core) that each select the ids of rows breaking one invariant."""
    from app.bids.models import Bid
    from app.costs.models import CostEntry
    from app.tasks.models import BudgetLine, Dependency, Task

    tasks, bids, links = Task.__table__, Bid.__table__, Dependency.__table__
    costs, lines = CostEntry.__table__, BudgetLine.__table__
    parent, predecessor, successor = tasks.alias(), tasks.alias(), tasks.alias()
    return {
        "task without its bid": select(tasks.c.id)
        .select_from(tasks.outerjoin(bids, bids.c.id == tasks.c.bid_id))
        .where(bids.c.id.is_(None)),
        "task without its parent": select(tasks.c.id)
        .select_from(tasks.outerjoin(parent, parent.c.id == tasks.c.parent_id))
        .where(tasks.c.parent_id.is_not(None), parent.c.id.is_(None)),
        "link without a task": select(links.c.id)
        .select_from(
            links.outerjoin(predecessor, predecessor.c.id == links.c.predecessor_id).outerjoin(
                successor, successor.c.id == links.c.successor_id
            )
        )
        .where(or_(predecessor.c.id.is_(None), successor.c.id.is_(None))),
        "cost without its task": select(costs.c.id)
        .select_from(costs.outerjoin(tasks, tasks.c.id == costs.c.task_id))
        .where(tasks.c.id.is_(None)),
        "cost of another bid's task": select(costs.c.id)
        .select_from(costs.join(tasks, tasks.c.id == costs.c.task_id))
        .where(tasks.c.bid_id != costs.c.bid_id),
        "budget line without its task": select(lines.c.id)
        .select_from(lines.outerjoin(tasks, tasks.c.id == lines.c.task_id))
        .where(tasks.c.id.is_(None)),
        "task with a version below 1": select(tasks.c.id).where(tasks.c.version < 1),
        "cost with a version below 1": select(costs.c.id).where(costs.c.version < 1),
        "task created but never scheduled": select(tasks.c.id).where(
            tasks.c.planned_start.is_(None)
        ),
    }


class Acknowledged:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.tasks: dict[int, tuple[str, Decimal]] = {}
        self.costs: dict[int, tuple[int, Decimal]] = {}
        self.enough = threading.Event()
        self.unexpected: list[str] = []
        self.interrupted = 0  # writers whose server vanished under them

    def count(self) -> int:
        return len(self.tasks) + len(self.costs)

    def add_task(self, task_id: int, name: str, budget: Decimal) -> None:
        with self.lock:
            self.tasks[task_id] = (name, budget)
            if self.count() >= KILL_AFTER_ACKS:
                self.enough.set()

    def add_cost(self, entry_id: int, task_id: int, amount: Decimal) -> None:
        with self.lock:
            self.costs[entry_id] = (task_id, amount)
            if self.count() >= KILL_AFTER_ACKS:
                self.enough.set()


def create_task(http: httpx.Client, bid_id: int, writer: int, n: int, acks: Acknowledged) -> bool:
    name = f"崩溃任务 w{writer} n{n} ✓"
    budget = Decimal(f"{writer}{n}.25")
    body = {"name": name, "duration_days": 1 + n % 3, "budget": {"travel": str(budget)}}
    response = http.post(f"/api/v1/bids/{bid_id}/tasks", json=body)
    if response.status_code != 201:
        acks.unexpected.append(f"{response.status_code}: {response.text[:200]}")
        return False
    acks.add_task(response.json()["id"], name, budget)
    return True


def book_cost(http: httpx.Client, bid_id: int, task_id: int, n: int, acks: Acknowledged) -> bool:
    amount = Decimal(f"{n}.{n % 100:02d}")
    body = {"task_id": task_id, "category": "travel", "entry_date": "2027-03-02"}
    response = http.post(f"/api/v1/bids/{bid_id}/costs", json={**body, "amount": str(amount)})
    if response.status_code != 201:
        acks.unexpected.append(f"{response.status_code}: {response.text[:200]}")
        return False
    acks.add_cost(response.json()["id"], task_id, amount)
    return True


def write_load(
    base_url: str, headers: dict[str, str], bid_id: int, cost_task: int, writer: int, acks: Any
) -> None:
    """Alternate task creations and cost bookings until the server dies."""
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as http:
        for n in range(MAX_WRITES_PER_WRITER):
            try:
                if n % 2 == 0:
                    going = create_task(http, bid_id, writer, n, acks)
                else:
                    going = book_cost(http, bid_id, cost_task, n, acks)
            except httpx.TransportError:  # the server is gone: this write was never acknowledged
                with acks.lock:
                    acks.interrupted += 1
                return
            if not going:
                return


def integrity_problems(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    problems = []
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                verdict = connection.execute(text("PRAGMA integrity_check")).scalars().all()
                if verdict != ["ok"]:
                    problems.append(f"integrity_check: {verdict}")
                broken = connection.execute(text("PRAGMA foreign_key_check")).all()
                if broken:
                    problems.append(f"foreign_key_check: {broken[:5]}")
            for label, query in orphan_checks().items():
                rows = connection.execute(query).scalars().all()
                if rows:
                    problems.append(f"{label}: {rows[:5]}")
    finally:
        engine.dispose()
    return problems


def check_acknowledged(http: httpx.Client, bid_id: int, acks: Acknowledged) -> None:
    tasks = http.get(f"/api/v1/bids/{bid_id}/tasks", params={"limit": 1000}).json()["items"]
    present = {task["id"]: task for task in tasks}
    lost = sorted(set(acks.tasks) - set(present))
    assert not lost, f"acknowledged tasks lost: {lost}"
    for task_id, (name, budget) in acks.tasks.items():
        assert present[task_id]["name"] == name
        assert Decimal(present[task_id]["budget"]["travel"]) == budget
    costs = http.get(f"/api/v1/bids/{bid_id}/costs", params={"limit": 1000}).json()["items"]
    booked = {entry["id"]: entry for entry in costs}
    lost = sorted(set(acks.costs) - set(booked))
    assert not lost, f"acknowledged costs lost: {lost}"
    for entry_id, (task_id, amount) in acks.costs.items():
        assert booked[entry_id]["task_id"] == task_id
        assert Decimal(booked[entry_id]["amount"]) == amount


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_kill_9_mid_load_loses_nothing_acknowledged(kind: str, tmp_path: Path) -> None:
    with fresh_database(kind, tmp_path) as url:
        headers = seed_pmo(url)
        server = LiveServer(url, log=tmp_path / "serve.log").start()
        try:
            with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as http:
                bid, (cost_task,) = make_bid_with_tasks(http, 1)
            acks = Acknowledged()
            writers = [
                threading.Thread(
                    target=write_load,
                    args=(server.base_url, headers, bid["id"], cost_task, n, acks),
                )
                for n in range(WRITERS)
            ]
            for thread in writers:
                thread.start()
            assert acks.enough.wait(timeout=120), "the load never got going"
            server.kill()
            for thread in writers:
                thread.join(timeout=60)
        finally:
            server.kill()
        assert not acks.unexpected, acks.unexpected[:5]
        assert acks.interrupted == WRITERS, "the kill came after the load, not during it"
        assert integrity_problems(url) == []
        with LiveServer(url, log=tmp_path / "serve.log") as restarted:
            with httpx.Client(base_url=restarted.base_url, headers=headers, timeout=30) as http:
                check_acknowledged(http, bid["id"], acks)
                after = created(
                    http.post(f"/api/v1/bids/{bid['id']}/tasks", json={"name": "重启后"})
                )
                assert after["id"] not in acks.tasks
                schedule = http.get(f"/api/v1/bids/{bid['id']}/schedule")
                assert schedule.status_code == 200
        print(f"crash {kind}: {len(acks.tasks)} tasks and {len(acks.costs)} costs acknowledged")


def test_integrity_check_finds_an_orphan(tmp_path: Path) -> None:
    """The check itself can fail: a budget line left pointing at a missing task is reported.

    The orphan is written with foreign keys off (a plain connection), as a torn write would
    leave it; the service itself can never produce one.
    """
    from app.cli import db_upgrade
    from app.tasks.models import BudgetLine

    url = f"sqlite:///{tmp_path / 'broken.db'}"
    db_upgrade(url)
    assert integrity_problems(url) == []
    engine = create_engine(url)
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as connection:
        connection.execute(
            insert(BudgetLine.__table__).values(
                task_id=999,
                category="travel",
                amount=Decimal("1.00"),
                version=1,
                created_at=now,
                updated_at=now,
            )
        )
    engine.dispose()
    problems = integrity_problems(url)
    assert any(problem.startswith("budget line without its task") for problem in problems)
    assert any(problem.startswith("foreign_key_check") for problem in problems), problems
