"""CSV and XLSX export: Chinese intact, no formulas, the computed columns filled in."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from wbs.formats.tabular import COLUMNS, plan_to_csv, plan_to_xlsx, safe_text
from wbs.plan import Plan, Task
from wbs.result import Schedule, TaskSchedule

DANGEROUS = ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]


def _plan() -> Plan:
    tasks = [Task("t1", "客户需求分析", 2, owner="张伟", budget=Decimal("1234.5"))]
    tasks += [Task(f"x{i}", text, 1) for i, text in enumerate(DANGEROUS)]
    return Plan("投标", date(2027, 1, 4), tasks)


def _schedule() -> Schedule:
    d1, d2 = date(2027, 1, 4), date(2027, 1, 5)
    rows = [TaskSchedule("t1", "客户需求分析", d1, d2, d1, d2, d1, d2, 0, 0, True, None)]
    return Schedule(d1, d2, 2, "day", rows)


def test_safe_text() -> None:
    assert safe_text("=1+1") == "'=1+1"
    assert safe_text("需求") == "需求"
    assert safe_text("a=b") == "a=b"


def test_csv() -> None:
    text = plan_to_csv(_plan(), _schedule())
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert list(rows[0]) == list(COLUMNS)
    first = rows[0]
    assert first["name"] == "客户需求分析"
    assert first["owner"] == "张伟"
    assert first["budget"] == "1234.50"
    assert (first["start"], first["finish"], first["critical"]) == (
        "2027-01-04",
        "2027-01-05",
        "true",
    )
    assert [row["name"] for row in rows[1:]] == ["'" + text for text in DANGEROUS]
    assert rows[1]["start"] == ""  # not scheduled


def test_xlsx() -> None:
    workbook = load_workbook(io.BytesIO(plan_to_xlsx(_plan(), _schedule())))
    sheet = workbook["tasks"]
    header = [cell.value for cell in sheet[1]]
    assert header == list(COLUMNS)
    name_column = header.index("name") + 1
    assert sheet.cell(row=2, column=name_column).value == "客户需求分析"
    for row, text in enumerate(DANGEROUS, start=3):
        cell = sheet.cell(row=row, column=name_column)
        assert cell.value == text
        assert cell.data_type == "s"  # a string, not a formula
    budget = sheet.cell(row=2, column=header.index("budget") + 1)
    assert budget.value == 1234.5
    start = sheet.cell(row=2, column=header.index("start") + 1)
    assert start.value.date() == date(2027, 1, 4)


def test_xlsx_holds_no_formula_at_all() -> None:
    content = plan_to_xlsx(_plan(), None)
    with __import__("zipfile").ZipFile(io.BytesIO(content)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml
