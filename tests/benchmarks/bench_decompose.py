"""The decomposer and the demo loader: one bid decomposed in one call (template resolution,
budget split, two or three CPM passes to land on the deadline), and ``kampmo demo`` on an
empty SQLite file (14 bids, every one decomposed, with progress and costs). No targets are set
by the issues; the figures are informational."""

from __future__ import annotations

import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from tests.benchmarks.common import BenchRow, median_seconds


def _request():
    from wbs.decompose import DecomposeRequest

    return DecomposeRequest(
        kind="new_customer",
        procurement="tender",
        bid_value=Decimal("50000000"),
        start_date=date(2027, 1, 4),
        submission_deadline=date(2027, 6, 30),
        pursuit_budget=Decimal("600000"),
        account_tier="strategic",
        product_lines=[f"产品线{i}" for i in range(6)],
        regions=["华东", "华南", "华北", "西南"],
        team={
            "sales_rep": ["s1", "s2"],
            "presales_consultant": ["c1", "c2", "c3"],
            "project_manager": ["m1"],
            "executive_sponsor": ["e1"],
            "pmo": ["o1"],
        },
        calendar="CN",
    )


def run() -> list[BenchRow]:
    from app.cli import db_upgrade
    from app.db import make_engine, make_session_factory
    from app.demo.loader import load_demo
    from wbs.decompose import decompose
    from wbs.templates import load_template

    request = _request()
    template = load_template("kam-new-customer-tender")
    tasks = len(decompose(request, template).plan.tasks)
    seconds = median_seconds(lambda: decompose(request, template), repeats=9)
    rows = [BenchRow(f"decompose one bid ({tasks} tasks, scheduled)", f"{seconds * 1000:.1f} ms")]
    load_seconds = median_seconds(lambda: load_template("kam-new-customer-tender"), repeats=9)
    rows.append(BenchRow("resolve a template (4-level extends)", f"{load_seconds * 1000:.1f} ms"))
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'demo.db'}"
        db_upgrade(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        started = time.perf_counter()
        load_demo(factory)
        first = time.perf_counter() - started
        started = time.perf_counter()
        load_demo(factory)
        second = time.perf_counter() - started
        engine.dispose()
    rows.append(BenchRow("kampmo demo, empty SQLite (14 bids)", f"{first:.1f} s"))
    rows.append(BenchRow("kampmo demo again (idempotent, nothing new)", f"{second:.1f} s"))
    return rows
