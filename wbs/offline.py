"""``kampmo schedule`` and ``kampmo level``: plan files in, one JSON line per file out.

No database and no web stack: these read plan files (MSPDI ``.xml``, PSPLIB ``.sm``/``.rcp``,
kampmo ``.json``), schedule them, and print the CONTRACT.md object of each on its own line.
A file that cannot be read or scheduled prints ``{"source": PATH, "error": "..."}`` instead;
the others are still done, and the exit status is 1 at the end.

Start-up is kept lean on purpose (the whole command on a 3,000-task plan should take a few
tenths of a second): only the standard library at import time; the reader for the file's
format and the engine are imported when first needed.

``--json`` on a flat JSON plan takes the columnar path (``wbs.formats.jsonplan_columnar`` and
``wbs.columnar``, issue 19): no ``Plan`` or ``Schedule`` objects, the same bytes out. Anything
it does not hold (summaries, task calendars, a cycle, an invalid plan) takes the full path.

Example
-------
``main_schedule(["plan.json", "--json"])`` prints one line and returns 0.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TextIO

from wbs.plan import Plan
from wbs.result import Schedule

Scheduler = Callable[[Plan], Schedule]
# ``kampmo schedule --json`` reads flat JSON plans into columns and writes the answer from
# them (``wbs.columnar``): the same bytes as the full path, at the speed of the parse
COLUMNAR = True


def _parser(command: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"kampmo {command}",
        description=(
            "Critical-path schedule of plan files, no database."
            if command == "schedule"
            else "Resource-constrained schedule (leveling) of plan files, no database."
        ),
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="MSPDI .xml, PSPLIB .sm, .json")
    if command == "schedule":
        parser.add_argument(
            "--calendar",
            metavar="C",
            help='calendar for JSON plans, overriding theirs: "standard", "CN", "US", ...',
        )
    else:
        parser.add_argument(
            "--time-limit",
            type=float,
            default=1.0,
            metavar="S",
            help="seconds the solver may spend per plan (default 1)",
        )
    parser.add_argument("--json", action="store_true", help="one JSON object per input line")
    return parser


def _summary_line(result: Mapping[str, object]) -> str:
    if "error" in result:
        return f"{result['source']}: error: {result['error']}"
    tasks = result.get("tasks")
    count = len(tasks) if isinstance(tasks, list) else 0
    line = (
        f"{result['source']}: {count} tasks, {result['project_start']} .. "
        f"{result['project_finish']}, duration {result['duration']} {result['unit']}(s)"
    )
    if "makespan" in result:
        line += f", makespan {result['makespan']}"
    return line


def _run(
    paths: Sequence[str],
    scheduler: Scheduler,
    as_json: bool,
    out: TextIO,
    calendar: str | None = None,
    columnar: bool = False,
) -> int:
    status = 0
    for path in paths:
        with _no_cyclic_gc():
            if columnar and as_json and _columnar_schedule(path, out, calendar):
                continue
            line, failed = _process(path, scheduler, as_json, calendar)
        out.write(line + "\n")
        out.flush()
        status |= failed
    return status


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while one plan is processed.

    Building 100,000 tasks and 200,000 links allocates so many containers that the collector
    keeps rescanning a growing heap (about a third of the read time); a plan holds no
    reference cycles worth collecting meanwhile, and the collector resumes afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _columnar_schedule(path: str, out: TextIO, calendar: str | None) -> bool:
    """Schedule a JSON plan on the columnar path and write its line; False when the plan
    needs the full path (a summary, a task calendar, an error to report, not JSON)."""
    from pathlib import Path

    from wbs.formats import _EXTENSIONS, _sniff
    from wbs.formats.errors import FormatError

    suffix = Path(path).suffix.lower()
    if _EXTENSIONS.get(suffix, "json") != "json":
        return False
    try:
        content = Path(path).read_bytes()
        if suffix != ".json" and _sniff(content) != "json":
            return False
    except (OSError, FormatError):
        return False
    from wbs.columnar import schedule_columns
    from wbs.formats.jsonplan_columnar import NotColumnar, decode_plan, plan_columns

    try:
        rows = decode_plan(content)
        del content  # the rows hold what is needed: free the bytes before the columns
        columns = plan_columns(rows)
        del rows
        if calendar is not None:
            columns.header.calendar = calendar
        result = schedule_columns(columns)
    except NotColumnar:
        return False
    result.write_json_line(out, path)
    out.flush()
    return True


def _process(
    path: str, scheduler: Scheduler, as_json: bool, calendar: str | None
) -> tuple[str, bool]:
    """One input's output line, and whether it failed."""
    from wbs.formats import read_plan
    from wbs.serialize import error_to_contract, schedule_to_contract, schedule_to_json_line

    try:
        plan = read_plan(path)
        if calendar is not None and plan.unit == "day":
            plan.calendar = calendar
        schedule = scheduler(plan)
    except Exception as error:  # one bad file must not stop the others
        failure = error_to_contract(path, str(error) or type(error).__name__)
        return (
            json.dumps(failure, ensure_ascii=False, separators=(",", ":"))
            if as_json
            else _summary_line(failure)
        ), True
    if as_json:
        return schedule_to_json_line(schedule, path), False
    return _summary_line(schedule_to_contract(schedule, path)), False


def main_schedule(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """``kampmo schedule PATH... [--calendar C] --json``; ``argv`` excludes the command name.

    Returns the exit status: 0, or 1 when any input could not be read or scheduled.
    """
    args = _parser("schedule").parse_args(argv)

    def run_cpm(plan: Plan) -> Schedule:
        from wbs.cpm import schedule

        return schedule(plan)

    return _run(args.paths, run_cpm, args.json, out or sys.stdout, args.calendar, COLUMNAR)


def main_level(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """``kampmo level PATH... [--time-limit S] --json``; ``argv`` excludes the command name.

    Every task line also carries the ``resources`` it uses, and the object a ``makespan``.
    """
    args = _parser("level").parse_args(argv)
    time_limit = float(args.time_limit)

    def run_level(plan: Plan) -> Schedule:
        from wbs.level import level

        result = level(plan, time_limit_seconds=time_limit)
        used = {task.id: task.resources for task in plan.tasks}
        for task in result.tasks:
            if not task.resources:
                task.resources = dict(used.get(task.id, {}))
        return result

    return _run(args.paths, run_level, args.json, out or sys.stdout)


def main_risk(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """``kampmo risk PATH... [--iterations N] [--seed S] --json``: Monte Carlo schedule risk
    of plan files (``wbs.risk``, ``wbs.risk_io``), one JSON object per input line."""
    parser = argparse.ArgumentParser(
        prog="kampmo risk",
        description="Monte Carlo schedule risk of plan files (seeded, reproducible), no database.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="MSPDI .xml, PSPLIB .sm, .json")
    parser.add_argument("--iterations", type=int, default=10_000, metavar="N")
    parser.add_argument("--seed", type=int, default=0, metavar="S")
    parser.add_argument("--json", action="store_true", help="one JSON object per input line")
    args = parser.parse_args(argv)
    if not 1 <= args.iterations <= 1_000_000:
        parser.error("--iterations must be between 1 and 1000000")
    if not 0 <= args.seed < 2**63:
        parser.error("--seed must be a non-negative integer")
    stream = out or sys.stdout
    status = 0
    for path in args.paths:
        from wbs.risk_io import risk_of_file

        try:
            result = risk_of_file(path, args.iterations, args.seed)
        except Exception as error:  # one bad file must not stop the others
            result = {"source": path, "error": str(error) or type(error).__name__}
            status = 1
        if args.json:
            stream.write(json.dumps(result, ensure_ascii=False, separators=(",", ":")) + "\n")
        elif "error" in result:
            stream.write(f"{path}: error: {result['error']}\n")
        else:
            stream.write(
                f"{path}: P(on time) {result['p_meet_submission']}, submission P50 "
                f"{result['submission_p50']} P80 {result['submission_p80']}, finish P80 "
                f"{result['finish_p80']} ({result['iterations']} iterations, seed "
                f"{result['seed']})\n"
            )
        stream.flush()
    return status


if __name__ == "__main__":
    command, *rest = sys.argv[1:] or ["schedule"]
    raise SystemExit(main_level(rest) if command == "level" else main_schedule(rest))
