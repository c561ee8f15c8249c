"""The README's worked example (docs/examples/golden-week.json) says what the scheduler does;
this keeps the README honest. The expected dates are derived by hand in the README from
China's 2026 calendar: Mid-Autumn 09-25, National Day 10-01..10-07, make-up Saturday 10-10."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from wbs.cpm import schedule
from wbs.formats import read_plan

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "golden-week.json"


def test_golden_week_example_matches_the_readme() -> None:
    result = schedule(read_plan(EXAMPLE))
    rows = {task.id: task for task in result.tasks}
    expected = {  # id: (start, finish, late start, late finish, driving predecessor)
        "research": ("09-28", "09-30", "09-24", "09-29", None),
        "solution": ("09-29", "10-09", "09-28", "10-08", "research"),
        "pricing": ("10-09", "10-10", "10-08", "10-09", "solution"),
        "review": ("10-10", "10-10", "10-09", "10-09", "pricing"),
        "submit": ("10-10", "10-10", "10-09", "10-09", "review"),
    }
    for task_id, (start, finish, late_start, late_finish, driver) in expected.items():
        row = rows[task_id]
        got = (row.start, row.finish, row.late_start, row.late_finish)
        assert got == tuple(
            date.fromisoformat(f"2026-{d}") for d in (start, finish, late_start, late_finish)
        ), task_id
        assert row.total_float == -1, task_id
        assert row.driving_predecessor == driver, task_id
    assert result.duration == 6
    assert (
        "task submit (递交 Submit) finishes 2026-10-10, after its deadline 2026-10-09: "
        "1 working day late"
    ) in result.warnings
