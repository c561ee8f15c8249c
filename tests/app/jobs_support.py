"""Helpers for the job tests: a real ``kampmo worker`` on PostgreSQL, and following a job.

- ``WorkerProcess(url)``: ``kampmo worker`` as a subprocess in its own process group (so
  ``kill()`` is a real SIGKILL of the worker and nothing else), with fast heartbeats.
- ``follow(client, location, headers)``: polls a job until it is finished; returns the final
  body and every distinct ``(status, progress, message)`` seen on the way.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.app.live_server import KAMPMO, kampmo_env
from tests.conftest import REPO_ROOT

FAST_JOB_ENV = {
    "KAMPMO_JOB_HEARTBEAT_SECONDS": "0.5",
    "KAMPMO_JOB_STALL_SECONDS": "3",
}
FINAL = ("succeeded", "failed")


@contextlib.contextmanager
def logs_on_failure(folder: Path):
    """A failing assertion inside carries the tail of every ``*.log`` in ``folder``."""
    try:
        yield
    except AssertionError as error:
        tails = [
            f"--- {log.name} ---\n" + log.read_text(errors="replace")[-3000:]
            for log in sorted(folder.glob("*.log"))
        ]
        raise AssertionError(f"{error}\n" + "\n".join(tails)) from error


class WorkerProcess:
    def __init__(self, database_url: str, *, log: Path | None = None, **env: str) -> None:
        self.database_url = database_url
        self.log = log
        self.env = {**kampmo_env(database_url), **FAST_JOB_ENV, **env}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        output = open(self.log, "ab") if self.log else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [str(KAMPMO), "worker"],
            env=self.env,
            cwd=REPO_ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: the worker vanishes mid-job, no shutdown, no cleanup."""
        if self.alive():
            assert self.process is not None
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if not self.alive():
            return
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def __enter__(self) -> WorkerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def follow(
    client: Any, location: str, headers: dict[str, str], *, timeout: float = 120.0
) -> tuple[dict[str, Any], list[tuple[str, float, str]]]:
    seen: list[tuple[str, float, str]] = []
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(location, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        state = (body["status"], body["progress"], body["message"])
        if not seen or seen[-1] != state:
            seen.append(state)
        if body["status"] in FINAL:
            return body, seen
        assert time.monotonic() < deadline, f"job still {body['status']} after {timeout} s"
        time.sleep(0.05)
