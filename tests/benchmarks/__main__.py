"""`make bench`: runs every tests/benchmarks/bench_*.py and prints one table.

Each module exposes ``run() -> list[BenchRow]``; a row is a measured figure with its target.
Figures are medians over repeats (the machine is shared and noisy).
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path

from tests.benchmarks.common import BenchRow, format_table


def main(argv: list[str]) -> int:
    wanted = set(argv)
    package = Path(__file__).parent
    rows: list[BenchRow] = []
    for module_info in sorted(pkgutil.iter_modules([str(package)]), key=lambda m: m.name):
        if not module_info.name.startswith("bench_"):
            continue
        if wanted and module_info.name.removeprefix("bench_") not in wanted:
            continue
        module = importlib.import_module(f"tests.benchmarks.{module_info.name}")
        started = time.perf_counter()
        print(f"== {module_info.name} ...", file=sys.stderr, flush=True)
        rows.extend(module.run())
        print(f"   done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    print(format_table(rows))
    out = Path("bench-results")
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(
        json.dumps([dataclasses.asdict(row) for row in rows], indent=2)
    )
    return 0 if all(row.ok is not False for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
