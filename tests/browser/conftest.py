"""Browser fixtures: Debian's Chromium through Playwright and a real kampmo server.

``live_server`` (session) migrates a temporary SQLite database, creates a PMO user with a
password, starts ``uvicorn app.main:create_app`` in a subprocess on a free port, and seeds bids
through the HTTP API (tasks and links too, once the CPM scheduler exists). ``browser``
(session) is Chromium; ``open_page`` opens a URL in a context and records console errors,
page errors and dialogs (an ``alert`` would be a script that ran).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.chromium import free_port, launch

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "docs" / "screenshots"
PASSWORD = "kampmo-浏览器-test"
XSS = "<script>alert(1)</script>"
DEMO_PASSWORD = "kampmo-demo"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@dataclass
class LiveServer:
    url: str
    username: str
    token: str
    bids: dict[str, int] = field(default_factory=dict)
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    scheduled: bool = False

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _create_pmo(database_url: str) -> tuple[str, str]:
    from app.auth.service import create_user, issue_token
    from app.db import make_engine, make_session_factory
    from app.models_registry import load_all_models

    load_all_models()
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            user = create_user(
                session, "pmo-browser", "项目管理办公室", role="pmo", password=PASSWORD
            )
            token = issue_token(session, user)
            session.commit()
    finally:
        engine.dispose()
    return "pmo-browser", token


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kampmo server exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("kampmo server did not come up within 60 s")


def _post(client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body)
    assert response.status_code == 201, (path, response.text)
    return response.json()


def _seed(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, headers=server.headers, timeout=30) as client:
        east = _post(
            client, "/api/v1/org-units", {"code": "EAST", "name": "华东子公司", "name_en": "East"}
        )
        north = _post(
            client, "/api/v1/org-units", {"code": "NORTH", "name": "华北子公司", "name_en": "North"}
        )
        grid = _post(
            client, "/api/v1/accounts", {"name": "国家电网", "industry": "能源", "tier": "key"}
        )
        bank = _post(
            client, "/api/v1/accounts", {"name": "工商银行", "industry": "金融", "tier": "key"}
        )
        specs = [
            ("grid", "国网江苏 2027 框架投标", east, grid, "strategy", "2027-03-01", "2027-03-19"),
            ("bank", "工行数据中心扩容", north, bank, "plan", "2027-03-08", "2027-04-02"),
            ("xss", XSS, east, bank, "analysis", "2027-03-15", "2027-03-26"),
        ]
        for key, title, unit, account, stage, start, deadline in specs:
            bid = _post(
                client,
                "/api/v1/pmo/bid-imports",  # bids with a past come in through the PMO's import
                {
                    "title": title,
                    "import_reason": "浏览器测试数据 · browser test seed",
                    "org_unit_id": unit["id"],
                    "account_id": account["id"],
                    "stage": stage,
                    "start_date": start,
                    "submission_deadline": deadline,
                    "status_date": start,
                    "value": "2500000.00",
                    "pursuit_budget": "80000.00",
                },
            )
            server.bids[key] = bid["id"]
        # an open bid at lead-in that test_closeout_page closes through the lead's form
        server.bids["closing"] = _post(
            client,
            "/api/v1/bids",
            {
                "title": "复盘测试投标",
                "org_unit_id": east["id"],
                "account_id": grid["id"],
                "start_date": "2027-03-01",
                "submission_deadline": "2027-03-26",
                "value": "1100000.00",
                "pursuit_budget": "50000.00",
            },
        )["id"]
        try:
            import wbs.cpm  # noqa: F401
        except ImportError:
            return
        bid = server.bids["grid"]
        tasks = server.tasks
        li = _post(client, "/api/v1/people", {"name": "李雷", "name_en": "Li Lei"})
        han = _post(client, "/api/v1/people", {"name": "韩梅梅", "name_en": "Han Meimei"})

        def task(key: str, **body: Any) -> None:
            tasks[key] = _post(client, f"/api/v1/bids/{bid}/tasks", body)

        task("prep", name="投标准备", kind="summary")
        prep = tasks["prep"]["id"]
        # 李雷 owns two 3-day tasks from the same Monday: 6 days of work in a 5-day week = 120 %
        task(
            "req", name="需求分析 Requirements", duration_days=3, parent_id=prep, owner_id=li["id"]
        )
        task("sol", name="方案设计 Solution", duration_days=4, parent_id=prep, owner_id=han["id"])
        task("price", name="报价 Pricing", duration_days=3, parent_id=prep, owner_id=li["id"])
        task("xss", name=XSS, duration_days=1, parent_id=tasks["prep"]["id"])
        task("submit", name="递交标书", kind="milestone", duration_days=0)
        for predecessor, successor in (("req", "sol"), ("sol", "submit"), ("price", "submit")):
            _post(
                client,
                f"/api/v1/bids/{bid}/dependencies",
                {
                    "predecessor_id": tasks[predecessor]["id"],
                    "successor_id": tasks[successor]["id"],
                    "type": "FS",
                    "lag_days": 0,
                },
            )
        server.scheduled = True


@contextmanager
def _serving(database_url: str, folder: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``uvicorn app.main:create_app`` on ``database_url`` in a subprocess on a free port."""
    port = free_port()
    env = {**os.environ, "KAMPMO_DATABASE_URL": database_url}
    log = (folder / "server.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from app.cli import db_upgrade

    folder = tmp_path_factory.mktemp("live")
    database_url = f"sqlite:///{folder / 'kampmo-browser.db'}"
    db_upgrade(database_url)
    username, token = _create_pmo(database_url)
    with _serving(database_url, folder) as (url, _process):
        server = LiveServer(url=url, username=username, token=token)
        _seed(server)
        yield server


@dataclass
class DemoServer:
    """kampmo serving the demo portfolio (``kampmo demo``), as a new user sees it."""

    url: str
    tokens: dict[str, str]

    def headers(self, user: str = "pmo") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    from app.cli import db_upgrade
    from app.db import make_engine, make_session_factory
    from app.demo.loader import load_demo
    from app.models_registry import load_all_models

    folder = tmp_path_factory.mktemp("demo")
    database_url = f"sqlite:///{folder / 'kampmo-demo.db'}"
    db_upgrade(database_url)
    load_all_models()
    engine = make_engine(database_url)
    try:
        tokens = load_demo(make_session_factory(engine))
    finally:
        engine.dispose()
    with _serving(database_url, folder) as (url, _process):
        yield DemoServer(url=url, tokens=tokens)


@pytest.fixture
def demo_pmo(browser: Any, demo_server: DemoServer) -> Iterator[Any]:
    """A 1440x900 Chinese-language context logged in as the demo PMO through the login form."""
    context = browser.new_context(
        viewport={"width": 1440, "height": 900}, locale="zh-CN", accept_downloads=True
    )
    page = context.new_page()
    page.goto(f"{demo_server.url}/login")
    page.fill("input[name=username]", "pmo")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{demo_server.url}/")
    page.close()
    yield context
    context.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (make system-deps)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@dataclass
class Watched:
    page: Any
    errors: list[str]
    dialogs: list[str]


def watch(page: Any) -> Watched:
    watched = Watched(page, [], [])
    page.on(
        "console",
        lambda message: watched.errors.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: watched.errors.append(str(error)))

    def on_dialog(dialog: Any) -> None:
        watched.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return watched


@pytest.fixture
def logged_in(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """A browser context logged in through the login form."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/login")
    page.fill("input[name=username]", live_server.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.close()
    yield context
    context.close()


def screenshot(page: Any, name: str, folder: Path | None = None) -> Path:
    """A screenshot of what is in the window. The README's (``docs/screenshots``) are of the
    demo portfolio only (tests/browser/test_demo_pages.py); fixture pages go to a temporary
    folder for a person to look at."""
    target = folder or Path(os.environ.get("KAMPMO_SHOTS", "/tmp/kampmo-test-shots"))
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
