"""The demo portfolio: loaded through the services, idempotent, realistic, permission-shaped."""

from decimal import Decimal

import pytest

from app.demo.data import ACCOUNTS, BIDS
from app.demo.loader import load_demo

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc_valid(code: str) -> bool:
    # GB 32100-2015: sum(value x 3^i mod 31 for the first 17) + check value = 0 (mod 31)
    values = [USCC_ALPHABET.index(c) for c in code]
    weights = [pow(3, i, 31) for i in range(17)]
    return len(code) == 18 and (sum(v * w for v, w in zip(values, weights)) + values[17]) % 31 == 0


@pytest.fixture(scope="module")
def demo(session_factory):
    first = load_demo(session_factory)
    second = load_demo(session_factory)
    return first, second


def headers(token):
    return {"Authorization": f"Bearer {token}"}


def demo_bids(client, token):
    items = client.get("/api/v1/bids?limit=1000", headers=headers(token)).json()["items"]
    titles = {bid.title for bid in BIDS}
    return [item for item in items if item["title"] in titles]


def test_credit_codes_are_well_formed():
    assert len(ACCOUNTS) >= 8
    for account in ACCOUNTS:
        assert uscc_valid(account.credit_code), account.credit_code
    code = ACCOUNTS[0].credit_code
    wrong = code[:17] + USCC_ALPHABET[(USCC_ALPHABET.index(code[17]) + 1) % 31]
    assert not uscc_valid(wrong)


def test_twice_is_idempotent_and_both_token_sets_work(client, demo):
    first, second = demo
    assert set(first) == set(second) == {"pmo", "lead1", "lead2", "finance", "member1"}
    for tokens in (first, second):
        response = client.get("/api/v1/bids?limit=1000", headers=headers(tokens["pmo"]))
        assert response.status_code == 200
    assert len(demo_bids(client, second["pmo"])) == len(BIDS) >= 12


def test_every_demo_bid_is_decomposed_with_budgets_and_links(client, demo):
    token = demo[1]["pmo"]
    bids = demo_bids(client, token)
    statuses = {bid["status"] for bid in bids}
    assert {"open", "won", "lost"} <= statuses
    assert len({bid["org_unit_id"] for bid in bids}) == 3
    with_progress = 0
    for bid in bids:
        tasks = client.get(f"/api/v1/bids/{bid['id']}/tasks?limit=1000", headers=headers(token))
        items = tasks.json()["items"]
        assert 30 <= len(items) <= 80, bid["title"]
        budget = sum(
            Decimal(v) for t in items if t["parent_id"] is None for v in t["budget"].values()
        )
        assert Decimal(0) < budget <= Decimal(bid["pursuit_budget"])
        if any(t["percent_complete"] == 100 for t in items):
            with_progress += 1
    assert with_progress >= 8
    costs = client.get(f"/api/v1/bids/{bids[0]['id']}/costs?limit=1000", headers=headers(token))
    assert costs.status_code == 200 and costs.json()["total"] > 0


def test_leads_see_their_own_bids_and_member1_a_lead1_bid(client, demo):
    tokens = demo[1]
    all_ids = {bid["id"] for bid in demo_bids(client, tokens["pmo"])}
    lead1 = {bid["id"] for bid in demo_bids(client, tokens["lead1"])}
    lead2 = {bid["id"] for bid in demo_bids(client, tokens["lead2"])}
    member1 = {bid["id"] for bid in demo_bids(client, tokens["member1"])}
    assert lead1 and lead2 and lead1 < all_ids and lead2 < all_ids
    assert not lead1 & lead2
    assert member1 and member1 <= lead1
    other = next(iter(lead2))
    assert client.get(f"/api/v1/bids/{other}", headers=headers(tokens["lead1"])).status_code == 404


def test_appraisal_of_a_closed_demo_bid(client, demo):
    token = demo[1]["pmo"]
    won = next(bid for bid in demo_bids(client, token) if bid["status"] == "won")
    response = client.get(
        f"/api/v1/bids/{won['id']}/appraisal?bonus_pool=50000", headers=headers(token)
    )
    members = response.json()["members"]
    assert len(members) >= 4
    assert sum(Decimal(m["bonus"]) for m in members) == Decimal("50000.00")
    # slipped tasks and cost variation make on-time/on-budget differ between members
    assert {m["components"]["on_budget"] for m in members} != {"1.0000"}


def test_calibration_and_similar_bids_from_the_closed_demo_bids(client, demo):
    token = demo[1]["pmo"]
    report = client.get("/api/v1/calibration?min_samples=1", headers=headers(token)).json()
    assert report["elements"]
    first = report["elements"][0]
    assert first["duration_ratio"]["count"] >= 1
    # closed demo bids slipped some tasks by a day: some element's duration median is above 1
    assert any(Decimal(f["duration_ratio"]) > 1 for f in report["factors"].values())
    bids = demo_bids(client, token)
    open_bid = next(b for b in bids if b["title"].startswith("东海地铁线网"))
    similar = client.get(f"/api/v1/bids/{open_bid['id']}/similar", headers=headers(token)).json()
    assert similar["items"]
    best = similar["items"][0]
    assert "same account" in best["reasons"] and best["status"] in {"won", "lost", "abandoned"}


# the demo bids that are late on purpose, and what in their schedule makes them late
LATE_ON_PURPOSE = {
    "东海地铁5号线综合监控系统集成项目": "behind",  # solution design behind at the status date
    "鸿远建设塔式起重机集中采购（2027年度）": "re_estimated",  # technical volume re-estimated
    "西江港岸电系统改造": "too_tight",  # the template's work does not fit the deadline
    "南岭电网2027年110kV变压器框架招标": "moved",  # the customer brought the deadline forward
}


def test_the_demo_portfolio_looks_real(client, demo):
    """Open bids: a critical path that is a path through unfinished work, no negative float
    on work after submission, and exactly the bids late on purpose late, each for its reason."""
    token = demo[1]["pmo"]
    data = {bid.title: bid for bid in BIDS}
    late = {}
    shares = []
    for bid in demo_bids(client, token):
        if bid["status"] != "open":
            continue
        schedule = client.get(f"/api/v1/bids/{bid['id']}/schedule", headers=headers(token)).json()
        tasks = client.get(f"/api/v1/bids/{bid['id']}/tasks?limit=1000", headers=headers(token))
        rows = {task["id"]: task for task in tasks.json()["items"]}
        leaves = [rows[t["id"]] for t in schedule["tasks"] if t["kind"] != "summary"]
        critical = [t for t in leaves if t["critical"]]
        shares.append((bid["title"], len(critical) / len(leaves)))
        assert all(t["actual_finish"] is None for t in critical), bid["title"]  # done: not critical
        # the critical path is a path: every critical task but the first is driven by a
        # critical or finished task
        for task in critical:
            driver = task["driving_predecessor_id"]
            if driver is not None:
                assert rows[driver]["critical"] or rows[driver]["actual_finish"], task["name"]
        submission = next(t for t in rows.values() if t["template_code"] == "execution.submission")
        after = [t for t in leaves if t["planned_start"] > submission["planned_finish"]]
        assert after and all(t["total_float_days"] >= 0 for t in after), bid["title"]
        if submission["planned_finish"] > bid["submission_deadline"]:
            late[bid["title"]] = submission
            assert submission["total_float_days"] < 0
            assert any("after its deadline" in w for w in schedule["warnings"])
        else:
            assert all(t["total_float_days"] >= 0 for t in leaves if not t["actual_finish"])
    assert set(late) == set(LATE_ON_PURPOSE)
    for title, reason in LATE_ON_PURPOSE.items():
        bid_data = data[title]
        if reason == "behind":
            assert bid_data.behind
        elif reason == "re_estimated":
            assert bid_data.re_estimated
        elif reason == "moved":
            assert bid_data.deadline_moved_from > bid_data.submission_deadline
            assert late[title]["planned_finish"] <= bid_data.deadline_moved_from.isoformat()
        else:  # the decomposer could not fit the plan: no stretch was possible
            assert not (bid_data.behind or bid_data.re_estimated or bid_data.deadline_moved_from)
    on_time = [bid for bid in demo_bids(client, token) if bid["status"] == "open"]
    assert len(on_time) - len(late) > len(late)  # most open bids are on track
    # the templates run parallel work streams: most open bids, in every stage, carry a
    # critical path of well under half their leaves, and none on track more than 0.6 (a bid
    # still in lead-in has every stage gate ahead of it)
    ordered = sorted(share for _, share in shares)
    assert len(ordered) >= 8 and ordered[len(ordered) // 2] < 0.45, shares
    assert sum(share < 0.5 for share in ordered) > len(ordered) / 2, shares
    assert all(share < 0.6 for title, share in shares if title not in late), shares


def test_member1_sees_only_their_own_bonus_on_the_demo(client, demo):
    tokens = demo[1]
    me = client.get("/api/v1/me", headers=headers(tokens["member1"])).json()
    member1_bids = demo_bids(client, tokens["member1"])
    closed = [bid for bid in member1_bids if bid["status"] != "open"]
    assert closed, "member1 is on a closed demo bid"
    for bid in closed:
        path = f"/api/v1/bids/{bid['id']}/appraisal"
        own = client.get(path, headers=headers(tokens["member1"])).json()["members"]
        assert [m["person_id"] for m in own] == [me["person_id"]]
        everyone = client.get(path, headers=headers(tokens["pmo"])).json()["members"]
        assert len(everyone) > 1
    colleague = next(
        m["person_id"]
        for m in client.get(
            f"/api/v1/bids/{closed[0]['id']}/appraisal", headers=headers(tokens["pmo"])
        ).json()["members"]
        if m["person_id"] != me["person_id"]
    )
    period = {"from": "2026-01-01", "to": "2026-12-31"}
    url = f"/api/v1/people/{colleague}/appraisal"
    assert client.get(url, params=period, headers=headers(tokens["member1"])).status_code == 403
    mine = client.get(
        f"/api/v1/people/{me['person_id']}/appraisal",
        params=period,
        headers=headers(tokens["member1"]),
    ).json()
    assert mine["items"] and all(item["explanation"] for item in mine["items"])


def test_demo_bids_are_consistent_with_their_gates(client, demo):
    token = demo[1]["pmo"]
    for bid in demo_bids(client, token):
        gates = client.get(f"/api/v1/bids/{bid['id']}/gates", headers=headers(token)).json()
        by_stage = {gate["stage"]: gate for gate in gates["items"]}
        stages = list(by_stage)
        reached = stages[: stages.index(bid["stage"]) + 1]
        for stage in reached:
            unticked = [i["code"] for i in by_stage[stage]["entry"] if not i["checked"]]
            assert not unticked, (bid["title"], stage, unticked)
        for stage in reached[:-1]:
            decisions = [r["decision"] for r in by_stage[stage]["reviews"]]
            assert "approve" in decisions, (bid["title"], stage)


def test_closed_demo_bids_have_real_close_outs(client, demo):
    token = demo[1]["pmo"]
    closed = [bid for bid in demo_bids(client, token) if bid["status"] != "open"]
    assert {bid["status"] for bid in closed} == {"won", "lost", "abandoned"}
    for bid in closed:
        closure = client.get(f"/api/v1/bids/{bid['id']}/close-out", headers=headers(token))
        assert closure.status_code == 200, bid["title"]
        body = closure.json()
        assert body["outcome"] == bid["status"] and body["reason_codes"]
        assert body["lessons_repeat"] and body["lessons_avoid"]
        assert body["schedule_slip_days"] is not None and body["budget_slip"] is not None
        if bid["status"] == "lost":
            assert body["winner"] and body["winner_price"] and body["price_gap_percent"]


def test_the_demo_relationship_bid_and_held_second_quotes(client, demo):
    token = demo[1]["pmo"]
    bids = {bid["title"]: bid for bid in demo_bids(client, token)}
    relationship = bids["西江港岸电系统改造"]
    assert relationship["purpose"] == "relationship"
    assert relationship["relationship_budget_cap"] == "140000.00"
    pipeline = client.get("/api/v1/pmo/pipeline", headers=headers(token)).json()
    assert relationship["id"] in pipeline["relationship_bids"]
    for title in ("西江港岸电系统改造", "滨海城投地下综合管廊盾构设备租赁"):
        case = client.get(f"/api/v1/bids/{bids[title]['id']}/arbitration", headers=headers(token))
        assert case.status_code == 200 and case.json()["status"] == "allowed", title


def test_the_metro_bid_has_a_risk_register_and_a_schedule_risk(client, demo):
    token = demo[1]["pmo"]
    metro = next(bid for bid in demo_bids(client, token) if bid["title"] == BIDS[0].title)
    risks = client.get(f"/api/v1/bids/{metro['id']}/risks", headers=headers(token)).json()
    assert risks["total"] == 3  # loaded once, though the demo ran twice
    assert all(risk["task_ids"] for risk in risks["items"])  # each hits its tasks
    assert metro["risk_correlations"] and metro["risk_correlations"][0]["rank_correlation"] == 0.6
    analysis = client.get(
        f"/api/v1/bids/{metro['id']}/risk", params={"iterations": 2000}, headers=headers(token)
    ).json()
    assert 0 <= analysis["p_meet_submission"] <= 1
    assert {item["risk_id"] for item in analysis["risks"]} == {r["id"] for r in risks["items"]}
    sources = {item["source"] for item in analysis["sources"]}
    assert {"actual", "template"} <= sources  # progress kept, the rest from the templates
