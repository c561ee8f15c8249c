"""``/api/v1/resources``: load, conflicts, leveling proposals and accepting them, on SQLite and
PostgreSQL, with one presales consultant double-booked by two bids built through the API."""

from __future__ import annotations

import pytest

from tests.app.conftest import etag_of

LOAD = "/api/v1/resources/load"
CONFLICTS = "/api/v1/resources/conflicts"
PROPOSALS = "/api/v1/resources/leveling-proposals"
ACCEPT = "/api/v1/resources/leveling-proposals/accept"


@pytest.fixture
def double_booking(make_user, make_bid, make_task):
    """陈 works on A (Mon 1 - Wed 3 March 2027) and on B (Mon 1 - Tue 2 March): two days of 2x.

    A is worth more (5,000,000 at 50 %) than B (1,000,000 at 40 %), so B is the one to wait.
    """
    consultant = make_user("member")
    a = make_bid(value="5000000.00", win_probability_percent=50, start_date="2027-03-01")
    b = make_bid(value="1000000.00", win_probability_percent=40, start_date="2027-03-01")
    a1 = make_task(a["id"], name="方案设计 A", duration_days=3, owner_id=consultant.person_id)
    b1 = make_task(b["id"], name="技术交流 B", duration_days=2, owner_id=consultant.person_id)
    return {"person": consultant.person_id, "a": a, "b": b, "a1": a1, "b1": b1}


def _days(client, headers, person, **params):
    query = {"person": person, "from": "2027-03-01", "to": "2027-03-05", **params}
    response = client.get(LOAD, params=query, headers=headers)
    assert response.status_code == 200, response.text
    return {item["date"]: item for item in response.json()["items"]}


def _conflicts(client, headers, person):
    response = client.get(CONFLICTS, params={"person": person}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def _propose(client, headers, data):
    body = {"bid_ids": [data["a"]["id"], data["b"]["id"]], "level_from": "2027-03-01"}
    return client.post(PROPOSALS, json=body, headers=headers)


def _accept_body(proposal):
    return {
        "fingerprint": proposal["fingerprint"],
        "bid_ids": proposal["bid_ids"],
        "level_from": proposal["level_from"],
        "moves": [
            {"task_id": m["task_id"], "new_start": m["new_start"]} for m in proposal["moves"]
        ],
    }


def test_load_per_day_committed_and_weighted(client, pmo, double_booking):
    person = double_booking["person"]
    days = _days(client, pmo.headers, person)
    assert sorted(days) == ["2027-03-01", "2027-03-02", "2027-03-03"]
    assert [days[d]["committed"] for d in sorted(days)] == [2.0, 2.0, 1.0]
    assert [days[d]["over_allocated"] for d in sorted(days)] == [True, True, False]
    weighted = _days(client, pmo.headers, person, weighted="true")
    assert [weighted[d]["load"] for d in sorted(weighted)] == [0.9, 0.9, 0.5]
    week = client.get(LOAD, params={"person": person, "granularity": "week"}, headers=pmo.headers)
    assert week.json()["items"][0]["week"] == "2027-03-01"
    assert week.json()["items"][0]["committed"] == 5.0


def test_conflict_of_a_double_booked_consultant(client, pmo, double_booking):
    (conflict,) = _conflicts(client, pmo.headers, double_booking["person"])
    assert (conflict["first_day"], conflict["last_day"], conflict["days"]) == (
        "2027-03-01",
        "2027-03-02",
        2,
    )
    assert conflict["peak_excess"] == 1.0
    assert conflict["bid_ids"] == sorted([double_booking["a"]["id"], double_booking["b"]["id"]])
    assert {task["task_id"] for task in conflict["tasks"]} == {
        double_booking["a1"]["id"],
        double_booking["b1"]["id"],
    }


def test_proposal_then_accept_removes_the_conflict(client, pmo, double_booking):
    response = _propose(client, pmo.headers, double_booking)
    assert response.status_code == 200, response.text
    proposal = response.json()
    assert [(m["task_id"], m["new_start"], m["reason"]) for m in proposal["moves"]] == [
        (double_booking["b1"]["id"], "2027-03-04", "delay_lower_priority")
    ]
    accepted = client.post(ACCEPT, json=_accept_body(proposal), headers=pmo.headers)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["bid_ids"] == [double_booking["b"]["id"]]
    assert _conflicts(client, pmo.headers, double_booking["person"]) == []
    task = client.get(f"/api/v1/tasks/{double_booking['b1']['id']}", headers=pmo.headers).json()
    assert (task["constraint_type"], task["constraint_date"]) == ("SNET", "2027-03-04")
    assert task["planned_start"] == "2027-03-04"
    journal = client.get(
        f"/api/v1/bids/{double_booking['b']['id']}/journal", headers=pmo.headers
    ).json()["items"]
    assert {"constraint_type", "constraint_date"} <= {entry["field"] for entry in journal}


def test_a_milestone_moves_with_its_task_and_a_late_bid_is_flagged(
    client, pmo, make_user, make_bid, make_task, make_link
):
    """B's submission milestone follows b1, due Tue 2 March: b1 waits for A until Thursday, the
    milestone goes along (a fixed milestone would pin b1), and B ends three days late."""
    consultant = make_user("member")
    a = make_bid(value="5000000.00", win_probability_percent=50)
    b = make_bid(value="1000000.00", win_probability_percent=40, submission_deadline="2027-03-02")
    make_task(a["id"], name="方案设计 A", duration_days=3, owner_id=consultant.person_id)
    b1 = make_task(b["id"], name="技术交流 B", duration_days=2, owner_id=consultant.person_id)
    handover = make_task(b["id"], name="递交 Submission", duration_days=0, kind="milestone")
    make_link(b["id"], b1["id"], handover["id"], type="FS", lag_days=0)
    response = _propose(client, pmo.headers, {"a": a, "b": b})
    assert response.status_code == 200, response.text
    proposal = response.json()
    assert [(m["task_id"], m["new_start"]) for m in proposal["moves"]] == [
        (b1["id"], "2027-03-04"),
        (handover["id"], "2027-03-08"),
    ]
    (breach,) = proposal["deadline_breaches"]
    assert (breach["bid_id"], breach["new_finish"]) == (b["id"], "2027-03-05")
    assert (breach["days_late"], breach["working_days_late"]) == (3, 3)
    ours = [run for run in proposal["remaining"] if run["person_id"] == consultant.person_id]
    assert ours == []  # other tests' bids may stay in the database, fixed and in conflict


def test_accepting_a_stale_proposal_is_412(client, pmo, double_booking):
    proposal = _propose(client, pmo.headers, double_booking).json()
    path = f"/api/v1/tasks/{double_booking['a1']['id']}"
    headers = {**pmo.headers, "If-Match": etag_of(client, path, pmo.headers)}
    assert client.patch(path, json={"duration_days": 4}, headers=headers).status_code == 200
    accepted = client.post(ACCEPT, json=_accept_body(proposal), headers=pmo.headers)
    assert accepted.status_code == 412, accepted.text
    assert accepted.headers["content-type"].startswith("application/problem+json")
    assert len(_conflicts(client, pmo.headers, double_booking["person"])) == 1


def test_moves_that_are_not_the_proposal_are_refused(client, pmo, double_booking):
    body = _accept_body(_propose(client, pmo.headers, double_booking).json())
    body["moves"][0]["new_start"] = "2027-03-10"
    assert client.post(ACCEPT, json=body, headers=pmo.headers).status_code == 422


@pytest.mark.parametrize("role", ["lead", "finance", "member"])
def test_only_the_pmo_proposes_and_accepts(client, pmo, make_user, double_booking, role):
    proposal = _propose(client, pmo.headers, double_booking).json()
    other = make_user(role)
    assert _propose(client, other.headers, double_booking).status_code == 403
    accepted = client.post(ACCEPT, json=_accept_body(proposal), headers=other.headers)
    assert accepted.status_code == 403
    assert len(_conflicts(client, pmo.headers, double_booking["person"])) == 1


def test_who_sees_whose_load(client, make_user, make_bid, add_team_member, double_booking):
    person = double_booking["person"]
    finance = make_user("finance")
    assert len(_conflicts(client, finance.headers, person)) == 1
    stranger = make_user("lead")
    assert _conflicts(client, stranger.headers, person) == []
    lead = make_user("lead")
    bid = make_bid(lead=lead)
    consultant = type("Person", (), {"person_id": person})()
    add_team_member(bid["id"], consultant, "presales_consultant")
    (conflict,) = _conflicts(client, lead.headers, person)
    assert conflict["bid_ids"] == [] and conflict["other_bids"] == 2
    assert all(task["task_id"] is None for task in conflict["tasks"])
    viewer = make_user("viewer")
    assert client.get(LOAD, headers=viewer.headers).status_code == 403


def test_bad_input_is_4xx(client, pmo):
    bad_range = client.get(
        LOAD, params={"from": "2027-03-05", "to": "2027-03-01"}, headers=pmo.headers
    )
    assert bad_range.status_code == 422
    assert client.get(LOAD, params={"granularity": "month"}, headers=pmo.headers).status_code == 422
    unknown = client.post(PROPOSALS, json={"bid_ids": [2_000_000_000]}, headers=pmo.headers)
    assert unknown.status_code == 422
    assert client.get(CONFLICTS).status_code == 401
