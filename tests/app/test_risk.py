"""Schedule risk over HTTP: three-point task fields, the risk register, GET /bids/{bid}/risk
(SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.app.conftest import TestUser


def _bid_with_chain(make_bid: Any, make_task: Any, make_link: Any) -> tuple[dict, list[dict]]:
    bid = make_bid(start_date="2027-03-01", submission_deadline="2027-03-19")
    tasks = [
        make_task(bid["id"], name="方案编写", duration_days=5),
        make_task(bid["id"], name="报价", duration_days=3),
        make_task(
            bid["id"], name="递交投标文件", kind="milestone", duration_days=0, deadline="2027-03-19"
        ),
    ]
    make_link(bid["id"], tasks[0]["id"], tasks[1]["id"])
    make_link(bid["id"], tasks[1]["id"], tasks[2]["id"])
    return bid, tasks


def _patch(client: TestClient, path: str, headers: dict, body: dict) -> Any:
    etag = client.get(path, headers=headers).headers["ETag"]
    return client.patch(path, json=body, headers={**headers, "If-Match": etag})


def test_three_point_fields_on_tasks(
    client: TestClient, pmo: TestUser, make_bid: Any, make_task: Any, make_link: Any
) -> None:
    _bid, tasks = _bid_with_chain(make_bid, make_task, make_link)
    path = f"/api/v1/tasks/{tasks[0]['id']}"
    response = _patch(
        client,
        path,
        pmo.headers,
        {"optimistic_days": 4, "pessimistic_days": 9, "distribution": "pert"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["optimistic_days"], body["pessimistic_days"], body["distribution"]) == (
        4,
        9,
        "pert",
    )
    # out of order: refused, nothing stored
    bad = _patch(client, path, pmo.headers, {"optimistic_days": 6})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "optimistic_days"
    bad = _patch(client, path, pmo.headers, {"distribution": "lognormal"})
    assert bad.status_code == 422
    assert client.get(path, headers=pmo.headers).json()["optimistic_days"] == 4


def test_risk_register_crud_with_etags(
    client: TestClient, pmo: TestUser, make_bid: Any, make_task: Any, make_link: Any
) -> None:
    bid, tasks = _bid_with_chain(make_bid, make_task, make_link)
    body = {
        "title": "客户需求变更 Customer changes the scope",
        "category": "customer",
        "probability": 0.4,
        "impact_optimistic_days": 1,
        "impact_likely_days": 2,
        "impact_pessimistic_days": 5,
        "post_probability": 0.2,
        "response": "冻结需求 freeze the requirements at the kick-off",
        "task_ids": [tasks[0]["id"]],
    }
    created = client.post(f"/api/v1/bids/{bid['id']}/risks", json=body, headers=pmo.headers)
    assert created.status_code == 201, created.text
    risk = created.json()
    assert risk["task_ids"] == [tasks[0]["id"]] and risk["post_probability"] == 0.2
    listed = client.get(f"/api/v1/bids/{bid['id']}/risks", headers=pmo.headers).json()
    assert listed["total"] == 1 and listed["items"][0]["title"].startswith("客户需求变更")
    path = f"/api/v1/risks/{risk['id']}"
    stale = client.patch(
        path, json={"probability": 0.5}, headers={**pmo.headers, "If-Match": 'W/"999"'}
    )
    assert stale.status_code == 412
    assert client.patch(path, json={"probability": 0.5}, headers=pmo.headers).status_code == 428
    changed = _patch(client, path, pmo.headers, {"probability": 0.5, "task_ids": [tasks[1]["id"]]})
    assert changed.status_code == 200, changed.text
    assert changed.json()["probability"] == 0.5 and changed.json()["task_ids"] == [tasks[1]["id"]]
    # bad input: refused with the field, nothing stored
    for wrong in (
        {"impact_likely_days": 9},  # above the pessimistic 5
        {"probability": 1.5},
        {"task_ids": [999_999]},
        {"category": "weather"},
    ):
        refused = _patch(client, path, pmo.headers, wrong)
        assert refused.status_code == 422, (wrong, refused.text)
    assert client.get(path, headers=pmo.headers).json()["probability"] == 0.5
    etag = client.get(path, headers=pmo.headers).headers["ETag"]
    deleted = client.delete(path, headers={**pmo.headers, "If-Match": etag})
    assert deleted.status_code == 204
    assert client.get(path, headers=pmo.headers).status_code == 404


def test_bid_risk_analysis(
    client: TestClient, pmo: TestUser, make_bid: Any, make_task: Any, make_link: Any
) -> None:
    bid, tasks = _bid_with_chain(make_bid, make_task, make_link)
    url = f"/api/v1/bids/{bid['id']}/risk"
    fixed = client.get(url, params={"iterations": 200}, headers=pmo.headers).json()
    # no estimates, no template element, no risks: every iteration is the CPM
    schedule = client.get(f"/api/v1/bids/{bid['id']}/schedule", headers=pmo.headers).json()
    submit = next(t for t in schedule["tasks"] if t["id"] == tasks[2]["id"])
    assert fixed["submission_p10"] == fixed["submission_p90"] == submit["finish"]
    assert fixed["finish_p50"] == schedule["project_finish"]
    assert fixed["p_meet_submission"] == 1.0 and fixed["submission_task_id"] == tasks[2]["id"]
    assert {s["source"] for s in fixed["sources"]} == {"fixed"}

    _patch(
        client,
        f"/api/v1/tasks/{tasks[0]['id']}",
        pmo.headers,
        {"optimistic_days": 4, "pessimistic_days": 15},
    )
    risk = {
        "title": "资质文件补办",
        "category": "compliance",
        "probability": 0.5,
        "impact_optimistic_days": 2,
        "impact_likely_days": 3,
        "impact_pessimistic_days": 4,
        "post_probability": 0.1,
        "task_ids": [tasks[1]["id"]],
    }
    assert (
        client.post(f"/api/v1/bids/{bid['id']}/risks", json=risk, headers=pmo.headers).status_code
        == 201
    )
    one = client.get(url, params={"iterations": 3000, "seed": 7}, headers=pmo.headers)
    assert one.status_code == 200, one.text
    result = one.json()
    for key in (
        "iterations",
        "seed",
        "p_meet_submission",
        "submission_p50",
        "submission_p80",
        "finish_p50",
        "finish_p80",
        "histogram",
        "criticality",
        "sensitivity",
        "sources",
    ):
        assert key in result
    assert result["iterations"] == 3000 and result["seed"] == 7
    assert 0 < result["p_meet_submission"] < 1
    assert result["submission_p50"] <= result["submission_p80"] <= result["submission_p90"]
    histogram = result["histogram"]["submission"]
    assert sum(b["count"] for b in histogram) == 3000 and histogram[-1]["cumulative"] == 1.0
    sources = {s["task_id"]: s["source"] for s in result["sources"]}
    assert sources[tasks[0]["id"]] == "task" and sources[tasks[1]["id"]] == "fixed"
    top = result["sensitivity"][0]
    assert top["task_id"] == tasks[0]["id"] and top["rank_correlation"] > 0.5
    criticality = {c["task_id"]: c["index"] for c in result["criticality"]}
    assert criticality[tasks[0]["id"]] == 1.0
    assert result["risks"][0]["probability"] == 0.1  # post-mitigation by default
    pre = client.get(
        url, params={"iterations": 3000, "seed": 7, "mitigation": "pre"}, headers=pmo.headers
    ).json()
    assert pre["risks"][0]["probability"] == 0.5
    assert pre["p_meet_submission"] <= result["p_meet_submission"]
    again = client.get(url, params={"iterations": 3000, "seed": 7}, headers=pmo.headers).json()
    assert again == result
    # the same seed gives the same numbers whatever the database (fixed expectations computed
    # offline would be hard-coding; compare with wbs.risk on the same plan instead)
    import datetime as dt

    from wbs.plan import Link, Plan, Task
    from wbs.risk import Estimate, RiskEvent, RiskModel, simulate

    plan = Plan(
        "x",
        dt.date(2027, 3, 1),
        [
            Task("a", "a", 5),
            Task("b", "b", 3),
            Task("m", "m", 0, milestone=True, deadline=dt.date(2027, 3, 19)),
        ],
        [Link("a", "b"), Link("b", "m")],
        finish_deadline=dt.date(2027, 3, 19),
    )
    model = RiskModel(
        {"a": Estimate(4, 5, 15)},
        submission="m",
        risks=[RiskEvent("r", "r", 0.1, Estimate(2, 3, 4), ("b",))],
    )
    offline = simulate(plan, model, 3000, 7)
    assert offline.p_meet_submission == result["p_meet_submission"]
    assert offline.submission_dates[80].isoformat() == result["submission_p80"]


@pytest.mark.parametrize("iterations", [0, 50_001])
def test_iterations_beyond_the_limit_are_422(
    client: TestClient, pmo: TestUser, make_bid: Any, iterations: int
) -> None:
    bid = make_bid()
    response = client.get(
        f"/api/v1/bids/{bid['id']}/risk", params={"iterations": iterations}, headers=pmo.headers
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_bid_distribution_and_correlation_settings(
    client: TestClient, pmo: TestUser, make_bid: Any, make_task: Any, make_link: Any
) -> None:
    bid, tasks = _bid_with_chain(make_bid, make_task, make_link)
    path = f"/api/v1/bids/{bid['id']}"
    group = {"task_ids": [tasks[0]["id"], tasks[1]["id"]], "rank_correlation": 0.7}
    response = _patch(
        client, path, pmo.headers, {"risk_distribution": "uniform", "risk_correlations": [group]}
    )
    assert response.status_code == 200, response.text
    assert response.json()["risk_correlations"] == [group]
    overlapping = [group, {"task_ids": [tasks[0]["id"], tasks[2]["id"]], "rank_correlation": 0.2}]
    refused = _patch(client, path, pmo.headers, {"risk_correlations": overlapping})
    assert refused.status_code == 422
    _patch(
        client,
        f"/api/v1/tasks/{tasks[1]['id']}",
        pmo.headers,
        {"optimistic_days": 2, "pessimistic_days": 6},
    )
    result = client.get(f"{path}/risk", params={"iterations": 500}, headers=pmo.headers).json()
    distributions = {s["task_id"]: s["distribution"] for s in result["sources"]}
    assert distributions[tasks[1]["id"]] == "uniform"


def test_estimate_defaults_task_then_calibration_then_template_then_fixed() -> None:
    from decimal import Decimal
    from types import SimpleNamespace

    from app.risk.service import task_estimate
    from wbs.calibration import ElementStats, RatioStats

    def row(name: str, **fields: Any) -> Any:
        base = {
            "name": name,
            "kind": "task",
            "duration_days": 10,
            "difficulty": 3,
            "optimistic_days": None,
            "pessimistic_days": None,
            "distribution": None,
        }
        return SimpleNamespace(**{**base, **fields})

    codes = {"方案设计": "execution.solution", "报价": "execution.pricing"}
    ratios = RatioStats(count=4, median=Decimal("1.1"), p25=Decimal("1.0"), p75=Decimal("1.4"))
    stats = {"execution.solution": ElementStats("execution.solution", ratios, None)}
    own = task_estimate(
        row("方案设计", optimistic_days=8, pessimistic_days=20), "pert", codes, stats
    )
    assert (own.optimistic, own.likely, own.pessimistic, own.source) == (8, 10, 20, "task")
    assert own.distribution == "pert"
    # calibration: IQR 1.0..1.4 widened by 0.2 each side -> 0.8..1.6 x 10 days
    calibrated = task_estimate(row("方案设计（综合监控）"), "triangular", codes, stats)
    assert (calibrated.optimistic, calibrated.pessimistic, calibrated.source) == (
        8,
        16,
        "calibration",
    )
    few = {
        "execution.solution": ElementStats(
            "execution.solution", RatioStats(2, Decimal("1"), Decimal("1"), Decimal("2")), None
        )
    }
    template = task_estimate(row("方案设计", difficulty=5), "triangular", codes, few)
    assert (template.optimistic, template.pessimistic, template.source) == (7, 20, "template")
    fixed = task_estimate(row("客户拜访"), "triangular", codes, stats)
    assert (fixed.optimistic, fixed.pessimistic, fixed.source) == (10, 10, "fixed")
    # a duration changed after the estimate: the range widens to hold it
    widened = task_estimate(
        row("报价", duration_days=25, optimistic_days=8, pessimistic_days=20),
        "triangular",
        codes,
        stats,
    )
    assert (widened.optimistic, widened.likely, widened.pessimistic) == (8, 25, 25)


def test_a_bid_without_tasks_has_a_risk_answer(
    client: TestClient, pmo: TestUser, make_bid: Any
) -> None:
    bid = make_bid(start_date="2027-03-01", submission_deadline="2027-03-19")
    response = client.get(
        f"/api/v1/bids/{bid['id']}/risk", params={"iterations": 10}, headers=pmo.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["finish_p50"] == "2027-03-01"  # where the CPM puts an empty plan
