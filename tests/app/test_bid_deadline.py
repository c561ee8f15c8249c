"""Through HTTP (SQLite and PostgreSQL): the submission deadline caps the submission milestone
and what drives it, never the work after it; and what ``POST /bids/{bid}/decompose`` promises
is exactly what ``GET /bids/{bid}/schedule`` then shows, with and without a status date."""

import pytest

from tests.app.conftest import etag_of

SUBMISSION = "execution.submission"
AFTER_SUBMISSION = ("execution.bid_opening", "execution.award_notice", "close_out.closed")


def _schedule(client, pmo, bid_id):
    response = client.get(f"/api/v1/bids/{bid_id}/schedule", headers=pmo.headers)
    assert response.status_code == 200, response.text
    return response.json()


def _tasks_by_code(client, pmo, bid_id):
    items = client.get(f"/api/v1/bids/{bid_id}/tasks?limit=1000", headers=pmo.headers).json()
    return {task["template_code"]: task for task in items["items"] if task["template_code"]}


@pytest.mark.parametrize("status_date", [None, "2027-03-19"])
def test_decompose_promises_what_the_saved_schedule_shows(client, pmo, make_bid, status_date):
    bid = make_bid(
        start_date="2027-03-01", submission_deadline="2027-05-28", status_date=status_date
    )
    url = f"/api/v1/bids/{bid['id']}/decompose"
    dry = client.post(url, json={"dry_run": True}, headers=pmo.headers).json()
    saved = client.post(url, json={}, headers=pmo.headers)
    assert saved.status_code == 201, saved.text
    promised = saved.json()
    assert {k: dry[k] for k in ("meets_deadline", "project_finish", "submission_float_days")} == {
        k: promised[k] for k in ("meets_deadline", "project_finish", "submission_float_days")
    }
    schedule = _schedule(client, pmo, bid["id"])
    assert schedule["project_finish"] == promised["project_finish"]
    shown = {task["id"]: task for task in schedule["tasks"]}
    for task in promised["tasks"]:
        row = shown[task["id"]]
        assert (row["start"], row["finish"], row["total_float"], row["critical"]) == (
            task["start"],
            task["finish"],
            task["total_float"],
            task["critical"],
        ), task["wbs_code"]
    submission = next(t for t in promised["tasks"] if t["template_code"] == SUBMISSION)
    assert promised["meets_deadline"] is (submission["finish"] <= "2027-05-28")
    assert promised["meets_deadline"] is (shown[submission["id"]]["total_float"] >= 0)
    if status_date is not None:  # nothing unstarted is planned before the status date
        assert min(t["start"] for t in schedule["tasks"]) >= status_date


def test_submission_deadline_makes_the_milestone_and_its_drivers_late_not_the_work_after(
    client, pmo, make_bid
):
    bid = make_bid(start_date="2027-03-01", submission_deadline="2027-05-28")
    url = f"/api/v1/bids/{bid['id']}/decompose"
    assert client.post(url, json={}, headers=pmo.headers).status_code == 201
    by_code = _tasks_by_code(client, pmo, bid["id"])
    submission = by_code[SUBMISSION]
    assert submission["planned_finish"] == "2027-05-28"  # fitted onto the deadline
    warnings = _schedule(client, pmo, bid["id"])["warnings"]
    assert [w for w in warnings if not w.startswith("calendar")] == []
    # the customer brings the deadline forward by two weeks
    path = f"/api/v1/bids/{bid['id']}"
    headers = {**pmo.headers, "If-Match": etag_of(client, path, pmo.headers)}
    response = client.patch(path, json={"submission_deadline": "2027-05-14"}, headers=headers)
    assert response.status_code == 200, response.text
    schedule = _schedule(client, pmo, bid["id"])
    rows = {task["id"]: task for task in schedule["tasks"]}
    by_code = _tasks_by_code(client, pmo, bid["id"])
    late = rows[by_code[SUBMISSION]["id"]]
    assert late["finish"] == "2027-05-28" and late["total_float"] == -10 and late["critical"]
    driver = rows[late["driving_predecessor"]]
    assert driver["total_float"] == -10
    for code in AFTER_SUBMISSION:
        after = rows[by_code[code]["id"]]
        assert after["start"] >= late["finish"]
        assert after["total_float"] >= 0, code  # it floats against the project finish
    deadline_warnings = [w for w in schedule["warnings"] if not w.startswith("calendar")]
    assert deadline_warnings == [
        f"task {late['id']} ({late['name']}) finishes 2027-05-28, after its deadline "
        "2027-05-14: 10 working days late"
    ]
    assert schedule["project_finish"] > "2027-05-28"  # no project deadline: no warning for it
    # the bid's Gantt still draws the submission deadline
    figure = client.get(f"/api/v1/bids/{bid['id']}/gantt", headers=pmo.headers).json()
    lines = [shape for shape in figure["layout"]["shapes"] if shape.get("name")]
    assert any(shape["name"].startswith("Submission deadline") for shape in lines)
