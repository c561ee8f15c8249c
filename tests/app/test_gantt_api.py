"""``GET /api/v1/bids/{bid}/gantt`` and ``GET /api/v1/portfolio/gantt`` over the real service."""

from __future__ import annotations

import pytest

from gantt.bid import TRACE_CRITICAL, TRACE_LINKS, TRACE_SUMMARY, TRACE_TASK
from gantt.theme import CRITICAL


def traces(figure):
    return {trace["name"]: trace for trace in figure["data"]}


@pytest.fixture
def small_bid(make_bid, make_task, make_link):
    """Hand-made: 准备 (summary) > A 2d -> B 3d (FS), C 1d alone. A and B are critical, C has
    4 days of float."""
    pytest.importorskip("wbs.cpm", reason="the CPM scheduler (wbs.cpm) has not landed yet")
    bid = make_bid(title="华东投标 Gantt", start_date="2027-03-01")
    summary = make_task(bid["id"], name="准备", kind="summary")
    a = make_task(bid["id"], name="A 需求", duration_days=2, parent_id=summary["id"])
    b = make_task(bid["id"], name="B 方案", duration_days=3, parent_id=summary["id"])
    c = make_task(bid["id"], name="<script>alert(1)</script>", duration_days=1)
    make_link(bid["id"], a["id"], b["id"])
    return bid, a, b, c


def test_bid_gantt_colours_the_critical_chain(client, pmo, small_bid):
    bid = small_bid[0]
    response = client.get(f"/api/v1/bids/{bid['id']}/gantt", headers=pmo.headers)
    assert response.status_code == 200, response.text
    figure = response.json()
    by_name = traces(figure)
    assert by_name[TRACE_CRITICAL]["marker"]["color"] == CRITICAL
    ticks = figure["layout"]["yaxis"]["ticktext"]
    assert len(ticks) == 4
    critical_rows = sorted(by_name[TRACE_CRITICAL]["y"])
    assert [ticks[int(row)].strip("\u00a0") for row in critical_rows] == [
        "1.1 A 需求",
        "1.2 B 方案",
    ]
    assert [int(row) for row in by_name[TRACE_TASK]["y"]] == [3]
    assert "&lt;script&gt;" in ticks[3]
    assert len(by_name[TRACE_SUMMARY]["y"]) == 1
    assert by_name[TRACE_LINKS]["x"].count(None) == 1
    # A starts Monday 2027-03-01 and is 2 working days long
    index = by_name[TRACE_CRITICAL]["y"].index(1)
    assert by_name[TRACE_CRITICAL]["base"][index] == "2027-03-01"
    assert by_name[TRACE_CRITICAL]["x"][index] == 2 * 86_400_000


def test_gantt_needs_a_token_and_read_permission(client, make_user, small_bid):
    bid = small_bid[0]
    assert client.get(f"/api/v1/bids/{bid['id']}/gantt").status_code == 401
    stranger = make_user("lead")
    response = client.get(f"/api/v1/bids/{bid['id']}/gantt", headers=stranger.headers)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_portfolio_gantt_links_each_bid_and_filters(client, pmo, make_bid):
    first = make_bid(title="组合 一", stage="strategy")
    second = make_bid(title="组合 二", stage="plan")
    response = client.get("/api/v1/portfolio/gantt", headers=pmo.headers)
    assert response.status_code == 200, response.text
    links = {
        point[0]
        for trace in response.json()["data"]
        if trace["type"] == "bar"
        for point in trace["customdata"]
    }
    assert {f"/bids/{first['id']}", f"/bids/{second['id']}"} <= links
    filtered = client.get(
        "/api/v1/portfolio/gantt", params={"stage": "plan"}, headers=pmo.headers
    ).json()
    stages = {trace["name"] for trace in filtered["data"] if trace["type"] == "bar"}
    assert stages == {"Plan 计划"}


def test_portfolio_gantt_shows_only_readable_bids(client, make_user, make_bid):
    lead = make_user("lead")
    mine = make_bid(lead=lead, title="我的投标")
    other = make_bid(title="别人的投标")
    figure = client.get("/api/v1/portfolio/gantt", headers=lead.headers).json()
    links = {p[0] for t in figure["data"] if t["type"] == "bar" for p in t["customdata"]}
    assert links == {f"/bids/{mine['id']}"}
    assert f"/bids/{other['id']}" not in links
