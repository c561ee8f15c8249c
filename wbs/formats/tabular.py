"""A plan and its schedule as a table: CSV text or an XLSX workbook.

One row per task: WBS code, name, duration, computed dates and floats, resources, owner,
budget. Chinese text is kept intact (the CSV starts with a UTF-8 byte-order mark by default so
that Excel opens it correctly). No cell is ever a formula: text starting with ``=``, ``+``,
``-``, ``@`` (or a tab / carriage return) is written as plain text -- in CSV with a leading
apostrophe, as OWASP recommends; in XLSX as a string cell.

Example
-------
>>> from datetime import date
>>> from wbs.plan import Plan, Task
>>> plan = Plan("投标", date(2027, 1, 4), [Task("t1", "=HYPERLINK(1)", 2)])
>>> plan_to_csv(plan, None, bom=False).splitlines()[1].split(",")[:3]
['t1', '', "'=HYPERLINK(1)"]
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from wbs.plan import Plan, PlanTime, Task
from wbs.result import Schedule, TaskSchedule

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = (
    "id",
    "wbs_code",
    "name",
    "parent",
    "kind",
    "duration",
    "unit",
    "start",
    "finish",
    "early_start",
    "early_finish",
    "late_start",
    "late_finish",
    "total_float",
    "free_float",
    "critical",
    "driving_predecessor",
    "resources",
    "owner",
    "role",
    "percent_complete",
    "budget",
)
_TIME_COLUMNS = ("start", "finish", "early_start", "early_finish", "late_start", "late_finish")
_TEXT_COLUMNS = frozenset(
    {"id", "wbs_code", "name", "parent", "driving_predecessor", "resources", "owner", "role"}
)


def _kind(task: Task) -> str:
    if task.is_summary:
        return "summary"
    return "milestone" if task.is_milestone else "task"


def _rows(plan: Plan, schedule: Schedule | None) -> list[dict[str, Any]]:
    scheduled: dict[str, TaskSchedule] = schedule.by_id() if schedule is not None else {}
    rows = []
    for task in plan.tasks:
        computed = scheduled.get(task.id)
        row: dict[str, Any] = {
            "id": task.id,
            "wbs_code": task.wbs_code or "",
            "name": task.name,
            "parent": task.parent or "",
            "kind": _kind(task),
            "duration": task.duration,
            "unit": plan.unit,
            "resources": "; ".join(f"{rid}:{units}" for rid, units in task.resources.items()),
            "owner": task.owner or "",
            "role": task.role or "",
            "percent_complete": task.percent_complete,
            "budget": task.budget,
        }
        if computed is not None:
            for key in _TIME_COLUMNS:
                row[key] = getattr(computed, key)
            row["total_float"] = computed.total_float
            row["free_float"] = computed.free_float
            row["critical"] = computed.critical
            row["driving_predecessor"] = computed.driving_predecessor or ""
        rows.append(row)
    return rows


def safe_text(text: str) -> str:
    """Text that no spreadsheet will run as a formula (a leading apostrophe when needed)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_value(column: str, value: Any) -> str:
    if value is None:
        return ""
    if column in _TEXT_COLUMNS:
        return safe_text(str(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def plan_to_csv(plan: Plan, schedule: Schedule | None, *, bom: bool = True) -> str:
    """The task table as CSV text (RFC 4180 quoting, ``\\r\\n`` line ends).

    ``schedule`` may be ``None`` (the computed columns are then empty). ``bom`` prefixes the
    UTF-8 byte-order mark so that Excel reads Chinese correctly.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in _rows(plan, schedule):
        writer.writerow([_csv_value(column, row.get(column)) for column in COLUMNS])
    return ("\ufeff" if bom else "") + buffer.getvalue()


def _xlsx_time_format(value: PlanTime) -> str:
    return "yyyy-mm-dd hh:mm" if isinstance(value, datetime) else "yyyy-mm-dd"


def plan_to_xlsx(plan: Plan, schedule: Schedule | None) -> bytes:
    """The task table as an XLSX workbook (one sheet, frozen header, real dates and money)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook always has its first sheet
    sheet.title = "tasks"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row_number, row in enumerate(_rows(plan, schedule), start=2):
        for column_number, column in enumerate(COLUMNS, start=1):
            value = row.get(column)
            if value is None or value == "":
                continue
            cell = sheet.cell(row=row_number, column=column_number)
            if isinstance(value, str):
                cell.value = value
                cell.data_type = "s"  # never a formula, whatever the text starts with
            else:
                cell.value = value
                if isinstance(value, date | datetime):
                    cell.number_format = _xlsx_time_format(value)
                elif isinstance(value, Decimal):
                    cell.number_format = "#,##0.00"
    sheet.column_dimensions["C"].width = 40
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
