"""PMO reports through the API: weighted pipeline, forecast, stage conversion.

Each test builds its own org unit and reads the reports as a viewer of that unit, so the
numbers cover exactly the bids the test made (the database is shared by the test session).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.app.conftest import TestUser, etag_of, unique
from wbs.gates import load_gates

GATES = load_gates()
CENT = Decimal("0.01")


def _weighted(value: str, percent: int) -> Decimal:
    return (Decimal(value) * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Portfolio:
    viewer: TestUser
    unit: dict[str, Any]
    transport: dict[str, Any]
    health: dict[str, Any]
    bids: dict[str, dict[str, Any]]


@pytest.fixture
def portfolio(
    client: TestClient,
    pmo: TestUser,
    make_user: Callable[..., TestUser],
    make_org_unit: Callable[..., dict[str, Any]],
    make_account: Callable[..., dict[str, Any]],
    make_bid: Callable[..., dict[str, Any]],
) -> Portfolio:
    unit = make_org_unit()
    transport = make_account(industry=unique("交通"))
    health = make_account(industry=unique("医疗"))
    common = {"org_unit_id": unit["id"]}
    bids = {
        "metro": make_bid(
            account_id=transport["id"],
            stage="execution",
            value="1000.00",
            submission_deadline="2027-05-20",
            product_line="综合监控",
            **common,
        ),
        "signal": make_bid(
            account_id=transport["id"],
            stage="strategy",
            value="2000.00",
            win_probability_percent=25,
            submission_deadline="2027-05-01",
            expected_award_date="2027-06-03",
            product_line="信号系统",
            **common,
        ),
        "hospital": make_bid(
            account_id=health["id"],
            stage="goals",
            value="500.00",
            currency="EUR",
            submission_deadline="2027-05-11",
            **common,
        ),
        "unpriced": make_bid(account_id=health["id"], stage="team", value=None, **common),
        "lost": make_bid(account_id=health["id"], stage="plan", status="lost", **common),
    }
    viewer = make_user("viewer", org_unit_id=unit["id"])
    return Portfolio(viewer, unit, transport, health, bids)


def _get(client: TestClient, user: TestUser, path: str) -> dict[str, Any]:
    response = client.get(path, headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_pipeline_by_month_uses_expected_award_then_deadline(
    client: TestClient, portfolio: Portfolio
) -> None:
    body = _get(client, portfolio.viewer, "/api/v1/pmo/pipeline?group_by=month")
    execution = GATES.default_win_probability("execution")
    assert [(r["group"], r["currency"]) for r in body["items"]] == [
        ("2027-05", "CNY"),
        ("2027-05", "EUR"),
        ("2027-06", "CNY"),
    ]
    by_key = {(r["group"], r["currency"]): r for r in body["items"]}
    assert by_key[("2027-05", "CNY")]["weighted_value"] == str(_weighted("1000.00", execution))
    goals = GATES.default_win_probability("goals")
    assert by_key[("2027-05", "EUR")]["weighted_value"] == str(_weighted("500.00", goals))
    assert by_key[("2027-06", "CNY")]["weighted_value"] == str(_weighted("2000.00", 25))
    assert body["total"] == 3
    assert body["bids_without_value"] == [portfolio.bids["unpriced"]["id"]]
    totals = {t["currency"]: t for t in body["totals"]}
    assert totals["CNY"]["bids"] == 2 and totals["CNY"]["value"] == "3000.00"
    cny_weighted = _weighted("1000.00", execution) + _weighted("2000.00", 25)
    assert Decimal(totals["CNY"]["weighted_value"]) == cny_weighted
    assert "converted" in body["note"]


def test_pipeline_by_account_org_unit_and_product_line(
    client: TestClient, portfolio: Portfolio
) -> None:
    by_account = _get(client, portfolio.viewer, "/api/v1/pmo/pipeline?group_by=account")
    groups = {(r["group"], r["currency"]): r["bids"] for r in by_account["items"]}
    assert groups == {
        (portfolio.transport["name"], "CNY"): 2,
        (portfolio.health["name"], "EUR"): 1,
    }
    by_unit = _get(client, portfolio.viewer, "/api/v1/pmo/pipeline?group_by=org_unit")
    assert {r["group"] for r in by_unit["items"]} == {portfolio.unit["name"]}
    by_line = _get(client, portfolio.viewer, "/api/v1/pmo/pipeline?group_by=product_line")
    assert {r["group"] for r in by_line["items"]} == {"综合监控", "信号系统", "none"}
    paged = _get(client, portfolio.viewer, "/api/v1/pmo/pipeline?group_by=product_line&limit=1")
    assert len(paged["items"]) == 1 and paged["total"] == 3


def test_forecast_matches_the_enumerated_outcomes(client: TestClient, portfolio: Portfolio) -> None:
    body = _get(client, portfolio.viewer, "/api/v1/pmo/forecast")
    forecasts = {f["currency"]: f for f in body["items"]}
    assert set(forecasts) == {"CNY", "EUR"}
    cny = forecasts["CNY"]
    bids = [
        (Decimal("1000.00"), GATES.default_win_probability("execution")),
        (Decimal("2000.00"), 25),
    ]
    expected = sum(v * p / 100 for v, p in bids)
    variance = sum(v * v * p * (100 - p) / 10_000 for v, p in bids)
    assert Decimal(cny["expected"]) == expected.quantize(CENT)
    assert Decimal(cny["variance"]) == variance
    assert cny["method"] == "exact" and cny["bids"] == 2
    outcomes = []
    for wins in itertools.product([False, True], repeat=len(bids)):
        chance = Decimal(1)
        total = Decimal(0)
        for won, (value, p) in zip(wins, bids, strict=True):
            chance *= Decimal(p if won else 100 - p) / 100
            total += value if won else 0
        outcomes.append((total, chance))
    outcomes.sort()

    def quantile(q: Decimal) -> Decimal:
        cumulative = Decimal(0)
        for total, chance in outcomes:
            cumulative += chance
            if cumulative >= q:
                return total
        return outcomes[-1][0]

    for key, q in (("p10", "0.1"), ("p50", "0.5"), ("p90", "0.9")):
        assert Decimal(cny[key]) == quantile(Decimal(q)), key
    assert body["bids_without_value"] == [portfolio.bids["unpriced"]["id"]]


def test_stage_report_conversion_per_industry(
    client: TestClient,
    pmo: TestUser,
    portfolio: Portfolio,
    make_bid: Callable[..., dict[str, Any]],
) -> None:
    moving = make_bid(
        account_id=portfolio.transport["id"], org_unit_id=portfolio.unit["id"], stage="lead_in"
    )
    path = f"/api/v1/bids/{moving['id']}"
    headers = {**pmo.headers, "If-Match": etag_of(client, path, pmo.headers)}
    override = {"stage": "goals", "reason": "补录：已确认目标"}
    assert client.post(f"{path}/stage-override", json=override, headers=headers).status_code == 200
    lost = {"outcome": "lost", "reason_codes": ["price"]}
    assert client.post(f"{path}/close-out", json=lost, headers=pmo.headers).status_code == 200
    body = _get(client, portfolio.viewer, "/api/v1/pmo/stage-report?group_by=industry")
    groups = {g["group"]: g for g in body["items"]}
    assert set(groups) == {portfolio.transport["industry"], portfolio.health["industry"]}
    transport = {s["stage"]: s for s in groups[portfolio.transport["industry"]]["stages"]}
    assert groups[portfolio.transport["industry"]]["bids"] == 3
    assert (transport["lead_in"]["converted"], transport["lead_in"]["conversion_percent"]) == (
        1,
        "100.0",
    )
    assert (transport["goals"]["dropped"], transport["goals"]["conversion_percent"]) == (1, "0.0")
    assert transport["lead_in"]["visits_ended"] == 1
    assert transport["lead_in"]["mean_days"] is not None
    assert transport["execution"]["undecided"] == 1
    assert transport["execution"]["conversion_percent"] is None


def test_stage_report_by_kind_and_org_unit(client: TestClient, portfolio: Portfolio) -> None:
    by_kind = _get(client, portfolio.viewer, "/api/v1/pmo/stage-report?group_by=kind")
    assert {g["group"] for g in by_kind["items"]} == {"cross_sell"}
    by_unit = _get(client, portfolio.viewer, "/api/v1/pmo/stage-report")
    assert by_unit["group_by"] == "org_unit"
    assert [g["group"] for g in by_unit["items"]] == [portfolio.unit["name"]]
    # the lost bid was created closed: it never stayed in a stage
    assert by_unit["items"][0]["bids"] == 4


def test_reports_refuse_bad_groupings_and_anonymous_callers(
    client: TestClient, portfolio: Portfolio, make_user: Callable[..., TestUser]
) -> None:
    for path in ("/api/v1/pmo/pipeline?group_by=colour", "/api/v1/pmo/stage-report?group_by=x"):
        response = client.get(path, headers=portfolio.viewer.headers)
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
    for path in ("/api/v1/pmo/pipeline", "/api/v1/pmo/forecast", "/api/v1/pmo/stage-report"):
        assert client.get(path).status_code == 401
    outsider = make_user("lead")
    assert _get(client, outsider, "/api/v1/pmo/forecast")["items"] == []
    assert _get(client, outsider, "/api/v1/pmo/pipeline")["items"] == []


def test_a_bid_closed_outside_the_bid_service_still_counts_as_dropped(
    client: TestClient,
    pmo: TestUser,
    make_user: Callable[..., TestUser],
    make_org_unit: Callable[..., dict[str, Any]],
    make_bid: Callable[..., dict[str, Any]],
    db_session: Any,
) -> None:
    from app.bids.models import Bid
    from app.crud import apply_changes

    unit = make_org_unit()
    bid = make_bid(org_unit_id=unit["id"], stage="analysis")
    row = db_session.get(Bid, bid["id"])
    apply_changes(db_session, None, row, {"status": "abandoned"}, bid_id=row.id)
    db_session.commit()
    viewer = make_user("viewer", org_unit_id=unit["id"])
    (group,) = _get(client, viewer, "/api/v1/pmo/stage-report")["items"]
    analysis = {s["stage"]: s for s in group["stages"]}["analysis"]
    assert (analysis["dropped"], analysis["undecided"], analysis["visits_ended"]) == (1, 0, 1)


def test_the_demo_portfolio_has_a_pmo_past(client: TestClient, session_factory: Any) -> None:
    from app.demo.data import BIDS
    from app.demo.loader import load_demo
    from app.demo.pmo_history import SENT_BACK

    tokens = load_demo(session_factory)
    pmo_headers = {"Authorization": f"Bearer {tokens['pmo']}"}
    bids = client.get("/api/v1/bids?limit=1000", headers=pmo_headers).json()["items"]
    by_title = {b["title"]: b for b in bids}
    metro = by_title[SENT_BACK[0]]
    history = client.get(f"/api/v1/bids/{metro['id']}/stage-history", headers=pmo_headers)
    outcomes = [(v["stage"], v["outcome"]) for v in history.json()["items"]]
    assert (SENT_BACK[1], "sent_back") in outcomes
    assert outcomes[-1] == (metro["stage"], None)
    gates = client.get(f"/api/v1/bids/{metro['id']}/gates", headers=pmo_headers).json()["items"]
    passed = [g["stage"] for g in gates if g["state"] == "approved"]
    assert passed and all(g["passed_on"] for g in gates if g["state"] == "approved")
    baselines = client.get(f"/api/v1/bids/{metro['id']}/baselines", headers=pmo_headers).json()
    assert any(b["name"].startswith("gate: ") for b in baselines["items"])

    demo_titles = {data.title for data in BIDS}
    closed = [b for b in bids if b["title"] in demo_titles and b["status"] != "open"]
    for bid in closed:
        visits = client.get(f"/api/v1/bids/{bid['id']}/stage-history", headers=pmo_headers)
        assert visits.json()["items"][-1]["outcome"] == bid["status"]
    forecast = client.get("/api/v1/pmo/forecast", headers=pmo_headers).json()
    cny = {f["currency"]: f for f in forecast["items"]}["CNY"]
    assert Decimal(cny["p10"]) < Decimal(cny["p50"]) < Decimal(cny["p90"])
