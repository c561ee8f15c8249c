"""The cost-control report as CSV and XLSX tables, Chinese intact and safe from formula injection.

Both writers take the report's JSON body and lay it out as the same tables (summary, categories,
subsidiaries, bids, WBS, EVM, series, alerts). Text that a spreadsheet would run as a formula
(starting with ``= + - @``, a tab or a carriage return) stays text: in CSV it gets the OWASP
leading apostrophe; in XLSX the cell is written with the string type, its text unchanged.
Money cells are numbers with a ``#,##0.00`` format; the CSV is UTF-8 with a BOM for Excel.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = "#,##0.00"
INDEX_FORMAT = "0.0000"
FIGURES = ("budget", "committed", "actual", "remaining", "forecast")
FIGURE_HEADERS = [
    "预算 Budget",
    "已承诺 Committed",
    "实际 Actual",
    "剩余 Remaining",
    "预测 Forecast",
]


@dataclass(frozen=True, slots=True)
class Cell:
    value: Any
    kind: str = "text"  # text | money | index | int


@dataclass(frozen=True, slots=True)
class Table:
    name: str  # sheet name (<= 31 characters)
    title: str
    headers: list[str]
    rows: list[list[Cell]]


def _money(value: str | None) -> Cell:
    return Cell(None if value is None else Decimal(value), "money")


def _index(value: str | None) -> Cell:
    return Cell(None if value is None else Decimal(value), "index")


def _text(value: Any) -> Cell:
    return Cell(None if value is None else str(value))


def _figures(row: dict[str, Any]) -> list[Cell]:
    return [_money(row.get(name)) for name in FIGURES]


def report_tables(report: dict[str, Any]) -> list[Table]:
    """The report's tables, in reading order."""
    currency = report["currency"]
    tables = [
        Table(
            "汇总 Summary",
            f"成本控制报告 Cost-control report ({currency}, {report['status_date']})",
            ["范围 Scope", "币种 Currency", *FIGURE_HEADERS],
            [[_text(report["scope"]), _text(currency), *_figures(report["totals"])]],
        ),
        Table(
            "类别 Categories",
            "按成本类别 By cost category",
            ["类别 Category", "名称", "Name", *FIGURE_HEADERS],
            [
                [
                    _text(row["category"]),
                    _text(row["label_zh"]),
                    _text(row["label_en"]),
                    *_figures(row),
                ]
                for row in report["by_category"]
            ],
        ),
    ]
    if "by_subsidiary" in report:
        tables.append(
            Table(
                "子公司 Subsidiaries",
                "按子公司 By subsidiary",
                ["子公司", "Subsidiary", *FIGURE_HEADERS],
                [
                    [_text(row["subsidiary"]), _text(row["subsidiary_en"]), *_figures(row)]
                    for row in report["by_subsidiary"]
                ],
            )
        )
    tables.append(_bids_table(report))
    if "wbs" in report:
        tables.append(
            Table(
                "WBS",
                "按 WBS 节点 By WBS node",
                ["WBS", "名称 Name", "Name (en)", "完成% Done %", *FIGURE_HEADERS, "PV", "EV"],
                [
                    [
                        _text(row["wbs_code"]),
                        _text(row["name"]),
                        _text(row["name_en"]),
                        Cell(row["percent_complete"], "int"),
                        *_figures(row),
                        _money(row["pv"]),
                        _money(row["ev"]),
                    ]
                    for row in report["wbs"]
                ],
            )
        )
    if "entries" in report:
        tables.append(_entries_table(report))
    tables.append(_evm_table(report))
    tables.append(
        Table(
            "S曲线 Series",
            "累计 PV / EV / AC Cumulative PV, EV, AC",
            ["日期 Date", "PV", "EV", "AC"],
            [
                [_text(p["date"]), _money(p["pv"]), _money(p["ev"]), _money(p["ac"])]
                for p in report["series"]
            ],
        )
    )
    tables.append(
        Table(
            "预警 Alerts",
            "预警 Alerts",
            ["级别 Severity", "代码 Code", "对象 Subject", "说明", "Message"],
            [
                [
                    _text(a["severity"]),
                    _text(a["code"]),
                    _text(a["subject"]),
                    _text(a["message_zh"]),
                    _text(a["message_en"]),
                ]
                for a in report["alerts"]
            ],
        )
    )
    return tables


def _bids_table(report: dict[str, Any]) -> Table:
    rows = []
    for bid in report["bids"]:
        evm = bid.get("evm") or {}
        rows.append(
            [
                Cell(bid["bid_id"], "int"),
                _text(bid["title"]),
                _text(bid["subsidiary"]),
                _text(bid["currency"]),
                *_figures(bid["totals"]),
                _index(evm.get("cpi")),
                _index(evm.get("spi")),
            ]
        )
    return Table(
        "投标 Bids",
        f"按投标 By bid ({report['currency']})",
        [
            "ID",
            "投标 Bid",
            "子公司 Subsidiary",
            "投标币种 Bid currency",
            *FIGURE_HEADERS,
            "CPI",
            "SPI",
        ],
        rows,
    )


def _entries_table(report: dict[str, Any]) -> Table:
    return Table(
        "明细 Entries",
        f"成本明细 Cost entries ({report['currency']})",
        [
            "ID",
            "日期 Date",
            "WBS",
            "任务 Task",
            "类别 Category",
            "类型 Kind",
            "状态 Status",
            "金额 Amount",
            "币种 Currency",
            f"折合 In {report['currency']}",
            "收款方 Payee",
            "说明 Description",
            "单据 Receipt",
            "冲销 Reverses",
        ],
        [
            [
                Cell(e["id"], "int"),
                _text(e["entry_date"]),
                _text(e["wbs_code"]),
                _text(e["task"]),
                _text(e["category"]),
                _text(e["kind"]),
                _text(e["status"]),
                _money(e["amount"]),
                _text(e["currency"]),
                _money(e["amount_bid_currency"]),
                _text(e["payee"]),
                _text(e["description"]),
                _text(e["receipt_ref"]),
                Cell(e["reverses_id"], "int"),
            ]
            for e in report["entries"]
        ],
    )


EVM_ROWS = (
    ("bac", "money"),
    ("pv", "money"),
    ("ev", "money"),
    ("ac", "money"),
    ("sv", "money"),
    ("cv", "money"),
    ("spi", "index"),
    ("cpi", "index"),
    ("eac", "money"),
    ("etc", "money"),
    ("vac", "money"),
    ("tcpi_bac", "index"),
    ("tcpi_eac", "index"),
    ("earned_schedule_days", "index"),
    ("actual_time_days", "int"),
    ("spi_t", "index"),
    ("sv_t_days", "index"),
    ("percent_complete", "index"),
    ("percent_spent", "index"),
)


def _evm_table(report: dict[str, Any]) -> Table:
    evm = report.get("evm") or {}
    explanations = report["explanations"]
    rows = []
    for name, kind in EVM_ROWS:
        raw = evm.get(name)
        value = Cell(raw, "int") if kind == "int" or raw is None else Cell(Decimal(raw), kind)
        text = explanations.get(name, {"zh": "", "en": ""})
        rows.append([_text(name.upper()), value, _text(text["zh"]), _text(text["en"])])
    method = evm.get("eac_method", report.get("eac_method"))
    return Table(
        "挣值 EVM",
        f"挣值分析 Earned value at {report['status_date']} (EAC = {method})",
        ["指标 Figure", "值 Value", "说明", "Explanation"],
        rows,
    )


def safe_text(text: str) -> str:
    """CSV text a spreadsheet will not run: a leading formula character gets an apostrophe."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _csv_value(cell: Cell) -> str:
    if cell.value is None:
        return ""
    if cell.kind == "money":
        return f"{cell.value:.2f}"
    if cell.kind == "index":
        return f"{cell.value:f}"
    if cell.kind == "int":
        return str(cell.value)
    return safe_text(str(cell.value))


def to_csv(tables: Sequence[Table]) -> bytes:
    """One block per table (title line, header, rows), blocks separated by an empty line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for position, table in enumerate(tables):
        if position:
            writer.writerow([])
        writer.writerow([safe_text(table.title)])
        writer.writerow([safe_text(header) for header in table.headers])
        for row in table.rows:
            writer.writerow([_csv_value(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(tables: Sequence[Table]) -> bytes:
    """One sheet per table; money as numbers with a money format; text never a formula."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for table in tables:
        sheet = workbook.create_sheet(table.name[:31])
        _write_text(sheet.cell(row=1, column=1), table.title).font = bold
        for column, header in enumerate(table.headers, start=1):
            _write_text(sheet.cell(row=2, column=column), header).font = bold
        for row_number, row in enumerate(table.rows, start=3):
            for column, cell in enumerate(row, start=1):
                _write_cell(sheet.cell(row=row_number, column=column), cell)
        for column, header in enumerate(table.headers, start=1):
            sheet.column_dimensions[get_column_letter(column)].width = max(12, len(header) + 4)
        sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


SPREADSHEET_MONEY_LIMIT = Decimal(10) ** 13


def _write_text(target: Any, text: str) -> Any:
    target.value = text
    target.data_type = "s"  # a string cell, even when the text starts with "="
    return target


def _write_cell(target: Any, cell: Cell) -> None:
    if cell.value is None:
        return
    if cell.kind == "text":
        _write_text(target, str(cell.value))
        return
    if cell.kind == "money" and not _exact_as_number(cell.value):
        # an amount a spreadsheet number cannot hold to the cent is written as its exact
        # decimal text rather than rounded
        _write_text(target, f"{cell.value:.2f}").alignment = Alignment(horizontal="right")
        return
    target.value = cell.value
    if cell.kind == "money":
        target.number_format = MONEY_FORMAT
    elif cell.kind == "index":
        target.number_format = INDEX_FORMAT


def _exact_as_number(value: Decimal) -> bool:
    """Whether a spreadsheet number holds ``value`` to the cent: Excel keeps 15 significant
    digits, so amounts from 10,000,000,000,000.00 up are not."""
    return abs(value) < SPREADSHEET_MONEY_LIMIT
