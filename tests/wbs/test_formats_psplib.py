"""PSPLIB .sm and Patterson .rcp reading: hand-written instances and the real j301_1 file."""

from __future__ import annotations

import pytest

from wbs.formats import FormatError, read_plan
from wbs.formats.psplib import read_psplib
from wbs.plan import Link, LinkType

# A 4-job instance written by hand in the .sm layout (2 dummies, 2 real jobs, 2 resources).
SMALL_SM = """\
************************************************************************
file with basedata            : hand.bas
initial value random generator: 1
************************************************************************
projects                      :  1
jobs (incl. supersource/sink ):  4
horizon                       :  7
RESOURCES
  - renewable                 :  2   R
  - nonrenewable              :  0   N
  - doubly constrained        :  0   D
************************************************************************
PROJECT INFORMATION:
pronr.  #jobs rel.date duedate tardcost  MPM-Time
    1      2      0       9        3        5
************************************************************************
PRECEDENCE RELATIONS:
jobnr.    #modes  #successors   successors
   1        1          2           2   3
   2        1          1           4
   3        1          1           4
   4        1          0
************************************************************************
REQUESTS/DURATIONS:
jobnr. mode duration  R 1  R 2
------------------------------------------------------------------------
  1      1     0       0    0
  2      1     5       2    0
  3      1     2       1    3
  4      1     0       0    0
************************************************************************
RESOURCEAVAILABILITIES:
  R 1  R 2
    2    3
************************************************************************
"""

# The same network in the Patterson .rcp layout: counts, capacities, one line per activity.
SMALL_RCP = """\
4 2
2 3
0 0 0 2 2 3
5 2 0 1 4
2 1 3 1 4
0 0 0 0
"""


def test_sm_reads_jobs_links_resources_and_header() -> None:
    plan = read_psplib(SMALL_SM, name="hand")
    assert plan.unit == "period"
    assert plan.start == 0
    assert [task.id for task in plan.tasks] == ["1", "2", "3", "4"]
    assert [task.duration for task in plan.tasks] == [0, 5, 2, 0]
    assert plan.tasks[1].resources == {"R1": 2}
    assert plan.tasks[2].resources == {"R1": 1, "R2": 3}
    assert [(r.id, r.capacity) for r in plan.resources] == [("R1", 2), ("R2", 3)]
    assert plan.links == [
        Link("1", "2"),
        Link("1", "3"),
        Link("2", "4"),
        Link("3", "4"),
    ]
    assert all(link.type is LinkType.FS and link.lag == 0 for link in plan.links)
    assert plan.extra["horizon"] == 7
    assert plan.extra["mpm_time"] == 5
    assert plan.extra["due_date"] == 9


def test_rcp_reads_the_same_network() -> None:
    sm = read_psplib(SMALL_SM)
    rcp = read_psplib(SMALL_RCP)
    assert [(t.id, t.duration, t.resources) for t in rcp.tasks] == [
        (t.id, t.duration, t.resources) for t in sm.tasks
    ]
    assert rcp.links == sm.links
    assert rcp.resources == sm.resources


@pytest.mark.parametrize(
    "text",
    [
        "PRECEDENCE RELATIONS:\n 1 1 1 2\n",  # sections missing
        "3 1\n4\n1 1 1 9\n2 1 0\n0 0 0\n",  # .rcp naming a job that does not exist
        "2 1\n4\n1 x 0\n",  # not a number
        "hello world\n",
    ],
)
def test_broken_files_raise_format_error(text: str) -> None:
    with pytest.raises(FormatError):
        read_psplib(text)


def test_read_plan_dispatches_on_extension(tmp_path) -> None:
    path = tmp_path / "hand.sm"
    path.write_text(SMALL_SM)
    plan = read_plan(path)
    assert plan.name == "hand"
    assert plan.extra["mpm_time"] == 5
    assert read_plan(SMALL_RCP.encode(), filename="x.rcp").tasks[1].duration == 5


def test_real_j301_1(kampmo_data) -> None:
    """Values read off psplib/j30/j301_1.sm by eye."""
    plan = read_psplib(kampmo_data / "psplib" / "j30" / "j301_1.sm")
    assert len(plan.tasks) == 32
    assert len(plan.links) == 48
    assert plan.extra["mpm_time"] == 38
    assert plan.extra["horizon"] == 158
    assert [r.capacity for r in plan.resources] == [12, 13, 4, 12]
    job2 = plan.task_index()["2"]
    assert (job2.duration, job2.resources) == (8, {"R1": 4})
    assert {link.successor for link in plan.links if link.predecessor == "1"} == {"2", "3", "4"}


def test_real_patterson_pat1(kampmo_data) -> None:
    """pat1.rcp: 14 activities, 3 resources of capacity 2, 1, 2 (read off the file)."""
    plan = read_psplib(kampmo_data / "psplib" / "patterson" / "pat1.rcp")
    assert len(plan.tasks) == 14
    assert [r.capacity for r in plan.resources] == [2, 1, 2]
    assert plan.task_index()["2"].duration == 6
    assert {link.successor for link in plan.links if link.predecessor == "1"} == {"2", "3", "4"}
