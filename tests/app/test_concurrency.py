"""Concurrent writes to one bid: no lost update, no 5xx; a stale writer gets 412."""

from __future__ import annotations

import itertools
import threading

from fastapi.testclient import TestClient

from tests.app.conftest import etag_of


def test_parallel_writers_on_one_bid(app, pmo, make_bid, make_task, make_link):
    bid = make_bid(start_date="2027-03-01")
    tasks = [make_task(bid["id"], duration_days=2) for _ in range(6)]
    for first, second in itertools.pairwise(tasks):
        make_link(bid["id"], first["id"], second["id"])
    statuses: list[int] = []
    errors: list[str] = []

    def writer(task_id: int, durations: list[int]) -> None:
        with TestClient(app, raise_server_exceptions=False) as client:
            path = f"/api/v1/tasks/{task_id}"
            for duration in durations:
                for _attempt in range(20):
                    headers = {**pmo.headers, "If-Match": etag_of(client, path, pmo.headers)}
                    response = client.patch(path, json={"duration_days": duration}, headers=headers)
                    statuses.append(response.status_code)
                    if response.status_code == 200:
                        break
                    if response.status_code != 412:
                        errors.append(response.text)
                        return

    threads = [
        threading.Thread(target=writer, args=(task["id"], [3, 4, 5, 6])) for task in tasks[:4]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert all(status in (200, 412) for status in statuses)
    with TestClient(app) as client:
        for task in tasks[:4]:
            fetched = client.get(f"/api/v1/tasks/{task['id']}", headers=pmo.headers).json()
            assert fetched["duration_days"] == 6
        schedule = client.get(f"/api/v1/bids/{bid['id']}/schedule", headers=pmo.headers).json()
    # the chain: 4 tasks of 6 days and 2 of 2 days, end to end = 28 working days from 03-01
    assert schedule["duration"] == 28


def test_same_etag_twice_one_wins(client, app, pmo, make_bid, make_task):
    task = make_task(make_bid()["id"])
    path = f"/api/v1/tasks/{task['id']}"
    etag = etag_of(client, path, pmo.headers)
    results: list[int] = []

    def writer(name: str) -> None:
        with TestClient(app, raise_server_exceptions=False) as own:
            response = own.patch(
                path, json={"name": name}, headers={**pmo.headers, "If-Match": etag}
            )
            results.append(response.status_code)

    threads = [threading.Thread(target=writer, args=(f"写者{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [200, 412]
