"""MS Project XML (MSPDI): value parsing, a hand-written file, the MPXJ/Aspose files, round trip."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import pytest

from wbs.formats import FormatError, read_plan
from wbs.formats.mspdi import format_duration, parse_duration_minutes, read_mspdi, write_mspdi
from wbs.plan import CalendarSpec, Constraint, ConstraintType, Link, LinkType, Plan, Task

NS = 'xmlns="http://schemas.microsoft.com/project"'


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("PT8H0M0S", 480),
        ("PT0H1M0S", 1),
        ("PT57H8M24S", 3428),  # 57 h 8.4 min
        ("PT720H0M0S", 43200),
        ("-PT4H30M0S", -270),
        ("PT-8H0M0S", -480),  # as Aspose writes negative remaining durations
        ("P1DT2H", 1560),
        ("", 0),
    ],
)
def test_parse_duration(text: str, minutes: int) -> None:
    assert parse_duration_minutes(text) == minutes


def test_format_duration_reads_back() -> None:
    for minutes in (0, 1, 480, 2459, -960):
        assert parse_duration_minutes(format_duration(minutes)) == minutes


def test_bad_duration_is_a_format_error() -> None:
    with pytest.raises(FormatError, match="bad duration"):
        parse_duration_minutes("8 hours")


HAND_WRITTEN = f"""<?xml version="1.0" encoding="UTF-8"?>
<Project {NS}><Name>投标计划</Name><StartDate>2027-01-04T08:00:00</StartDate>
<StatusDate>2027-01-06T17:00:00</StatusDate><CalendarUID>1</CalendarUID>
<Calendars>
 <Calendar><UID>1</UID><Name>Standard</Name><IsBaseCalendar>1</IsBaseCalendar>
  <BaseCalendarUID>-1</BaseCalendarUID><WeekDays>
  <WeekDay><DayType>1</DayType><DayWorking>0</DayWorking></WeekDay>
  <WeekDay><DayType>2</DayType><DayWorking>1</DayWorking><WorkingTimes>
   <WorkingTime><FromTime>08:00:00</FromTime><ToTime>12:00:00</ToTime></WorkingTime>
   <WorkingTime><FromTime>13:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime>
  </WorkingTimes></WeekDay>
  <WeekDay><DayType>0</DayType><DayWorking>0</DayWorking><TimePeriod>
   <FromDate>2027-02-10T00:00:00</FromDate><ToDate>2027-02-12T23:59:00</ToDate></TimePeriod></WeekDay>
  </WeekDays>
  <Exceptions><Exception><TimePeriod><FromDate>2027-02-07T00:00:00</FromDate>
   <ToDate>2027-02-07T23:59:00</ToDate></TimePeriod><Occurrences>1</Occurrences><Type>1</Type>
   <DayWorking>1</DayWorking><WorkingTimes><WorkingTime><FromTime>09:00:00</FromTime>
   <ToTime>00:00:00</ToTime></WorkingTime></WorkingTimes></Exception></Exceptions>
 </Calendar>
 <Calendar><UID>2</UID><Name>Night</Name><IsBaseCalendar>0</IsBaseCalendar>
  <BaseCalendarUID>1</BaseCalendarUID><WeekDays>
  <WeekDay><DayType>7</DayType><DayWorking>1</DayWorking><WorkingTimes>
   <WorkingTime><FromTime>22:00:00</FromTime><ToTime>00:00:00</ToTime></WorkingTime>
  </WorkingTimes></WeekDay></WeekDays></Calendar>
</Calendars>
<Tasks>
 <Task><UID>0</UID><Name>project summary</Name><OutlineLevel>0</OutlineLevel>
  <Summary>1</Summary></Task>
 <Task><UID>1</UID><Name>准备</Name><WBS>1</WBS><OutlineLevel>1</OutlineLevel>
  <Duration>PT16H0M0S</Duration><Summary>1</Summary></Task>
 <Task><UID>2</UID><Name>Analyse</Name><WBS>1.1</WBS><OutlineLevel>2</OutlineLevel>
  <Start>2027-01-04T08:00:00</Start><Finish>2027-01-04T17:00:00</Finish>
  <Duration>PT8H0M0S</Duration><DurationFormat>7</DurationFormat>
  <Critical>1</Critical><TotalSlack>0</TotalSlack><FreeSlack>4800</FreeSlack>
  <PercentComplete>50</PercentComplete><ActualStart>2027-01-04T08:00:00</ActualStart>
  <RemainingDuration>PT4H0M0S</RemainingDuration>
  <Cost>120050</Cost><ACWP>60025.00</ACWP>
  <ConstraintType>4</ConstraintType><ConstraintDate>2027-01-04T08:00:00</ConstraintDate>
  <Deadline>2027-01-08T17:00:00</Deadline><CalendarUID>2</CalendarUID>
  <Baseline><Number>0</Number><Start>2027-01-04T08:00:00</Start><Duration>PT8H0M0S</Duration>
   <Cost>100000</Cost></Baseline></Task>
 <Task><UID>3</UID><IsNull>1</IsNull><OutlineLevel>0</OutlineLevel></Task>
 <Task><UID>4</UID><Name>Write</Name><WBS>1.2</WBS><OutlineLevel>2</OutlineLevel>
  <Duration>PT24H0M0S</Duration><DurationFormat>8</DurationFormat>
  <TotalSlack>-4800</TotalSlack>
  <PredecessorLink><PredecessorUID>2</PredecessorUID><Type>3</Type><LinkLag>-4800</LinkLag>
   <LagFormat>7</LagFormat></PredecessorLink>
  <PredecessorLink><PredecessorUID>1</PredecessorUID><Type>0</Type><LinkLag>14400</LinkLag>
   <LagFormat>8</LagFormat></PredecessorLink>
  <PredecessorLink><PredecessorUID>2</PredecessorUID><Type>2</Type><LinkLag>50</LinkLag>
   <LagFormat>19</LagFormat></PredecessorLink>
  <PredecessorLink><PredecessorUID>99</PredecessorUID><Type>1</Type><LinkLag>0</LinkLag>
   <LagFormat>7</LagFormat></PredecessorLink></Task>
 <Task><UID>5</UID><Name>Submit</Name><OutlineLevel>1</OutlineLevel><Milestone>1</Milestone>
  <Duration>PT0H0M0S</Duration><ConstraintType>7</ConstraintType>
  <ConstraintDate>2027-01-15T17:00:00</ConstraintDate></Task>
</Tasks>
<Resources><Resource><UID>0</UID></Resource>
 <Resource><UID>7</UID><Name>售前顾问</Name><MaxUnits>2.00</MaxUnits></Resource></Resources>
<Assignments>
 <Assignment><UID>1</UID><TaskUID>2</TaskUID><ResourceUID>7</ResourceUID><Units>1.5</Units>
  <Cost>120050</Cost><ACWP>60025.00</ACWP><Work>PT12H0M0S</Work></Assignment>
 <Assignment><UID>2</UID><TaskUID>4</TaskUID><ResourceUID>-65535</ResourceUID><Units>1</Units></Assignment>
</Assignments>
</Project>
""".encode()


def test_hand_written_file() -> None:
    plan = read_mspdi(HAND_WRITTEN)
    assert plan.unit == "minute"
    assert plan.name == "投标计划"
    assert plan.start == datetime(2027, 1, 4, 8)
    assert plan.status_date == datetime(2027, 1, 6, 17)
    assert [task.id for task in plan.tasks] == ["1", "2", "4", "5"]  # UID 0 and the null row go
    tasks = plan.task_index()
    assert tasks["1"].is_summary and tasks["1"].parent is None
    assert (tasks["2"].parent, tasks["4"].parent, tasks["5"].parent) == ("1", "1", None)
    assert tasks["2"].wbs_code == "1.1"
    analyse = tasks["2"]
    assert analyse.duration == 480
    assert analyse.constraint == Constraint(ConstraintType.SNET, datetime(2027, 1, 4, 8))
    assert analyse.deadline == datetime(2027, 1, 8, 17)
    assert analyse.calendar == "Night"
    assert analyse.percent_complete == 50.0
    assert analyse.actual_start == datetime(2027, 1, 4, 8)
    assert analyse.remaining_duration == 240
    assert analyse.budget == Decimal("1000.00")  # baseline cost, in hundredths in the file
    assert analyse.extra["cost"] == Decimal("1200.50")
    assert analyse.extra["acwp"] == Decimal("600.25")
    assert analyse.extra["baselines"][0]["duration_minutes"] == 480
    assert analyse.resources == {"7": 2}  # 1.5 units rounds up to whole units
    (assignment,) = analyse.extra["assignments"]
    assert assignment["units"] == Decimal("1.5")
    assert assignment["acwp"] == Decimal("600.25")
    assert assignment["work_minutes"] == 720
    ms_project = analyse.extra["ms_project"]
    assert ms_project["start"] == datetime(2027, 1, 4, 8)
    assert ms_project["free_slack_minutes"] == 480  # tenths of minutes in the file
    assert ms_project["total_slack_minutes"] == 0
    assert ms_project["critical"] is True
    assert ms_project["early_start"] is None
    write = tasks["4"]
    assert write.extra["duration_elapsed"] is True
    assert write.extra["ms_project"]["total_slack_minutes"] == -480
    assert write.resources == {}
    assert tasks["5"].is_milestone
    assert tasks["5"].constraint == Constraint(ConstraintType.FNLT, datetime(2027, 1, 15, 17))
    assert plan.links == [
        Link("2", "4", LinkType.SS, -480),
        Link("1", "4", LinkType.FF, 1440, lag_elapsed=True),
        Link("2", "4", LinkType.SF, 240),  # 50 % of the predecessor's 480 minutes
    ]
    assert [(r.id, r.name, r.capacity) for r in plan.resources] == [("7", "售前顾问", 2)]


def test_hand_written_calendars() -> None:
    plan = read_mspdi(HAND_WRITTEN)
    assert plan.calendar == "Standard"
    standard = plan.calendars["Standard"]
    assert standard.weekly == {6: (), 0: ((480, 720), (780, 1020))}  # Sunday off, Monday on
    assert standard.exceptions == {
        date(2027, 2, 10): (),
        date(2027, 2, 11): (),
        date(2027, 2, 12): (),
        date(2027, 2, 7): ((540, 1440),),  # ToTime 00:00 is midnight
    }
    assert plan.calendars["Night"] == CalendarSpec(
        "Night", weekly={5: ((1320, 1440),)}, exceptions={}, base="Standard"
    )


def test_hand_written_round_trip() -> None:
    plan = read_mspdi(HAND_WRITTEN)
    assert read_mspdi(write_mspdi(plan)) == plan
    assert read_plan(HAND_WRITTEN) == plan  # bytes without a file name: sniffed as XML


def _one_task(fields: str) -> bytes:
    return f"<Project {NS}><Tasks><Task><UID>1</UID>{fields}</Task></Tasks></Project>".encode()


@pytest.mark.parametrize(
    "content",
    [
        b"not xml at all",
        b"<Plan/>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><Project/>',
        _one_task("<Duration>3 days</Duration>"),
        _one_task("<ConstraintType>12</ConstraintType>"),
        _one_task("<Start>tomorrow</Start>"),
        _one_task(
            "<PredecessorLink><PredecessorUID>1</PredecessorUID><Type>9</Type></PredecessorLink>"
        ),
    ],
)
def test_bad_files_raise_format_error(content: bytes) -> None:
    with pytest.raises(FormatError):
        read_mspdi(content)


def test_day_plan_is_written_with_8_hour_days() -> None:
    plan = Plan(
        "Bid",
        date(2027, 1, 4),
        tasks=[
            Task("a", "需求", 3),
            Task("b", "=cmd", 2, constraint=Constraint(ConstraintType.SNET, date(2027, 1, 6))),
        ],
        links=[Link("a", "b", LinkType.FS, 1)],
    )
    again = read_mspdi(write_mspdi(plan))
    assert again.start == datetime(2027, 1, 4, 8)
    assert [(t.name, t.duration) for t in again.tasks] == [("需求", 1440), ("=cmd", 960)]
    assert again.links == [Link(again.tasks[0].id, again.tasks[1].id, LinkType.FS, 480)]
    assert again.tasks[1].constraint == Constraint(ConstraintType.SNET, datetime(2027, 1, 6, 8))
    assert again.calendar == "Standard"
    assert again.calendars["Standard"].weekly[0] == ((480, 720), (780, 1020))


def test_period_plans_cannot_be_written() -> None:
    with pytest.raises(FormatError):
        write_mspdi(Plan("p", 0, [Task("1", "x", 1)], unit="period"))


# ----------------------------------------------------------------------------- external files


def _msproject_files(root):
    return sorted((root / "msproject").rglob("*.xml"))


def test_every_msproject_file_parses_and_round_trips(kampmo_data) -> None:
    files = _msproject_files(kampmo_data)
    assert len(files) >= 30
    for path in files:
        plan = read_plan(path)
        assert plan.unit == "minute", path
        assert read_mspdi(write_mspdi(plan)) == plan, path


def test_every_other_msproject_file_is_a_clear_format_error(kampmo_data) -> None:
    """Licences and JSON answers are not plans: FormatError, nothing else. .mpp/.mpx binaries
    are read through MPXJ when it is installed, and are otherwise a FormatError saying how to
    enable it."""
    from wbs.formats.mpxj import MPXJ_EXTENSIONS, mpxj_available

    others = [
        path
        for path in sorted((kampmo_data / "msproject").rglob("*"))
        if path.is_file() and path.suffix != ".xml"
    ]
    assert any(path.suffix == ".mpp" for path in others)
    for path in others:
        if path.suffix.lower() in MPXJ_EXTENSIONS:
            if mpxj_available():
                assert read_plan(path).tasks, path
            else:
                with pytest.raises(FormatError, match="MPXJ"):
                    read_plan(path)
            continue
        with pytest.raises(FormatError):
            read_plan(path)


def test_slack9_matches_mpxj_expectations(kampmo_data) -> None:
    """MS Project's stored slack, as MPXJ's SlackTest asserts it (slack9.expected.json)."""
    folder = kampmo_data / "msproject" / "mpxj_junit_data"
    expected = json.loads((folder / "slack9.expected.json").read_text())
    plan = read_mspdi(folder / "converted_mspdi_by_mpxj" / "slack9.xml")
    by_name = {task.name: task for task in plan.tasks}
    minutes = {"HOURS": 60, "DAYS": 480}
    for row in expected["tasks"]:
        task = by_name[row["name"]]
        ms_project = task.extra["ms_project"]
        for key, field in (
            ("TotalSlack", "total_slack_minutes"),
            ("FreeSlack", "free_slack_minutes"),
        ):
            value = row[key]["value"] * minutes[row[key]["unit"]]
            assert ms_project[field] == value, (row["name"], key)
        assert task.duration == row["Duration"]["value"] * minutes[row["Duration"]["unit"]]


def test_sample_xml_links_and_costs(kampmo_data) -> None:
    """legacy/sample.xml: the +1d/-1d lags and the four link types (INVENTORY.md §2a)."""
    plan = read_mspdi(kampmo_data / "msproject" / "mpxj_junit_data" / "legacy" / "sample.xml")
    assert sorted(link.lag for link in plan.links) == [-480, 0, 0, 0, 0, 480]
    assert {link.type for link in plan.links} == {
        LinkType.FS,
        LinkType.SS,
        LinkType.FF,
        LinkType.SF,
    }
    assert len(plan.calendars) == 4
    assert plan.calendars["Night Shift"].weekly[0] == ((1380, 1440),)  # Monday 23:00-24:00


def test_mspdiresource_acwp(kampmo_data) -> None:
    """The completed task: 16 h at Wade Golden's standard rate 50/h = 800.00 actual cost."""
    plan = read_mspdi(kampmo_data / "msproject" / "mpxj_junit_data" / "mspdiresource.xml")
    completed = next(task for task in plan.tasks if task.name == "Completed Task")
    assert completed.extra["acwp"] == Decimal("800.00")
    assert completed.percent_complete == 100.0
    (assignment,) = completed.extra["assignments"]
    assert assignment["acwp"] == Decimal("800.00")
    assert assignment["work_minutes"] == 16 * 60


def test_recurring_exceptions(kampmo_data) -> None:
    """Dates hand-derived from the exception definitions in the file (names say the rule)."""
    path = (
        kampmo_data
        / "msproject/mpxj_junit_data/generated/calendar-recurring-exceptions"
        / "calendar-recurring-exceptions-project2016-mspdi.xml"
    )
    exceptions = read_mspdi(path).calendars["Standard"].exceptions
    # "Daily 2": every 3rd day from 2000-02-01, 4 times.
    assert {d for d in exceptions if d.year == 2000 and d.month == 2} == {
        date(2000, 2, 1),
        date(2000, 2, 4),
        date(2000, 2, 7),
        date(2000, 2, 10),
    }
    # "Monthly Relative 1": the first Monday of every 2nd month, 3 times, from 2002-01.
    for day in (date(2002, 1, 7), date(2002, 3, 4), date(2002, 5, 6)):
        assert exceptions[day] == ()
    # "Yearly Relative 1": the first Tuesday of March 2004..2007.
    for day in (date(2004, 3, 2), date(2005, 3, 1), date(2006, 3, 7), date(2007, 3, 6)):
        assert day in exceptions
    # "Recurring Working": a working exception with its own hours.
    working = [hours for hours in exceptions.values() if hours]
    assert working and working[0][0] == (540, 780)


def test_writing_a_computed_schedule() -> None:
    """Dates and floats of a (hand-made) schedule land in the MS Project fields."""
    from wbs.result import Schedule, TaskSchedule

    plan = read_mspdi(HAND_WRITTEN)
    start, finish = datetime(2027, 1, 5, 8), datetime(2027, 1, 5, 17)
    row = TaskSchedule(
        "2", "Analyse", start, finish, start, finish, start, finish, 960, 480, False, None
    )
    again = read_mspdi(write_mspdi(plan, Schedule(start, finish, 480, "minute", [row])))
    ms_project = again.task_index()["2"].extra["ms_project"]
    assert (ms_project["start"], ms_project["finish"]) == (start, finish)
    assert (ms_project["total_slack_minutes"], ms_project["free_slack_minutes"]) == (960, 480)
    assert ms_project["critical"] is False
    assert again.extra["ms_project_finish"] == finish


def test_built_in_cn_calendar_is_written_out_with_its_holidays() -> None:
    """2025 Spring Festival per the State Council notice: off Jan 28 - Feb 4, and the
    make-up working days Sunday Jan 26 and Saturday Feb 8."""
    plan = Plan("投标", date(2025, 1, 6), [Task("1", "a", 3)], calendar="CN")
    again = read_mspdi(write_mspdi(plan))
    assert again.calendar == "CN"
    exceptions = again.calendars["CN"].exceptions
    assert all(exceptions[date(2025, 1, day)] == () for day in (28, 29, 30, 31))
    assert exceptions[date(2025, 2, 4)] == ()
    assert exceptions[date(2025, 1, 26)] == ((480, 720), (780, 1020))
    assert exceptions[date(2025, 2, 8)] == ((480, 720), (780, 1020))
    assert date(2025, 1, 27) not in exceptions  # an ordinary Monday


def test_markup_and_control_characters_in_names() -> None:
    plan = Plan("R&D <投标>", date(2025, 1, 6), [Task("1", "a\x00b & </Name>", 3)])
    again = read_mspdi(write_mspdi(plan))
    assert (again.name, again.tasks[0].name) == ("R&D <投标>", "ab & </Name>")
