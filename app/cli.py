"""The ``kampmo`` command line.

Only the standard library is imported at the top: ``kampmo schedule``/``kampmo level`` hand over
to ``wbs.offline`` before anything heavy (FastAPI, SQLAlchemy) is loaded, so they start fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str | None = None) -> Any:
    """Alembic's configuration: the repository's ``alembic/`` scripts on ``database_url``."""
    from alembic.config import Config

    from app.settings import get_settings

    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "alembic"))
    config.set_main_option(
        "sqlalchemy.url", (database_url or get_settings().database_url).replace("%", "%%")
    )
    return config


def db_upgrade(database_url: str | None = None, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


def db_downgrade(database_url: str | None = None, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(database_url), revision)


def _session_factory() -> Any:
    from app.db import make_engine, make_session_factory
    from app.models_registry import load_all_models
    from app.settings import get_settings

    load_all_models()
    settings = get_settings()
    engine = make_engine(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    return make_session_factory(engine)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
    )
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    if args.action == "upgrade":
        db_upgrade(revision=args.revision or "head")
    else:
        db_downgrade(revision=args.revision or "base")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from app.demo.loader import load_demo

    tokens = load_demo(_session_factory())
    print(json.dumps({"tokens": tokens}, ensure_ascii=False))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from app.bids.importer import import_plan_file

    factory = _session_factory()
    with factory() as session:
        bid = import_plan_file(
            session,
            None,
            Path(args.path).read_bytes(),
            Path(args.path).name,
            account_id=args.account,
            org_unit_id=args.org_unit,
        )
        session.commit()
        report = (bid.source or {}).get("report") or {}
        for line in import_report_lines(report):
            print(line)
        print(bid.id)  # the last line: the new bid's id
    return 0


def import_report_lines(report: dict[str, Any]) -> list[str]:
    """The import report as lines: what the file had and what became of it, per family."""
    if not report:
        return []
    lines = [
        f"import: {report.get('tasks', 0)} tasks, {report.get('links', 0)} links, "
        f"{report.get('resources', 0)} resources ({report.get('format')}, read by "
        f"{report.get('read_by')}); calendar: {report.get('calendar') or 'none'}; "
        f"{report.get('actual_cost_entries', 0)} actual cost entries booked"
    ]
    for family, entry in (report.get("families") or {}).items():
        lost = entry.get("tasks_lost") or []
        lines.append(
            f"  {family}: {entry['in_file']} in the file, {entry['mapped']} mapped, "
            f"{entry['kept']} kept for export, {entry['lost']} not kept"
            + (f" (tasks {', '.join(map(str, lost))})" if lost else "")
        )
    lines += [f"  note: {note}" for note in report.get("notes") or []]
    return lines


def cmd_export(args: argparse.Namespace) -> int:
    from app.bids.importer import export_bid

    factory = _session_factory()
    with factory() as session:
        data = export_bid(session, args.bid, args.format)
    if args.output:
        Path(args.output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from app.jobs.queue import run_worker
    from app.settings import get_settings

    settings = get_settings()
    if settings.database_url.startswith("sqlite"):
        print(
            "kampmo worker: job workers need PostgreSQL (KAMPMO_DATABASE_URL); "
            "on SQLite the server runs jobs itself",
            file=sys.stderr,
        )
        return 2
    run_worker(
        settings.database_url,
        concurrency=args.concurrency or settings.job_worker_concurrency,
        heartbeat=settings.job_heartbeat_seconds,
        stall=settings.job_stall_seconds,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kampmo", description="KAM bid project management")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the web service (API and pages)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(handler=cmd_serve)

    db = commands.add_parser("db", help="database migrations (KAMPMO_DATABASE_URL)")
    db.add_argument("action", choices=["upgrade", "downgrade"])
    db.add_argument("revision", nargs="?", help="default: head (upgrade) / base (downgrade)")
    db.set_defaults(handler=cmd_db)

    demo = commands.add_parser("demo", help="load the demo portfolio; prints the demo tokens")
    demo.set_defaults(handler=cmd_demo)

    imp = commands.add_parser(
        "import", help="a plan file (.xml, .sm, .json; .mpp/.xer through MPXJ) becomes a bid"
    )
    imp.add_argument("path")
    imp.add_argument("--account", type=int, help="key account id (default: an import account)")
    imp.add_argument("--org-unit", type=int, help="org unit id (default: an import unit)")
    imp.set_defaults(handler=cmd_import)

    export = commands.add_parser("export", help="write a bid as a plan file")
    export.add_argument("bid", type=int)
    export.add_argument("--format", required=True, choices=["mspdi", "json", "csv", "xlsx"])
    export.add_argument("-o", "--output", help="file to write (default: stdout)")
    export.set_defaults(handler=cmd_export)

    worker = commands.add_parser("worker", help="run long jobs (PostgreSQL; any number of them)")
    worker.add_argument(
        "--concurrency", type=int, help="jobs at once (KAMPMO_JOB_WORKER_CONCURRENCY)"
    )
    worker.set_defaults(handler=cmd_worker)

    for name in ("schedule", "level", "risk"):
        commands.add_parser(name, help=f"offline {name} of plan files (see --help)", add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "schedule":
        from wbs.offline import main_schedule

        return main_schedule(argv[1:])
    if argv and argv[0] == "level":
        from wbs.offline import main_level

        return main_level(argv[1:])
    if argv and argv[0] == "risk":
        from wbs.offline import main_risk

        return main_risk(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except Exception as error:  # a clear one-line message instead of a traceback
        from app.errors import DomainError

        if isinstance(error, DomainError):
            print(f"kampmo {args.command}: {error.detail}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    raise SystemExit(main())
