"""Long work as jobs, through HTTP, on SQLite (the server's own runner) and PostgreSQL (a real
``kampmo worker`` process over Procrastinate): 202 + Location, progress from 0 to 1 with
messages, results equal to the synchronous endpoints', who may read a job, a failing job's
problem+json reason, bad input refused with nothing stored."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from tests.app.jobs_support import WorkerProcess, follow

JOBS = "/api/v1/jobs"


@pytest.fixture(scope="module", autouse=True)
def job_worker(db_url, app, tmp_path_factory):
    """PostgreSQL: one ``kampmo worker`` runs this module's jobs; SQLite: the server does."""
    if db_url.startswith("sqlite"):
        yield None
        return
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with WorkerProcess(db_url, log=log) as worker:
        drain(db_url)
        yield worker


def drain(db_url: str, timeout: float = 120.0) -> None:
    """Jobs other modules queued with no worker running (the authorization matrix starts
    imports) run first: otherwise an import finishing mid-test changes the portfolio a
    proposal was computed from."""
    import time

    from sqlalchemy import create_engine

    from app.jobs.models import Job

    engine = create_engine(db_url)
    deadline = time.monotonic() + timeout
    try:
        with engine.connect() as connection:
            while True:
                pending = connection.scalar(
                    select(func.count(Job.id)).where(Job.status.in_(("queued", "running")))
                )
                if not pending:
                    return
                assert time.monotonic() < deadline, f"{pending} earlier jobs still pending"
                connection.rollback()
                time.sleep(0.1)
    finally:
        engine.dispose()


def start(client, headers, kind: str, **params: Any):
    return client.post(JOBS, json={"kind": kind, "params": params}, headers=headers)


def started(response) -> str:
    assert response.status_code == 202, response.text
    location = response.headers["Location"]
    assert location == f"{JOBS}/{response.json()['id']}"
    assert response.json()["status"] == "queued"
    return location


def finished(client, location: str, headers) -> tuple[dict[str, Any], list]:
    body, seen = follow(client, location, headers)
    assert body["status"] == "succeeded", body
    return body, seen


def assert_progress_0_to_1(body: dict[str, Any]) -> None:
    steps = body["steps"]
    fractions = [step["progress"] for step in steps]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert body["progress"] == 1.0
    started_at = next(i for i, s in enumerate(steps) if s["message"].startswith("started"))
    assert fractions[started_at:] == sorted(fractions[started_at:]), steps
    assert all(step["message"] for step in steps)
    assert len({step["message"] for step in steps}) >= 4, steps  # real steps, not just 0 and 1


def jobs_count(db_session) -> int:
    from app.jobs.models import Job

    db_session.expire_all()
    return int(db_session.scalar(select(func.count(Job.id))))


@pytest.fixture
def double_booking(make_user, make_bid, make_task):
    consultant = make_user("member")
    a = make_bid(value="5000000.00", win_probability_percent=50, start_date="2027-03-01")
    b = make_bid(value="1000000.00", win_probability_percent=40, start_date="2027-03-01")
    make_task(a["id"], name="方案设计 A", duration_days=3, owner_id=consultant.person_id)
    b1 = make_task(b["id"], name="技术交流 B", duration_days=2, owner_id=consultant.person_id)
    return {"a": a, "b": b, "b1": b1}


def test_leveling_proposal_job_equals_the_synchronous_proposal(client, pmo, double_booking):
    body = {
        "bid_ids": [double_booking["a"]["id"], double_booking["b"]["id"]],
        "level_from": "2027-03-01",
    }
    location = started(start(client, pmo.headers, "leveling-proposal", **body))
    job, _ = finished(client, location, pmo.headers)
    assert_progress_0_to_1(job)
    assert job["result"] == f"{location}/result"
    result = client.get(job["result"], headers=pmo.headers)
    assert result.status_code == 200, result.text
    synchronous = client.post(
        "/api/v1/resources/leveling-proposals", json=body, headers=pmo.headers
    )
    assert synchronous.status_code == 200, synchronous.text
    assert result.json() == synchronous.json()
    assert [m["task_id"] for m in result.json()["moves"]] == [double_booking["b1"]["id"]]


def _cells(content: bytes) -> dict[str, list[tuple[Any, ...]]]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def test_portfolio_xlsx_job_equals_the_synchronous_download(client, make_user, make_bid):
    finance = make_user("finance")
    make_bid(title="成本报表作业 Report job")
    params = {"format": "xlsx", "status_date": "2027-03-15"}
    location = started(start(client, finance.headers, "cost-control-report", **params))
    job, _ = finished(client, location, finance.headers)
    assert_progress_0_to_1(job)
    assert any(re.match(r"bid \d+ of \d+", step["message"]) for step in job["steps"])
    download = client.get(job["result"], headers=finance.headers)
    assert download.status_code == 200
    assert download.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "kampmo-cost-control-portfolio.xlsx" in download.headers["content-disposition"]
    synchronous = client.get(
        "/api/v1/reports/cost-control",
        params={"format": "xlsx", "status_date": "2027-03-15"},
        headers=finance.headers,
    )
    assert synchronous.status_code == 200
    cells = _cells(download.content)
    assert cells == _cells(synchronous.content)
    assert any("成本报表作业 Report job" in str(row) for rows in cells.values() for row in rows)


def test_a_bid_report_job_is_read_by_the_bids_readers_only(
    client, make_user, make_bid, add_team_member
):
    lead, other_lead, member = make_user("lead"), make_user("lead"), make_user("member")
    bid = make_bid(lead=lead)
    add_team_member(bid["id"], member)
    params = {"bid": bid["id"], "format": "json", "status_date": "2027-03-15"}
    location = started(start(client, lead.headers, "cost-control-report", **params))
    job, _ = finished(client, location, lead.headers)
    synchronous = client.get(
        "/api/v1/reports/cost-control",
        params={"bid": bid["id"], "status_date": "2027-03-15"},
        headers=lead.headers,
    )
    assert client.get(job["result"], headers=member.headers).json() == synchronous.json()
    not_theirs = start(client, other_lead.headers, "cost-control-report", bid=bid["id"])
    assert not_theirs.status_code == 404, not_theirs.text
    for path in (location, job["result"]):
        refused = client.get(path, headers=other_lead.headers)
        assert refused.status_code == 404, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
    assert client.get(location).status_code == 401


def _plan(name: str, *, cycle: bool = False) -> bytes:
    tasks = [
        {"id": "t1", "name": "客户调研 research", "duration_days": 3},
        {"id": "t2", "name": "方案设计 solution", "duration_days": 4},
        {"id": "t3", "name": "递交 submit", "duration_days": 0},
    ]
    links = [{"from": "t1", "to": "t2", "type": "FS"}, {"from": "t2", "to": "t3", "type": "SS"}]
    if cycle:
        links.append({"from": "t3", "to": "t1", "type": "FS"})
    plan = {"name": name, "start": "2027-03-01", "calendar": "CN", "tasks": tasks, "links": links}
    return json.dumps(plan, ensure_ascii=False).encode()


def _schedule_rows(client, bid_id: int, headers) -> list[tuple[Any, ...]]:
    schedule = client.get(f"/api/v1/bids/{bid_id}/schedule", headers=headers).json()
    keys = ("name", "start", "finish", "total_float", "free_float", "critical")
    return [tuple(task[k] for k in keys) for task in schedule["tasks"]]


def test_import_job_equals_the_synchronous_import(client, make_user):
    lead = make_user("lead")
    content = _plan("导入作业 import job")
    response = client.post(
        f"{JOBS}/import", files={"file": ("plan.json", content)}, headers=lead.headers
    )
    location = started(response)
    job, _ = finished(client, location, lead.headers)
    assert_progress_0_to_1(job)
    assert job["result"].startswith("/api/v1/bids/") and job["bid_id"]
    by_job = client.get(job["result"], headers=lead.headers).json()
    synchronous = client.post(
        "/api/v1/bids/import", files={"file": ("plan.json", content)}, headers=lead.headers
    )
    assert synchronous.status_code == 201, synchronous.text
    # each import makes its own bid and its own copy of the file's calendar
    volatile = {"id", "created_at", "updated_at", "version", "calendar_id"}
    result = client.get(f"{location}/result", headers=lead.headers).json()
    assert {k: v for k, v in result.items() if k not in volatile} == {
        k: v for k, v in synchronous.json().items() if k not in volatile
    }
    assert result["id"] == by_job["id"] == job["bid_id"]
    rows = _schedule_rows(client, by_job["id"], lead.headers)
    assert rows and rows == _schedule_rows(client, synchronous.json()["id"], lead.headers)


def test_a_failing_job_ends_failed_with_a_problem_and_stores_nothing(client, make_user, pmo):
    lead = make_user("lead")
    name = "环路作业 cyclic job"
    response = client.post(
        f"{JOBS}/import",
        files={"file": ("plan.json", _plan(name, cycle=True))},
        headers=lead.headers,
    )
    job, _ = follow(client, started(response), lead.headers)
    assert job["status"] == "failed", job
    problem = job["error"]
    assert problem["status"] == 422 and problem["type"].startswith("https://kampmo.dev/problems/")
    assert "cycle" in problem["detail"]
    synchronous = client.post(
        "/api/v1/bids/import",
        files={"file": ("plan.json", _plan(name, cycle=True))},
        headers=lead.headers,
    )
    assert synchronous.status_code == 422
    same = ("type", "title", "status")
    assert {k: problem[k] for k in same} == {k: synchronous.json()[k] for k in same}
    # the same words; the ids differ (PostgreSQL does not give back the rolled-back ones)
    assert re.sub(r"\d+", "N", problem["detail"]) == re.sub(
        r"\d+", "N", synchronous.json()["detail"]
    )
    assert job["result"] is None and job["attempts"] == 1  # a refusal is not retried
    assert job["message"].startswith("failed")
    result = client.get(f"{JOBS}/{job['id']}/result", headers=lead.headers)
    assert result.status_code == 409
    bids = client.get("/api/v1/bids", params={"limit": 1000}, headers=pmo.headers).json()
    assert name not in {bid["title"] for bid in bids["items"]}


@pytest.mark.parametrize(
    ("role", "body", "status", "field"),
    [
        ("pmo", {"kind": "no-such-kind"}, 422, "kind"),
        ("pmo", {"kind": "import"}, 422, "kind"),  # uploads go to /jobs/import
        ("pmo", {"kind": "leveling-proposal", "params": {"level_from": "soon"}}, 422, None),
        ("pmo", {"kind": "leveling-proposal", "params": {"bid_ids": [2147483000]}}, 422, None),
        ("pmo", {"kind": "leveling-proposal", "params": {"extra": 1}}, 422, "params.extra"),
        ("finance", {"kind": "leveling-proposal"}, 403, None),
        ("finance", {"kind": "cost-control-report", "params": {"format": "pdf"}}, 422, None),
        ("finance", {"kind": "cost-control-report", "params": {"bid": 2147483000}}, 404, None),
        ("lead", {"kind": "cost-control-report", "params": {"currency": "yuan"}}, 422, None),
        ("pmo", {"params": {}}, 422, "kind"),
    ],
)
def test_bad_job_input_is_a_4xx_problem_and_stores_nothing(
    client, make_user, db_session, role, body, status, field
):
    user = make_user(role)
    before = jobs_count(db_session)
    response = client.post(JOBS, json=body, headers=user.headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if field is not None:
        assert field in {error["field"] for error in response.json().get("errors", [])}
    assert jobs_count(db_session) == before


def test_bad_uploads_and_refused_importers(client, make_user, db_session):
    lead, finance = make_user("lead"), make_user("finance")
    before = jobs_count(db_session)
    empty = client.post(f"{JOBS}/import", files={"file": ("p.json", b"")}, headers=lead.headers)
    assert empty.status_code == 422, empty.text
    refused = client.post(
        f"{JOBS}/import", files={"file": ("p.json", _plan("x"))}, headers=finance.headers
    )
    assert refused.status_code == 403, refused.text
    missing = client.post(f"{JOBS}/import", headers=lead.headers)
    assert missing.status_code == 422
    assert jobs_count(db_session) == before
    assert client.get(f"{JOBS}/2147483000", headers=lead.headers).status_code == 404
    assert client.get(f"{JOBS}/0", headers=lead.headers).status_code == 422


def test_kinds_are_listed_with_their_parameters(client, make_user):
    kinds = client.get(f"{JOBS}/kinds", headers=make_user("lead").headers).json()["items"]
    names = {kind["kind"]: kind for kind in kinds}
    assert {"leveling-proposal", "cost-control-report", "import"} <= set(names)
    assert "level_from" in names["leveling-proposal"]["params"]["properties"]
    assert names["import"]["upload"] is True


def test_an_attempt_given_up_for_dead_cannot_overwrite_its_successor(session_factory, pmo):
    """The fencing every runner relies on: writes name the attempt that claimed the job."""
    from app.auth.models import User
    from app.jobs import service
    from app.jobs.registry import JobOutput

    with session_factory() as session:
        job = service.create_job(
            session,
            session.get(User, pmo.id),
            "leveling-proposal",
            {},
            runner="test",
            max_attempts=2,
        )
        session.commit()
        job_id = job.id
    first = service.claim(session_factory, job_id, "host:1")
    assert first is not None and first.attempts == 1 and first.status == "running"
    assert service.claim(session_factory, job_id, "host:2") is None  # one runner at a time
    assert service.report_progress(session_factory, job_id, 1, 0.5, "half")
    assert service.recover(session_factory, job_id, "host:1 stopped") == "retry"
    second = service.claim(session_factory, job_id, "host:2")
    assert second is not None and second.attempts == 2
    assert not service.report_progress(session_factory, job_id, 1, 0.9, "zombie")
    assert not service.succeed(session_factory, job_id, 1, JobOutput(data={"from": "zombie"}))
    assert service.succeed(session_factory, job_id, 2, JobOutput(data={"from": "attempt 2"}))
    with session_factory() as session:
        row = session.get(service.Job, job_id)
        assert (row.status, row.result, row.worker) == (
            "succeeded",
            {"from": "attempt 2"},
            "host:2",
        )
        messages = [step["message"] for step in row.steps]
    assert "zombie" not in messages and any("host:1 stopped; retrying" in m for m in messages)
    assert service.recover(session_factory, job_id, "late") == "done"


def test_attempts_spent_end_in_failed_with_the_reason(session_factory, pmo):
    from app.auth.models import User
    from app.jobs import service

    with session_factory() as session:
        job = service.create_job(
            session, session.get(User, pmo.id), "import", {}, runner="test", max_attempts=1
        )
        session.commit()
        job_id = job.id
    assert service.claim(session_factory, job_id, "host:1") is not None
    assert service.recover(session_factory, job_id, "host:1 stopped") == "failed"
    with session_factory() as session:
        row = session.get(service.Job, job_id)
        assert row.status == "failed" and row.error["type"].endswith("/worker-lost")
        assert "host:1 stopped" in row.error["detail"] and row.finished_at is not None


def test_kampmo_worker_refuses_sqlite(tmp_path):
    import subprocess

    from tests.app.live_server import KAMPMO, kampmo_env

    done = subprocess.run(
        [str(KAMPMO), "worker"],
        env=kampmo_env(f"sqlite:///{tmp_path / 'w.db'}"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "PostgreSQL" in done.stderr


def test_the_list_holds_the_callers_own_jobs(client, make_user, pmo):
    lead, other = make_user("lead"), make_user("lead")
    mine = started(start(client, lead.headers, "cost-control-report", format="json"))
    started(start(client, other.headers, "cost-control-report", format="json"))
    follow(client, mine, lead.headers)
    listed = client.get(JOBS, headers=lead.headers).json()
    assert listed["total"] == 1 and [job["id"] for job in listed["items"]] == [
        int(mine.rsplit("/", 1)[1])
    ]
    done = client.get(JOBS, params={"status": "succeeded"}, headers=lead.headers).json()
    assert done["total"] == 1
    everyone = client.get(
        JOBS, params={"kind": "cost-control-report", "limit": 1000}, headers=pmo.headers
    )
    assert {job["requested_by"] for job in everyone.json()["items"]} >= {lead.id, other.id}
    bad = client.get(JOBS, params={"status": "lost"}, headers=lead.headers)
    assert bad.status_code == 422


def test_portfolio_risk_job_equals_each_bids_risk(client, make_user, make_bid, make_task, pmo):
    """The portfolio risk run (kind ``portfolio-risk``): every open bid's P(on time) and P80
    dates, the same as each bid's own ``GET /bids/{bid}/risk`` with the same seed."""
    bids = []
    for title, days in (("组合风险 甲 Portfolio risk A", 10), ("组合风险 乙 Portfolio risk B", 40)):
        bid = make_bid(title=title, start_date="2027-03-01", submission_deadline="2027-04-09")
        make_task(bid["id"], name="方案 Solution", duration_days=days, pessimistic_days=days * 2)
        bids.append(bid)
    lead = make_user("lead")
    refused = start(client, lead.headers, "portfolio-risk", iterations=200, seed=7)
    assert refused.status_code == 403, refused.text
    location = started(start(client, pmo.headers, "portfolio-risk", iterations=200, seed=7))
    job, _ = finished(client, location, pmo.headers)
    assert_progress_0_to_1(job)
    assert any(re.match(r"\d+ of \d+ bids", step["message"]) for step in job["steps"])
    result = client.get(job["result"], headers=pmo.headers).json()
    assert result["iterations"] == 200 and result["seed"] == 7
    rows = {row["bid_id"]: row for row in result["bids"]}
    for bid in bids:
        own = client.get(
            f"/api/v1/bids/{bid['id']}/risk", params={"iterations": 200, "seed": 7},
            headers=pmo.headers,
        ).json()  # fmt: skip
        row = rows[bid["id"]]
        assert row["p_meet_submission"] == own["p_meet_submission"]
        assert row["submission_p80"] == own["submission_p80"]
    # 10 to 20 working days always fit the deadline (30 days away); 40 to 80 never do
    assert rows[bids[0]["id"]]["p_meet_submission"] == 1.0
    assert rows[bids[1]["id"]]["p_meet_submission"] == 0.0
