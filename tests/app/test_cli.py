"""The ``kampmo`` command line: lean start-up, ``db upgrade``, ``import`` and ``export``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
KAMPMO = [sys.executable, "-m", "app.cli"]

PLAN = {
    "name": "华东电网投标计划",
    "start": "2027-03-01",
    "tasks": [
        {"id": "t1", "name": "客户调研", "duration_days": 3},
        {"id": "t2", "name": "方案设计", "duration_days": 2},
        {"id": "t3", "name": "递交标书", "duration_days": 0},
    ],
    "links": [
        {"from": "t1", "to": "t2", "type": "FS", "lag_days": 0},
        {"from": "t2", "to": "t3", "type": "FS", "lag_days": 0},
    ],
}


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        KAMPMO + args, cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def cli_env(tmp_path) -> dict[str, str]:
    env = {**os.environ, "KAMPMO_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    result = run(["db", "upgrade"], env)
    assert result.returncode == 0, result.stderr
    return env


def test_cli_module_imports_only_the_stdlib():
    code = (
        "import sys, app.cli; heavy = {'fastapi', 'sqlalchemy', 'plotly', 'networkx'};"
        "print(sorted(heavy & set(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_db_upgrade_creates_the_schema(cli_env, tmp_path):
    import sqlite3

    with sqlite3.connect(tmp_path / "cli.db") as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"bids", "tasks", "dependencies", "users", "alembic_version"} <= tables
    again = run(["db", "upgrade"], cli_env)
    assert again.returncode == 0, again.stderr


def test_import_then_export_json(cli_env, tmp_path):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(PLAN, ensure_ascii=False), encoding="utf-8")
    imported = run(["import", str(path)], cli_env)
    assert imported.returncode == 0, imported.stderr
    bid_id = int(imported.stdout.strip().splitlines()[-1])
    out = tmp_path / "out.json"
    exported = run(["export", str(bid_id), "--format", "json", "-o", str(out)], cli_env)
    assert exported.returncode == 0, exported.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert sorted(t["name"] for t in data["tasks"]) == ["客户调研", "方案设计", "递交标书"]
    assert len(data["links"]) == 2


def test_import_refuses_a_cycle(cli_env, tmp_path):
    plan = {**PLAN, "links": [*PLAN["links"], {"from": "t3", "to": "t1"}]}
    path = tmp_path / "cycle.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    result = run(["import", str(path)], cli_env)
    assert result.returncode != 0
    assert "cycle" in result.stderr.lower()


def test_unknown_command_fails(cli_env):
    assert run(["nonsense"], cli_env).returncode != 0


def test_serve_answers_health(cli_env):
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [*KAMPMO, "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO,
        env=cli_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health") as reply:
                    assert json.load(reply)["status"] == "ok"
                    break
            except OSError:
                assert server.poll() is None, "kampmo serve exited"
                assert time.monotonic() < deadline, "kampmo serve did not answer in 60 s"
                time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=30)
