"""``kampmo serve`` as a real subprocess, for the multi-worker and crash tests.

- ``fresh_database(kind, tmp_path)``: a new SQLite file or PostgreSQL schema URL (migrated with
  ``kampmo db upgrade`` as a subprocess, as an operator would).
- ``LiveServer(url)``: starts ``kampmo serve`` on a free port in its own process group, waits
  until ``/api/v1/health`` answers; ``kill()`` sends SIGKILL to the whole group (the uvicorn
  supervisor and its workers), ``stop()`` ends it politely.
- ``seed_pmo(url)``: a PMO user and its token, created through the services.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import httpx
import pytest

from tests.app.conftest import _postgres_schema_url, postgres_url, unique
from tests.conftest import REPO_ROOT

KAMPMO = Path(sys.executable).parent / "kampmo"
READY_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def kampmo_env(database_url: str) -> dict[str, str]:
    return {**os.environ, "KAMPMO_DATABASE_URL": database_url}


@contextlib.contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    """A migrated, empty database of ``kind`` ("sqlite" or "postgres")."""
    if kind == "sqlite":
        urls: Iterator[str] = iter([f"sqlite:///{folder / 'live.db'}"])
    else:
        urls = _postgres_schema_url(postgres_url())
    url = next(urls)
    try:
        subprocess.run(
            [str(KAMPMO), "db", "upgrade"],
            env=kampmo_env(url),
            cwd=REPO_ROOT,
            check=True,
            capture_output=True,
            timeout=120,
        )
        yield url
    finally:
        with contextlib.suppress(StopIteration):
            next(urls)  # drops the PostgreSQL schema


def seed_pmo(database_url: str) -> dict[str, str]:
    """Bearer headers of a new PMO user in that database."""
    from app.auth.service import create_user, issue_token
    from app.db import make_engine, make_session_factory
    from app.models_registry import load_all_models

    load_all_models()
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            user = create_user(session, unique("livepmo"), "现场 PMO", role="pmo")
            token = issue_token(session, user)
            session.commit()
    finally:
        engine.dispose()
    return {"Authorization": f"Bearer {token}"}


class LiveServer:
    def __init__(self, database_url: str, *, workers: int = 1, log: Path | None = None) -> None:
        self.database_url = database_url
        self.workers = workers
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> LiveServer:
        output = open(self.log, "ab") if self.log else subprocess.DEVNULL
        command = [str(KAMPMO), "serve", "--port", str(self.port), "--workers", str(self.workers)]
        self.process = subprocess.Popen(
            command,
            env=kampmo_env(self.database_url),
            cwd=REPO_ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill() reaches the workers too
        )
        self._wait_until_ready()
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                pytest.fail(f"kampmo serve exited with {self.process.returncode}; see {self.log}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.base_url}/api/v1/health", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        self.kill()
        pytest.fail(f"kampmo serve did not answer within {READY_TIMEOUT_S} s")

    def _signal_group(self, signum: int) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flush, open transactions simply vanish."""
        self._signal_group(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=30)

    def stop(self) -> None:
        self._signal_group(signal.SIGTERM)
        if self.process is None:
            return
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
