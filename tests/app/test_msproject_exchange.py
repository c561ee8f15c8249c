"""MS Project exchange without loss (issue 16): what an MSPDI file says survives import and
export; calendars, currency, actual costs and baseline 0 land in kampmo's own records; every
import answers with its report; .mpp without MPXJ is a clear 422."""

from __future__ import annotations

# ruff: noqa: E501 - the MSPDI sample keeps its elements on one line each
import datetime as dt
import json
import os
import sys
from decimal import Decimal

import pytest

from tests.app.test_cli import run as run_cli
from wbs.cpm import schedule as cpm_schedule
from wbs.formats.jsonplan import read_json_plan
from wbs.formats.mspdi import read_mspdi
from wbs.plan import ConstraintType

NS = "http://schemas.microsoft.com/project"
# 3 tasks: a 4-hour task with a note and actual cost 800.00, an ALAP task FS -50 % after it,
# a milestone 2 elapsed days after; one resource on task 17 at 50 %; baseline 0; UIDs 17/23/31
MSPDI = f"""<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="{NS}">
<Name>exchange.xml</Name><Title>华东电网 EMS 投标计划</Title><CurrencyCode>EUR</CurrencyCode>
<StartDate>2027-03-01T08:00:00</StartDate><CalendarUID>1</CalendarUID>
<MinutesPerDay>480</MinutesPerDay>
<Calendars><Calendar><UID>1</UID><Name>Standard</Name><IsBaseCalendar>1</IsBaseCalendar>
<WeekDays>
<WeekDay><DayType>1</DayType><DayWorking>0</DayWorking></WeekDay>
<WeekDay><DayType>2</DayType><DayWorking>1</DayWorking><WorkingTimes><WorkingTime><FromTime>08:00:00</FromTime><ToTime>12:00:00</ToTime></WorkingTime><WorkingTime><FromTime>13:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime></WorkingTimes></WeekDay>
<WeekDay><DayType>3</DayType><DayWorking>1</DayWorking><WorkingTimes><WorkingTime><FromTime>08:00:00</FromTime><ToTime>12:00:00</ToTime></WorkingTime><WorkingTime><FromTime>13:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime></WorkingTimes></WeekDay>
<WeekDay><DayType>4</DayType><DayWorking>1</DayWorking><WorkingTimes><WorkingTime><FromTime>08:00:00</FromTime><ToTime>12:00:00</ToTime></WorkingTime><WorkingTime><FromTime>13:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime></WorkingTimes></WeekDay>
<WeekDay><DayType>5</DayType><DayWorking>1</DayWorking><WorkingTimes><WorkingTime><FromTime>08:00:00</FromTime><ToTime>12:00:00</ToTime></WorkingTime><WorkingTime><FromTime>13:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime></WorkingTimes></WeekDay>
<WeekDay><DayType>6</DayType><DayWorking>1</DayWorking><WorkingTimes><WorkingTime><FromTime>08:00:00</FromTime><ToTime>12:00:00</ToTime></WorkingTime><WorkingTime><FromTime>13:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime></WorkingTimes></WeekDay>
<WeekDay><DayType>7</DayType><DayWorking>0</DayWorking></WeekDay>
</WeekDays>
<Exceptions><Exception><EnteredByOccurrences>0</EnteredByOccurrences><TimePeriod><FromDate>2027-03-03T00:00:00</FromDate><ToDate>2027-03-03T23:59:00</ToDate></TimePeriod><Occurrences>1</Occurrences><Type>1</Type><DayWorking>0</DayWorking></Exception></Exceptions>
</Calendar></Calendars>
<Tasks>
<Task><UID>17</UID><ID>1</ID><Name>客户调研</Name><OutlineLevel>1</OutlineLevel>
<Start>2027-03-01T08:00:00</Start><Finish>2027-03-01T12:00:00</Finish>
<Duration>PT4H0M0S</Duration><DurationFormat>5</DurationFormat><Milestone>0</Milestone>
<Summary>0</Summary><Cost>120000</Cost><ActualCost>80000</ActualCost>
<ActualStart>2027-03-01T08:00:00</ActualStart><PercentComplete>50</PercentComplete>
<Notes>先见客户 CIO</Notes>
<Baseline><Number>0</Number><Start>2027-03-01T08:00:00</Start><Finish>2027-03-01T12:00:00</Finish><Duration>PT4H0M0S</Duration><Cost>100000</Cost></Baseline>
</Task>
<Task><UID>23</UID><ID>2</ID><Name>方案设计</Name><OutlineLevel>1</OutlineLevel>
<Duration>PT16H0M0S</Duration><DurationFormat>7</DurationFormat><Manual>1</Manual><ConstraintType>1</ConstraintType>
<PredecessorLink><PredecessorUID>17</PredecessorUID><Type>1</Type><LinkLag>-50</LinkLag><LagFormat>19</LagFormat></PredecessorLink>
</Task>
<Task><UID>31</UID><ID>3</ID><Name>递交标书</Name><OutlineLevel>1</OutlineLevel>
<Duration>PT0H0M0S</Duration><Milestone>1</Milestone>
<PredecessorLink><PredecessorUID>23</PredecessorUID><Type>1</Type><LinkLag>28800</LinkLag><LagFormat>8</LagFormat></PredecessorLink>
</Task>
</Tasks>
<Resources><Resource><UID>5</UID><ID>1</ID><Name>王工 presales</Name><MaxUnits>1.00</MaxUnits></Resource></Resources>
<Assignments><Assignment><UID>9</UID><TaskUID>17</TaskUID><ResourceUID>5</ResourceUID><Units>0.5</Units><Work>PT2H0M0S</Work></Assignment></Assignments>
</Project>
""".encode()


def upload(client, headers, content: bytes, name: str):
    files = {"file": (name, content, "application/octet-stream")}
    return client.post("/api/v1/bids/import", files=files, headers=headers)


def export(client, headers, bid_id: int) -> bytes:
    response = client.get(f"/api/v1/bids/{bid_id}/export?format=mspdi", headers=headers)
    assert response.status_code == 200, response.text
    return response.content


def test_mspdi_import_keeps_and_maps_and_reports(client, pmo):
    response = upload(client, pmo.headers, MSPDI, "exchange.xml")
    assert response.status_code == 201, response.text
    bid = response.json()
    assert bid["currency"] == "EUR"
    assert bid["calendar_id"] is not None  # the file's calendar, with its 03-03 holiday
    report = bid["import_report"]
    assert report["tasks"] == 3 and report["resources"] == 1
    assert report["actual_cost_entries"] == 1
    families = report["families"]
    assert families["notes"] == {
        "in_file": 1,
        "mapped": 0,
        "kept": 1,
        "lost": 0,
        "tasks_lost": [],
    }
    assert families["duration"]["kept"] == 1  # the 4-hour task: days cannot say it
    assert families["link_lags"]["kept"] == 2
    assert families["baselines"]["mapped"] == 1
    assert families["resources"]["kept"] == 1  # placeholder resources, exported again
    assert families["manual"]["tasks_lost"] == ["23"]  # kampmo schedules it automatically
    assert any("manually scheduled" in note for note in report["notes"])
    # the holiday on Wednesday 03-03 moves the 2-day task after the 4-hour one
    tasks = {
        t["name"]: t
        for t in client.get(f"/api/v1/bids/{bid['id']}/schedule", headers=pmo.headers).json()[
            "tasks"
        ]
    }
    assert tasks["方案设计"]["kind"] == "task"
    # the actual cost is booked: the cost report's AC is MS Project's ACWP, 800.00
    baselines = client.get(f"/api/v1/bids/{bid['id']}/baselines", headers=pmo.headers)
    assert baselines.status_code == 200, baselines.text
    items = baselines.json()
    items = items["items"] if isinstance(items, dict) else items
    assert any("baseline 0" in b["name"] for b in items)

    plan = read_mspdi(export(client, pmo.headers, bid["id"]))
    by_uid = {t.id: t for t in plan.tasks}
    assert sorted(by_uid) == ["17", "23", "31"]
    assert plan.extra["title"] == "华东电网 EMS 投标计划"
    assert plan.extra["currency_code"] == "EUR"
    research = by_uid["17"]
    assert research.duration == 240 and research.extra["duration_format"] == 5
    assert research.extra["notes"] == "先见客户 CIO"
    assert research.extra["cost"] == Decimal("1200.00")
    assert research.extra["actual_cost"] == Decimal("800.00")
    assert research.extra["baselines"][0]["cost"] == Decimal("1000.00")
    assert research.extra["assignments"][0]["units"] == Decimal("0.5")
    assert research.extra["assignments"][0]["work_minutes"] == 120
    assert [r.name for r in plan.resources] == ["王工 presales"]
    design = by_uid["23"]
    assert design.constraint is not None and design.constraint.type == ConstraintType.ALAP
    assert design.extra["manual"] is True
    assert design.extra["link_lags"]["17"]["lag_format"] == 19  # still a percentage lag
    assert design.extra["link_lags"]["17"]["link_lag"] == -50
    submit = by_uid["31"]
    assert submit.is_milestone
    assert submit.extra["ms_project"]["start"] == submit.extra["ms_project"]["finish"]
    link = next(link for link in plan.links if link.successor == "31")
    assert link.lag_elapsed and link.lag == 2880  # 2 elapsed days
    assert plan.calendars["Standard"].weekly[0] == ((480, 720), (780, 1020))


def test_a_second_round_trip_changes_nothing(client, pmo):
    first = export(client, pmo.headers, upload(client, pmo.headers, MSPDI, "a.xml").json()["id"])
    again = upload(client, pmo.headers, first, "a-again.xml")
    assert again.status_code == 201, again.text
    second = export(client, pmo.headers, again.json()["id"])
    assert read_mspdi(first) == read_mspdi(second)


def test_json_plan_calendar_becomes_the_bids_calendar(client, pmo):
    # 2027-09-30 is a Thursday; 10-01..10-07 is China's National Day holiday
    plan = {
        "name": "国庆前后 around National Day",
        "start": "2027-09-30",
        "calendar": "CN",
        "tasks": [
            {"id": "a", "name": "调研", "duration_days": 3},
            {"id": "b", "name": "方案", "duration_days": 2},
        ],
        "links": [{"from": "a", "to": "b"}],
    }
    content = json.dumps(plan, ensure_ascii=False).encode()
    response = upload(client, pmo.headers, content, "cn.json")
    assert response.status_code == 201, response.text
    bid = response.json()
    assert bid["calendar_id"] is not None
    calendar = client.get(f"/api/v1/calendars/{bid['calendar_id']}", headers=pmo.headers).json()
    assert calendar["holidays_country"] == "CN"
    offline = cpm_schedule(read_json_plan(content))  # what `kampmo schedule` says
    stored = client.get(f"/api/v1/bids/{bid['id']}/schedule", headers=pmo.headers).json()
    assert stored["project_finish"] == str(offline.project_finish)
    standard = cpm_schedule(read_json_plan(content.replace(b'"CN"', b'"standard"')))
    assert stored["project_finish"] > str(standard.project_finish)  # the holidays count


def test_mpp_without_mpxj_is_a_clear_422(client, pmo, monkeypatch):
    monkeypatch.setitem(sys.modules, "mpxj", None)  # as if the extra were not installed
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    response = upload(client, pmo.headers, ole2, "plan.mpp")
    assert response.status_code == 422, response.text
    body = response.json()
    assert "MPXJ" in body["detail"] and "default-jre-headless" in body["detail"]
    assert "kampmo[mpp]" in body["detail"]


def test_owned_bid_exports_resources_assignments_and_whole_milestones(
    client, pmo, make_bid, make_task, make_person
):
    bid = make_bid()
    person = make_person(name="李四 Li Si")
    task = make_task(bid["id"], duration_days=3, owner_id=person["id"])
    make_task(bid["id"], duration_days=0, kind="milestone")
    plan = read_mspdi(export(client, pmo.headers, bid["id"]))
    assert [r.name for r in plan.resources] == ["李四 Li Si"]
    owned = next(t for t in plan.tasks if t.name == task["name"])
    assert owned.extra["assignments"][0]["resource"] == plan.resources[0].id
    milestone = next(t for t in plan.tasks if t.is_milestone)
    assert milestone.extra["ms_project"]["start"] == milestone.extra["ms_project"]["finish"]


def test_cli_report_lines_name_what_was_not_kept():
    from app.cli import import_report_lines

    report = {
        "tasks": 2,
        "links": 1,
        "resources": 0,
        "format": "mspdi",
        "read_by": "kampmo",
        "calendar": None,
        "actual_cost_entries": 0,
        "families": {
            "manual": {"in_file": 1, "mapped": 0, "kept": 0, "lost": 1, "tasks_lost": ["7"]}
        },
        "notes": [],
    }
    lines = import_report_lines(report)
    assert lines[0].startswith("import: 2 tasks, 1 links")
    assert lines[1] == "  manual: 1 in the file, 0 mapped, 0 kept for export, 1 not kept (tasks 7)"


def test_a_cn_bid_exports_its_holidays_and_reimports_the_same_schedule(client, pmo):
    plan = {
        "name": "国庆 round trip",
        "start": "2026-09-28",
        "calendar": "CN",
        "tasks": [
            {"id": "a", "name": "调研", "duration_days": 4},
            {"id": "b", "name": "方案", "duration_days": 3},
        ],
        "links": [{"from": "a", "to": "b"}],
    }
    first = upload(client, pmo.headers, json.dumps(plan).encode(), "cn.json").json()
    exported = export(client, pmo.headers, first["id"])
    calendar = next(iter(read_mspdi(exported).calendars.values()))
    assert calendar.exceptions[dt.date(2026, 10, 1)] == ()  # National Day
    assert calendar.exceptions[dt.date(2026, 10, 10)]  # the make-up Saturday works
    again = upload(client, pmo.headers, exported, "cn.xml")
    assert again.status_code == 201, again.text
    first_schedule = client.get(f"/api/v1/bids/{first['id']}/schedule", headers=pmo.headers)
    again_schedule = client.get(f"/api/v1/bids/{again.json()['id']}/schedule", headers=pmo.headers)
    assert again_schedule.json()["project_finish"] == first_schedule.json()["project_finish"]
    assert first_schedule.json()["project_finish"] > "2026-10-07"


@pytest.fixture
def cli_env(tmp_path) -> dict[str, str]:
    env = {**os.environ, "KAMPMO_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    assert run_cli(["db", "upgrade"], env).returncode == 0
    return env


def test_cli_import_prints_the_report_then_the_bid_id(cli_env, tmp_path):
    path = tmp_path / "exchange.xml"
    path.write_bytes(MSPDI)
    result = run_cli(["import", str(path)], cli_env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("import: 3 tasks, 2 links, 1 resources (mspdi, read by kampmo)")
    assert any(line.startswith("  notes: 1 in the file") for line in lines)
    assert any("manual: 1 in the file" in line and "(tasks 23)" in line for line in lines)
    bid_id = int(lines[-1])
    out = tmp_path / "out.xml"
    exported = run_cli(["export", str(bid_id), "--format", "mspdi", "-o", str(out)], cli_env)
    assert exported.returncode == 0, exported.stderr
    assert sorted(t.id for t in read_mspdi(out).tasks) == ["17", "23", "31"]
