"""Two server workers on PostgreSQL, many clients read-modify-writing the same tasks.

Each client increments a task's ``duration_days`` by one with ``If-Match``: a 200 is an
acknowledged increment, a 412 a refused one (stale ETag), anything else is a failure. At the
end every task's duration is its start value plus its acknowledged increments (no lost update,
no double count), the ETags of the acknowledged writes are all different, and the journal holds
one entry per acknowledged increment.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.app.conftest import unique
from tests.app.live_server import LiveServer, fresh_database, seed_pmo

pytestmark = pytest.mark.postgres

CLIENTS = 6
INCREMENTS_PER_CLIENT = 5
TASKS = 3
MAX_ATTEMPTS = 60  # per increment; a client that never wins within this is a failure


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    return response.json()


def make_bid_with_tasks(http: httpx.Client, count: int) -> tuple[dict[str, Any], list[int]]:
    unit = created(http.post("/api/v1/org-units", json={"code": unique("OU"), "name": "并发部"}))
    account = created(http.post("/api/v1/accounts", json={"name": unique("并发客户")}))
    bid = created(
        http.post(
            "/api/v1/bids",
            json={
                "title": unique("并发投标 "),
                "start_date": "2027-03-01",
                "org_unit_id": unit["id"],
                "account_id": account["id"],
            },
        )
    )
    tasks = [
        created(
            http.post(
                f"/api/v1/bids/{bid['id']}/tasks",
                json={"name": unique("并发任务 "), "duration_days": 1},
            )
        )["id"]
        for _ in range(count)
    ]
    return bid, tasks


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.acknowledged: Counter[int] = Counter()
        self.etags: dict[int, list[str]] = defaultdict(list)
        self.refused = 0
        self.failures: list[str] = []

    def ack(self, task_id: int, etag: str) -> None:
        with self.lock:
            self.acknowledged[task_id] += 1
            self.etags[task_id].append(etag)

    def refuse(self) -> None:
        with self.lock:
            self.refused += 1

    def fail(self, message: str) -> None:
        with self.lock:
            self.failures.append(message)


def increment_once(http: httpx.Client, task_id: int, tally: Tally) -> None:
    path = f"/api/v1/tasks/{task_id}"
    for _attempt in range(MAX_ATTEMPTS):
        current = http.get(path)
        if current.status_code != 200:
            tally.fail(f"GET {path}: {current.status_code} {current.text[:200]}")
            return
        body = {"duration_days": current.json()["duration_days"] + 1}
        response = http.patch(path, json=body, headers={"If-Match": current.headers["ETag"]})
        if response.status_code == 200:
            tally.ack(task_id, response.headers["ETag"])
            return
        if response.status_code != 412:
            tally.fail(f"PATCH {path}: {response.status_code} {response.text[:200]}")
            return
        tally.refuse()
    tally.fail(f"PATCH {path}: no success in {MAX_ATTEMPTS} attempts")


def client_load(base_url: str, headers: dict[str, str], tasks: list[int], tally: Tally, n: int):
    with httpx.Client(base_url=base_url, headers=headers, timeout=60) as http:
        for step in range(INCREMENTS_PER_CLIENT):
            increment_once(http, tasks[(n + step) % len(tasks)], tally)


def test_two_workers_keep_every_acknowledged_write(tmp_path: Path) -> None:
    with fresh_database("postgres", tmp_path) as url:
        headers = seed_pmo(url)
        log = tmp_path / "serve.log"
        with LiveServer(url, workers=2, log=log) as server:
            with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as http:
                bid, tasks = make_bid_with_tasks(http, TASKS)
                tally = Tally()
                threads = [
                    threading.Thread(
                        target=client_load, args=(server.base_url, headers, tasks, tally, n)
                    )
                    for n in range(CLIENTS)
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(timeout=300)
                assert not any(thread.is_alive() for thread in threads), "a client hung"
                assert not tally.failures, tally.failures[:5]
                assert sum(tally.acknowledged.values()) == CLIENTS * INCREMENTS_PER_CLIENT
                for task_id in tasks:
                    final = http.get(f"/api/v1/tasks/{task_id}").json()
                    assert final["duration_days"] == 1 + tally.acknowledged[task_id], task_id
                    etags = tally.etags[task_id]
                    assert len(set(etags)) == len(etags), f"two writes share a version: {etags}"
                    journal = http.get(
                        f"/api/v1/bids/{bid['id']}/journal",
                        params={"entity": "tasks", "entity_id": task_id, "limit": 1000},
                    ).json()["items"]
                    increments = [e for e in journal if e["field"] == "duration_days"]
                    # one creation entry plus one per acknowledged increment
                    assert len(increments) == 1 + tally.acknowledged[task_id]
                schedule = http.get(f"/api/v1/bids/{bid['id']}/schedule").json()
                longest = max(1 + tally.acknowledged[t] for t in tasks)
                assert schedule["duration"] == longest
        started = log.read_text().splitlines()
        workers = {line for line in started if "Started server process" in line}
        assert len(workers) == 2, workers
        print(f"multiworker: {sum(tally.acknowledged.values())} acknowledged, {tally.refused} 412")
